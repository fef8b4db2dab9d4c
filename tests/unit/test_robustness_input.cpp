// The front end never crashes, hangs or throws on bad input: every variant
// either compiles cleanly or gets at least one error diagnostic that points
// inside the file, and never an InternalError or another exception. Each
// input is compiled in a child process (isolated_compile.h).
//
// Here: inputs made from scratch to be hostile: empty and binary files,
// non-ASCII text, very long lines, deep nesting and long operator chains.
// The corpus truncated and corrupted: test_robustness.cpp.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "frontend/diagnostics.h"
#include "frontend/loader.h"
#include "tests/unit/isolated_compile.h"

using namespace neuro::testing;
namespace fs = std::filesystem;

TEST_CASE("robustness: empty files and files of only comments or whitespace") {
  std::vector<std::string> texts = {"", "# only a comment\n",
                                    "// a comment\n/* a block\n comment */\n# no newline",
                                    "\n\n\n   \t\n", "/* unterminated block comment\n"};
  auto results = compile_isolated(texts);
  CHECK(report_failures(texts, results, "near-empty file") == 0);
}

TEST_CASE(
    "robustness: binary garbage and NUL bytes and invalid UTF-8 are diagnosed at their position") {
  Rng rng{7};
  std::string binary;
  for (int k = 0; k < 4096; ++k) binary.push_back(static_cast<char>(rng.below(256)));
  std::string printable;
  for (int k = 0; k < 4096; ++k) printable.push_back(static_cast<char>(32 + rng.below(95)));
  std::vector<std::string> texts = {binary,
                                    printable,
                                    std::string("neuron A {\0 param x = 1 }\n", 26),
                                    std::string(64, '\0'),
                                    "const x = 1\n# caf\xe9\n",
                                    "\xff\xfe"
                                    "const x = 1\n"};
  auto results = compile_isolated(texts);
  CHECK(report_failures(texts, results, "garbage") == 0);
  for (size_t k = 0; k < texts.size(); ++k) {
    CAPTURE(k);
    CHECK(results[k].verdict == Verdict::Diagnosed);
  }

  // Positions: the NUL is line 1, column 11 (0-based 10); the Latin-1 byte
  // is line 2, column 6 (0-based 5).
  const std::string path = temp_path("pos");
  write_file(path, std::string("neuron A {\0 param x = 1 }\n", 26));
  auto c = neuro::driver::compile_file(path, {}, false);
  REQUIRE(c->diags.has_errors());
  CHECK(c->diags.list()[0].range.line == 1);
  CHECK(c->diags.list()[0].range.col == 10);
  CHECK(neuro::frontend::code_id(c->diags.list()[0].code) == std::string("E0003"));
  write_file(path, "const x = 1\n# caf\xe9\n");
  c = neuro::driver::compile_file(path, {}, false);
  REQUIRE(c->diags.has_errors());
  CHECK(c->diags.list()[0].range.line == 2);
  CHECK(c->diags.list()[0].range.col == 5);
  fs::remove(path);
}
TEST_CASE("robustness: non-ASCII text: columns count code points") {
  // `τ` is two bytes but one column: the `$` after it is at column 9 (0-based).
  const std::string path = temp_path("utf8");
  write_file(path, "# τ_m is the membrane time constant (µs, Ω)\nconst τx = 1 $\n");
  auto c = neuro::driver::compile_file(path, {}, false);
  REQUIRE(c->diags.has_errors());
  const auto& d = c->diags.list()[0];
  CHECK(d.range.line == 2);
  CHECK(d.range.col == 6);  // the `τ` itself is the first character not in the language
  fs::remove(path);
  std::vector<std::string> texts = {"# τ_m is the membrane time constant (µs, Ω)\nconst τx = 1 $\n",
                                    "µ", "const x = 1 µs\n"};
  auto results = compile_isolated(texts);
  CHECK(report_failures(texts, results, "non-ASCII") == 0);
}

