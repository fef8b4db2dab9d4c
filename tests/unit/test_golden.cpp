// Every file under tests/golden (language behaviour) and tests/invalid (one
// fixture per diagnostic) checked against its inline expectations.
#include <doctest/doctest.h>

#include "tests/unit/golden_runner.h"

using namespace neuro::testing;

namespace {
void check_dir(const std::string& dir) {
  auto files = neuro_files(dir);
  REQUIRE(!files.empty());
  for (const auto& f : files) {
    CAPTURE(f);
    auto r = run_golden(f);
    if (!r.ok) FAIL_CHECK(r.failure);
  }
}
}  // namespace

TEST_CASE("golden: language behaviour") {
  check_dir(NEURO_SOURCE_DIR "/tests/golden");
}
TEST_CASE("golden: one fixture per diagnostic") {
  check_dir(NEURO_SOURCE_DIR "/tests/invalid");
}
