// Every file under tests/golden (language behaviour) and tests/invalid (one
// fixture per diagnostic) checked against its inline expectations; the
// golden models run on the interpreter and on the JIT, which must agree bit
// for bit (golden_runner.h).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

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