TEST_CASE("robustness: very long lines") {
  std::string model = read_text(std::string(NEURO_SOURCE_DIR) + "/examples/cuba.neuro");
  std::vector<std::string> texts;
  texts.push_back("# " + std::string(1 << 20, 'x') + "\n" + model);  // a 1 MB comment line
  texts.push_back(std::string(1 << 20, ' ') + "const x = 1\n");      // 1 MB of indentation
  texts.push_back("const " + std::string(100000, 'a') + " = 1\n");   // a 100 000-character name
  std::string stmts = "neuron Many {";
  for (int k = 0; k < 5000; ++k)
    stmts += " param p" + std::to_string(k) + " = " + std::to_string(k) + " mV;";
  texts.push_back(stmts + " }\n");  // 5000 statements on one line
  std::string sum = "const s = 1";
  for (int k = 0; k < 2000; ++k) sum += " + 1";
  texts.push_back(sum + "\n");                                      // a flat sum of 2000 terms
  texts.push_back("const x = " + std::string(200000, '1') + "\n");  // a 200 000-digit number
  texts.push_back(std::string(200000, '$') + "\n");                 // 200 000 bad characters
  texts.push_back(std::string(100000, '{') + "\n");                 // unbalanced braces
  auto results = compile_isolated(texts);
  CHECK(report_failures(texts, results, "long line") == 0);
  CHECK(results[0].verdict == Verdict::Clean);
  CHECK(results[3].verdict == Verdict::Clean);
  CHECK(results[4].verdict == Verdict::Clean);
}

namespace {

std::string nest(const std::string& open, const std::string& inner, const std::string& close,
                 int depth) {
  std::string s;
  for (int k = 0; k < depth; ++k) s += open;
  s += inner;
  for (int k = 0; k < depth; ++k) s += close;
  return s;
}

// The same nesting, every kind of bracket and of recursive expression.
std::vector<std::string> nested_inputs(int depth) {
  return {
      "const x = " + nest("(", "1", ")", depth) + "\n",
      "const x = " + nest("exp(", "0", ")", depth) + "\n",
      "const x = " + nest("-", "1", "", depth) + "\n",
      "const x = " + nest("not ", "true", "", depth) + "\n",
      "const x = " + nest("2 ^ ", "1", "", depth) + "\n",
      "const x = " + nest("if true then ", "1", " else 0", depth) + "\n",
      "const x = " + nest("[", "1", "]", depth) + "\n",
      "neuron A {\n state x = 0\n spike when x > 1 " +
          nest("{ if x > 0 ", "{ x = 0 }", " }", depth) + "\n}\n",
      nest("{", "", "}", depth) + "\n",
      nest("(", "", "", depth) + "\n",  // never closed
  };
}

}  // namespace

TEST_CASE("robustness: moderate nesting compiles and deep nesting is handled") {
  // 100 levels is far more than any model needs: the valid ones compile.
  auto shallow = nested_inputs(100);
  auto results = compile_isolated(shallow);
  CHECK(report_failures(shallow, results, "nesting 100") == 0);
  for (size_t k : {0, 1, 2, 3, 4, 5}) {
    CAPTURE(k);
    CHECK(results[k].verdict == Verdict::Clean);
  }
  // 1000 levels: compiled or diagnosed (a nesting limit is fine).
  auto deep = nested_inputs(1000);
  results = compile_isolated(deep);
  CHECK(report_failures(deep, results, "nesting 1000") == 0);
}

// Regressions of problems these tests found: absurdly deep or long input
// must be diagnosed quickly, never crash or hang.

TEST_CASE("robustness: 10 000 nested parentheses are diagnosed before parsing") {
  // Parsing `((((…1…))))` was superlinear (ANTLR looks past the whole nested
  // expression at every `(` to tell `( expr )` from a tuple): depth 10 000
  // took 23 s and 20 000 overflowed the stack. The front end now diagnoses
  // nesting deeper than 256 from the token stream, so the parser never sees
  // it: the error is at the 257th `(`, whatever the machine's speed.
  std::string text = "const x = " + std::string(10000, '(') + "1" + std::string(10000, ')') + "\n";
  Result r = compile_one_isolated(text);
  INFO(std::string(verdict_name(r.verdict)) << ": " << r.detail);
  REQUIRE(r.verdict == Verdict::Diagnosed);  // in a child first: a crash must not end the run
  const std::string path = temp_path("parens");
  write_file(path, text);
  auto c = neuro::driver::compile_file(path, {}, false);
  fs::remove(path);
  REQUIRE(c->diags.list().size() == 1);
  const auto& d = c->diags.list()[0];
  CHECK(d.range.line == 1);
  CHECK(d.range.col == 10 + 256);  // 0-based: after `const x = ` and 256 `(`
  CHECK(d.message.find("nest more than 256 deep") != std::string::npos);
}

