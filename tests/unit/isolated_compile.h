// Compiles inputs in forked child processes and judges each outcome, for
// the robustness tests (test_robustness.cpp, test_robustness_input.cpp).
//
// Each input is compiled (compile_file, check_only = false: parse, check and
// lower to IR; nothing is simulated) in a forked child process, so that a
// crash or a stack overflow is reported as a failure of that input instead
// of killing the test runner, and a hang is cut off by a timeout. One child
// compiles a whole batch of variants and reports each result through a
// pipe; after a crash or a timeout a fresh child resumes at the next one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace neuro::testing {

enum class Verdict : uint8_t {
  Clean,         // no errors, a module was built
  Diagnosed,     // errors, at least one inside the file, none outside it
  NoModule,      // no errors, yet no module
  NoValidError,  // errors, but none with a source position inside the file
  RangeOutside,  // an error whose position lies outside its file
  Internal,      // InternalError thrown
  Exception,     // another exception escaped compile_file
  Crashed,       // the child died (signal)
  TimedOut,      // the child did not answer in time
};

const char* verdict_name(Verdict v);
// Clean or Diagnosed: what the front end must do with any input.
bool acceptable(Verdict v);

struct Result {
  Verdict verdict = Verdict::Clean;
  std::string detail;
};

// How long one text may take before it counts as a hang. Only a guard
// against hanging the test run: no test here asserts a speed (that is
// bench/'s job), and a loaded machine must not turn into a failure.
constexpr double kHangGuard_s = 60;

// Compiles every text, each in a child process, with `timeout_s` per text.
std::vector<Result> compile_isolated(const std::vector<std::string>& texts,
                                     double timeout_s = kHangGuard_s);
Result compile_one_isolated(const std::string& text);

// Reports every unacceptable result with the text that produced it (saved to
// a file, unless `save` is false, so that the failure can be reproduced with
// `neuro check FILE`).
size_t report_failures(const std::vector<std::string>& texts, const std::vector<Result>& results,
                       const std::string& what, bool save = true);

// A file under the temporary directory, named after this process and `tag`.
std::string temp_path(const char* tag);
void write_file(const std::string& path, const std::string& text);

// Every .neuro file of examples/ and stdlib/, sorted.
std::vector<std::string> corpus_files();
std::string read_text(const std::string& path);

// SplitMix64: the same variants on every platform (std:: distributions differ).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

}  // namespace neuro::testing
