// Every file under tests/golden (language behaviour) and tests/invalid (one
// fixture per diagnostic) checked against its inline expectations; the
// golden models run on the interpreter and on the JIT, which must agree bit
// for bit (golden_runner.h).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "frontend/diagnostics.h"
#include "tests/unit/env_guard.h"
#include "tests/unit/golden_runner.h"

using namespace neuro::testing;
namespace fs = std::filesystem;

namespace {
// Returns how many files ran (some of) their model in JIT-generated code.
size_t check_dir(const std::string& dir) {
  // An empty JIT cache of this process's own.
  const fs::path cache = fs::temp_directory_path() / fmt::format("neuro_golden_cache_{}", getpid());
  fs::remove_all(cache);
  EnvGuard guard("XDG_CACHE_HOME", cache.string());
  auto files = neuro_files(dir);
  REQUIRE(!files.empty());
  size_t jit = 0;
  for (const auto& f : files) {
    CAPTURE(f);
    auto r = run_golden(f);
    if (!r.ok) FAIL_CHECK(r.failure);
    jit += r.jit;
  }
  fs::remove_all(cache);
  return jit;
}
}  // namespace

TEST_CASE("golden: language behaviour, on the interpreter and on the JIT") {
  const size_t jit = check_dir(NEURO_SOURCE_DIR "/tests/golden");
  MESSAGE(jit << " golden models ran (partly) in JIT-generated code");
  CHECK(jit >= 30);  // the generated code really runs, not only the interpreter
}
TEST_CASE("golden: one fixture per diagnostic") {
  check_dir(NEURO_SOURCE_DIR "/tests/invalid");
}

// Every code in the catalogue is tested. One that a .neuro file can cause
// has a fixture tests/invalid/<code>_*.neuro; one that only the command
// line, the REPL or the embedding API meets (NEURO_HOST_DIAGNOSTIC_CODES)
// cannot have one, and is expected instead by the tests of those hosts.
TEST_CASE("golden: every diagnostic code has a fixture, or a host test when no file causes it") {
  std::set<std::string> fixtures;
  for (const auto& f : neuro_files(NEURO_SOURCE_DIR "/tests/invalid"))
    fixtures.insert(fs::path(f).filename().string().substr(0, 5));
  std::string host_tests;
  for (const char* t : {"test_cli.cpp", "test_repl.cpp", "test_api.cpp", "test_c_api_errors.cpp"}) {
    std::ifstream in(fs::path(NEURO_SOURCE_DIR) / "tests" / "unit" / t);
    std::stringstream ss;
    ss << in.rdbuf();
    host_tests += ss.str();
  }
  using neuro::frontend::Code;
  const std::pair<std::string, Code> codes[] = {
#define X(code, name, summary) {#code, Code::name},
      NEURO_DIAGNOSTIC_CODES(X)
#undef X
  };
  for (const auto& [id, code] : codes) {
    CAPTURE(id);
    if (neuro::frontend::from_source(code)) {
      CHECK(fixtures.count(id) == 1);
    } else {
      CHECK(fixtures.count(id) == 0);  // a file causes it after all: move it to the source codes
      CHECK((host_tests.find("\"" + id + "\"") != std::string::npos ||
             host_tests.find("error[" + id + "]") != std::string::npos));
    }
  }
}
