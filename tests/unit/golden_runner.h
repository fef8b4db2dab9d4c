// Runs a .neuro file in-process and checks its inline expectations:
//
//   # expect error[E0200] line 7        a diagnostic with this code on line 7
//   # expect error[E0200] line 7:13     … starting at column 13
//   # expect ir: solver exact           a line of `neuro ir` output containing the text
//   # expect: spikes P = 3              a line of the run's output (in order)
//
// A file with error expectations must produce exactly those errors; one
// without must compile cleanly. The run's output lines are
//   spikes P = N              spike P[i] t = T ms   (first 200)
//   final P.v[i] = V unit     (last recorded sample of each recorded variable)
#pragma once

#include <string>
#include <vector>

namespace neuro::testing {

struct GoldenResult {
  bool ok = true;
  std::string failure;  // what went wrong, for the test log
};

GoldenResult run_golden(const std::string& path);

// Every *.neuro file under `dir`, recursively, sorted.
std::vector<std::string> neuro_files(const std::string& dir);

// Compiles and runs `path`; returns the output lines described above, or
// the rendered diagnostics in `diagnostics`.
std::vector<std::string> run_lines(const std::string& path, std::string& diagnostics);

}  // namespace neuro::testing
