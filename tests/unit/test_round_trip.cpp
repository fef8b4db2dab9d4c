// parse → print → parse gives the same text again, for every example, golden
// file and library module: the printer and the parser agree on the language.
#include <doctest/doctest.h>

#include "frontend/ast.h"
#include "frontend/loader.h"
#include "frontend/parser.h"
#include "stdlib/stdlib.h"
#include "tests/unit/golden_runner.h"

using namespace neuro::frontend;

namespace {

std::string reprint(const std::string& name, const std::string& text, std::string& errors) {
  SourceManager sm;
  Diagnostics diags;
  uint32_t id = sm.add(name, "", text);
  Program p = parse_file(sm, id, diags);
  if (diags.has_errors()) errors = render_all(diags, sm);
  return print(p);
}

void check_round_trip(const std::string& name, const std::string& text) {
  CAPTURE(name);
  std::string err1, err2;
  std::string once = reprint(name, text, err1);
  REQUIRE_MESSAGE(err1.empty(), err1);
  std::string twice = reprint(name + " (printed)", once, err2);
  REQUIRE_MESSAGE(err2.empty(), (err2 + "\nprinted text:\n" + once));
  CHECK(once == twice);
}

}  // namespace

TEST_CASE("round trip: examples, golden files and the standard library") {
  std::vector<std::string> files = neuro::testing::neuro_files(NEURO_SOURCE_DIR "/examples");
  for (const auto& f : neuro::testing::neuro_files(NEURO_SOURCE_DIR "/tests/golden"))
    files.push_back(f);
  REQUIRE(files.size() >= 4);
  for (const auto& f : files) check_round_trip(f, read_file(f).value());
  for (const auto& name : neuro::stdlib::names())
    check_round_trip(name, neuro::stdlib::find(name).value());
}

TEST_CASE("round trip keeps precedence and associativity") {
  const char* src =
      "const a = 2 - (3 - 4)\nconst b = (2 ^ 3) ^ 2\nconst c = -(1 ms) ^ 2\nconst d = not (true "
      "and false) or true\n"
      "const e = if 1 < 2 then 3 mV else 4 [mV*ms/ms]\n";
  check_round_trip("precedence", src);
  std::string err;
  std::string out = reprint("p", src, err);
  CHECK(out.find("2 - (3 - 4)") != std::string::npos);
  CHECK(out.find("(2 ^ 3) ^ 2") != std::string::npos);
}
