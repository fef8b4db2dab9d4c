// Runs a .neuro file in-process and checks its inline expectations:
//
//   # expect error[E0200] line 7        a diagnostic with this code on line 7
//   # expect error[E0200] line 7:13     … starting at column 13
//   # expect ir: solver exact           a line of `neuro ir` output containing the text
//   # expect: spikes P = 3              a line of the run's output (in order)
//   # expect spikes exactly             the file's `spikes`/`spike` lines are
//                                       the run's complete list (see below)
//   # expect within 1e-10: final P.x[0] = 1.0946e-3
//                                       a final value, unrounded, to this
//                                       relative tolerance
//
// A file with error expectations must produce exactly those errors; one
// without must compile cleanly. The run's output lines are
//   spikes P = N              spike P[i] t = T ms   (every spike)
//   final P.v[i] = V unit     (last recorded sample of each recorded variable)
// printed with 6 significant digits. The `spikes`/`spike` lines and the
// `final` lines are matched separately, each as an in-order subsequence of
// the run's lines of that kind: extra lines in the output pass.
//
// `# expect spikes exactly` makes the spike lines strict: the run's
// `spikes` and `spike` lines, every spike of every recorded population,
// must equal the file's, one for one and in order; a recorded population
// the file does not list fails, as does any extra spike.
// Use it where the file's comments derive the complete spike list.
//
// `# expect within REL: final P.x[i] = VALUE UNIT` compares the last
// recorded sample, in the printed unit and not rounded, with VALUE:
// |got − VALUE| ≤ REL·|VALUE|. For values whose closed form the run can only
// approach through rounding; exact values belong in `# expect:`.
//
// Every model with a `run` runs twice, on the interpreter and on the JIT
// (neuro/backend.h); each run is checked against the expectations, and the
// two must agree bit for bit (fingerprint.h): the same spikes, recorded
// samples and state, the same error if one is thrown. Both then go on to
// 1 s of simulated time (10 000 steps at 0.1 ms), where a slow divergence
// shows, and must still agree. The JIT compiles into the cache that
// XDG_CACHE_HOME names; callers give it an empty directory of their own.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "neuro/backend.h"
#include "neuro/simulation.h"

namespace neuro::testing {

struct GoldenResult {
  bool ok = true;
  std::string failure;  // what went wrong, for the test log
  bool jit = false;     // the JIT ran (some of) the model in generated code
};

GoldenResult run_golden(const std::string& path);

// Every *.neuro file under `dir`, recursively, sorted.
std::vector<std::string> neuro_files(const std::string& dir);

// One run of a golden model on one backend.
struct GoldenRun {
  bool ran = false;                      // the model compiled and has a `run`
  std::vector<std::string> spike_lines;  // every `spikes` / `spike` line, uncapped
  std::vector<std::string> final_lines;  // the `final` lines, or `error: …` when the run threw
  struct Final {
    std::string name;  // `final P.v[0]`
    double value;      // the last sample, unrounded, in the printed unit
    std::string unit;  // the printed unit; "" when dimensionless
  };
  std::vector<Final> finals;
  // Spike ids and times, sample times and values, step count and error, as
  // bytes: equal on both backends (and, with the whole state, fingerprint.h).
  std::vector<std::pair<std::string, std::string>> bits;
  std::string diagnostics;          // compile errors, or the error the run threw
  std::string error;                // the error the run threw, if any
  BackendReport report;             // what use_backend said (the JIT run)
  std::unique_ptr<Simulation> sim;  // the simulation, built and run
};

// Compiles `path` and runs it for its `run` duration on `backend`.
GoldenRun run_on(const std::string& path, Backend backend);

}  // namespace neuro::testing