TEST_CASE("robustness: long operator chains do not overflow the stack") {
  // `1 + 1 + … + 1` is a left-deep tree that the checker walks recursively:
  // 16 000 terms overflowed the stack; `2 ^ 2 ^ … ^ 1` overflowed the parser
  // at 20 000. Chains over 2048 operators are now diagnosed.
  std::vector<std::string> texts;
  for (const char* op : {" + 1", " * 1", " and true"}) {
    std::string chain = std::string("const s = ") + (op[1] == 'a' ? "true" : "1");
    for (int k = 0; k < 20000; ++k) chain += op;
    texts.push_back(chain + "\n");
  }
  texts.push_back("const s = " + nest("2 ^ ", "1", "", 20000) + "\n");
  auto results = compile_isolated(texts);
  CHECK(report_failures(texts, results, "operator chain", false) == 0);
}

// A model or an import that never ends (a device), is too large or is a
// folder is refused with a diagnostic, after reading at most one block past
// the limit; a missing file is still "no such file".
TEST_CASE("robustness: /dev/zero, huge files and folders as models or imports are refused") {
  auto check_file = [](const std::string& path, const std::string& problem) {
    CAPTURE(path);
    auto c = neuro::driver::compile_file(path, {}, false);
    REQUIRE(c->diags.has_errors());
    const auto& d = c->diags.list().front();
    CHECK(d.code == neuro::frontend::Code::Io);
    CHECK(d.message == "cannot read `" + path + "`: " + problem);
  };
  check_file("/dev/zero", "it is larger than 16 MiB");
  check_file(fs::temp_directory_path().string(), "it is a folder, not a file");
  check_file("/no/such/model.neuro", "no such file");

  const fs::path dir = fs::temp_directory_path() / ("neuro_big_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path big = dir / "big.neuro";
  {
    std::ofstream out(big, std::ios::binary);
    const std::string line(1023, '#');
    for (size_t k = 0; k <= neuro::frontend::kMaxSourceBytes / 1024; ++k) out << line << '\n';
  }
  check_file(big.string(), "it is larger than 16 MiB");
  const fs::path importer = dir / "importer.neuro";
  std::ofstream(importer) << "import \"/dev/urandom\"\n";
  auto c = neuro::driver::compile_file(importer.string(), {}, false);
  REQUIRE(c->diags.has_errors());
  const auto& d = c->diags.list().front();
  CHECK(d.message == "cannot read the imported file `/dev/urandom`: it is larger than 16 MiB");
  // Located at the path, after `import `.
  CHECK(neuro::frontend::render_all(c->diags, c->sources, false)
            .find("importer.neuro:1:8: error[E0500]") != std::string::npos);
  fs::remove_all(dir);
}

// Control characters in the input (a NUL byte, an escape) are shown as
// their Unicode pictures in diagnostics: they neither cut a message short
// nor reach the terminal.
TEST_CASE("robustness: diagnostics show control characters as pictures, never raw") {
  const std::string text = std::string("neuron A { state v = 0 mV }\ncircuit C { P = B") +
                           std::string(1, '\0') + "\x1b[2J[1] }\nrun C for 1 ms\n";
  auto c = neuro::driver::load_text("ctl.neuro", text);
  REQUIRE(c->diags.has_errors());
  const std::string out = neuro::frontend::render_all(c->diags, c->sources, false);
  for (char ch : out) {
    const unsigned char u = static_cast<unsigned char>(ch);
    CHECK_FALSE(((u < 0x20 && ch != '\n' && ch != '\t') || u == 0x7f));
  }
  CHECK(out.find("\xe2\x90\x80") != std::string::npos);  // ␀
  CHECK(out.find("\xe2\x90\x9b") != std::string::npos);  // ␛
}
