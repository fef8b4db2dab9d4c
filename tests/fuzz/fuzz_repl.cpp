// libFuzzer target: bytes typed into the REPL, line by line, as a person or
// a pipe would (declarations, meta-commands, runs of at most 10 ms). Any
// input must be answered, never crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "cli/repl_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  neuro::cli::ReplSession s([](const std::string&) {}, [](const std::string&) {});
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string pending, line;
  int lines = 0;
  while (std::getline(in, line) && ++lines < 200) {
    // Keep runs short: the fuzzer is after crashes, not long simulations.
    if (line.rfind(":run", 0) == 0 || line.rfind(":step", 0) == 0 || line.rfind("run ", 0) == 0)
      continue;
    pending += line + "\n";
    auto r = s.feed(pending);
    if (r == neuro::cli::ReplSession::Result::NeedMore) continue;
    pending.clear();
    if (r == neuro::cli::ReplSession::Result::Quit) break;
  }
  if (!pending.empty()) s.feed(pending, true);
  return 0;
}
