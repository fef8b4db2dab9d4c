// The front end never crashes, hangs or throws on bad input: every variant
// either compiles cleanly or gets at least one error diagnostic that points
// inside the file, and never an InternalError or another exception. Each
// input is compiled in a child process (isolated_compile.h).
//
// Here: the corpus (examples/, stdlib/) truncated, randomly corrupted and
// with CRLF line endings. Hostile inputs made from scratch:
// test_robustness_input.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "ir/ir.h"
#include "tests/unit/isolated_compile.h"

using namespace neuro::testing;
namespace fs = std::filesystem;

namespace {

const char* const kTokens[] = {
    "{",         "}",     "->",         "mV",      "1e999",    "[",   "$",      "(",       ")",
    "]",         "=",     ";",          ",",       "\"",       "#",   "/*",     "*/",      "\n",
    "ms",        "nS",    "^",          "/",       "*",        "-",   "+=",     "when",    "if",
    "then",      "else",  "neuron",     "circuit", "synapse",  "run", "for",    "connect", "via",
    "record",    "of",    "spike",      "state",   "param",    "let", "fn",     "const",   "import",
    "solver",    "rk45",  "refractory", "unless",  "on",       "pre", "post",   "drive",   "p",
    "in_degree", "pairs", "delay",      "i",       "j",        "t",   "dt",     "0",       "-1",
    "1e-999",    "0.5",   "rand()",     "exp(",    "v",        "P",   "P[0:0]", "not",     "and",
    "==",        "<=",    "'",          "\t",      "\xce\xbc", "\r\n"};

std::string corrupt(const std::string& text, Rng& rng) {
  std::string t = text;
  const size_t edits = 1 + rng.below(3);
  for (size_t e = 0; e < edits; ++e) {
    switch (rng.below(6)) {
      case 0:  // delete 1–8 characters
        if (!t.empty()) {
          size_t at = rng.below(t.size());
          t.erase(at, 1 + rng.below(8));
        }
        break;
      case 1:  // insert a random printable character
        t.insert(rng.below(t.size() + 1), 1, static_cast<char>(32 + rng.below(95)));
        break;
      case 2:  // replace a character
        if (!t.empty()) t[rng.below(t.size())] = static_cast<char>(32 + rng.below(95));
        break;
      case 3: {  // swap two lines
        std::vector<std::string> lines;
        std::stringstream ss(t);
        for (std::string l; std::getline(ss, l);) lines.push_back(l);
        if (lines.size() >= 2)
          std::swap(lines[rng.below(lines.size())], lines[rng.below(lines.size())]);
        t.clear();
        for (const auto& l : lines) t += l + "\n";
        break;
      }
      case 4: {  // duplicate or drop a line
        size_t a = rng.below(t.size() + 1);
        size_t ls = t.rfind('\n', a == 0 ? 0 : a - 1);
        ls = ls == std::string::npos ? 0 : ls + 1;
        size_t le = t.find('\n', ls);
        le = le == std::string::npos ? t.size() : le + 1;
        std::string line = t.substr(ls, le - ls);
        if (rng.below(2))
          t.insert(ls, line);
        else
          t.erase(ls, le - ls);
        break;
      }
      default: {  // insert a token
        const char* tok = kTokens[rng.below(sizeof kTokens / sizeof kTokens[0])];
        t.insert(rng.below(t.size() + 1), std::string(" ") + tok + " ");
        break;
      }
    }
  }
  return t;
}

// Warms ANTLR's prediction caches in this process, so the children inherit
// them instead of each rebuilding them.
void warm_up() {
  for (const auto& f : corpus_files()) (void)neuro::driver::compile_file(f, {}, false);
}

}  // namespace

TEST_CASE("robustness: the corpus itself compiles cleanly") {
  auto files = corpus_files();
  REQUIRE(files.size() >= 3);  // examples/cuba, examples/coba, stdlib/neurons
  std::vector<std::string> texts;
  for (const auto& f : files) texts.push_back(read_text(f));
  auto results = compile_isolated(texts);
  for (size_t k = 0; k < files.size(); ++k) {
    CAPTURE(files[k]);
    CHECK(results[k].verdict == Verdict::Clean);
  }
}

TEST_CASE("robustness: every truncation of every example and stdlib file") {
  warm_up();
  std::vector<std::string> texts;
  for (const auto& f : corpus_files()) {
    std::string text = read_text(f);
    for (size_t k = 0; k < 50; ++k) texts.push_back(text.substr(0, text.size() * k / 50));
  }
  auto results = compile_isolated(texts);
  size_t clean = 0;
  for (const auto& r : results) clean += r.verdict == Verdict::Clean;
  MESSAGE(texts.size() << " truncations: " << clean << " compile cleanly, the rest are diagnosed");
  CHECK(report_failures(texts, results, "truncation") == 0);
}

// ~200 variants per file, at most 600 per directory to bound the time.
static void corrupt_and_compile(const std::string& dir, uint64_t seed) {
  warm_up();
  std::vector<std::string> files;
  for (const auto& f : corpus_files())
    if (f.rfind(std::string(NEURO_SOURCE_DIR) + dir + "/", 0) == 0) files.push_back(f);
  REQUIRE(!files.empty());
  const size_t per_file = std::min<size_t>(200, 600 / files.size());
  std::vector<std::string> texts;
  Rng rng{seed};
  for (const auto& f : files) {
    std::string text = read_text(f);
    for (size_t k = 0; k < per_file; ++k) texts.push_back(corrupt(text, rng));
  }
  auto results = compile_isolated(texts);
  size_t clean = 0;
  for (const auto& r : results) clean += r.verdict == Verdict::Clean;
  MESSAGE(texts.size() << " corrupted copies of " << dir << "/*.neuro: " << clean
                       << " still compile, the rest are diagnosed");
  CHECK(report_failures(texts, results, "corruption") == 0);
}

TEST_CASE("robustness: randomly corrupted copies of every example") {
  corrupt_and_compile("/examples", 20240601);
}

TEST_CASE("robustness: randomly corrupted copies of every stdlib file") {
  corrupt_and_compile("/stdlib", 20240602);
}
TEST_CASE("robustness: CRLF line endings give the same module and errors on the same lines") {
  for (const auto& f : corpus_files()) {
    CAPTURE(f);
    std::string lf = read_text(f), crlf;
    for (char ch : lf) {
      if (ch == '\n') crlf += '\r';
      crlf += ch;
    }
    const std::string a = temp_path("lf"), b = temp_path("crlf");
    write_file(a, lf);
    write_file(b, crlf);
    auto ca = neuro::driver::compile_file(a, {}, false);
    auto cb = neuro::driver::compile_file(b, {}, false);
    CHECK_FALSE(cb->diags.has_errors());
    if (ca->module && cb->module)
      CHECK(neuro::ir::print(*ca->module) == neuro::ir::print(*cb->module));
    fs::remove(a);
    fs::remove(b);
  }
  // An unknown name on line 3 of a CRLF file is reported on line 3, column 11.
  const std::string path = temp_path("crlf_err");
  write_file(path, "const a = 1\r\nconst b = 2\r\nconst c = nowhere\r\n");
  auto c = neuro::driver::compile_file(path, {}, false);
  REQUIRE(c->diags.has_errors());
  CHECK(c->diags.list()[0].range.line == 3);
  CHECK(c->diags.list()[0].range.col == 10);
  fs::remove(path);
}
