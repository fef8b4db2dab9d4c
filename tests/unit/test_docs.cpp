// Examples in the documentation are part of the test suite: every ```neuro
// block must check cleanly as a whole file, and every ```neuro-fragment
// block must at least parse (as REPL input: declarations or statements).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "driver/driver.h"
#include "frontend/loader.h"
#include "frontend/parser.h"

namespace fs = std::filesystem;
using namespace neuro;

namespace {

struct Block {
  std::string file, lang, text;
  int line;
};

std::vector<Block> blocks_in(const fs::path& md) {
  std::vector<Block> out;
  std::ifstream in(md);
  std::string line, lang, text;
  int n = 0, start = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    ++n;
    if (!inside && line.rfind("```neuro", 0) == 0) {
      inside = true;
      lang = line.substr(3);
      text.clear();
      start = n + 1;
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      out.push_back({md.string(), lang, text, start});
    } else if (inside) {
      text += line + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("docs: every neuro example in docs/ and README.md is valid") {
  std::vector<fs::path> mds = {fs::path(NEURO_SOURCE_DIR) / "README.md"};
  for (const auto& e : fs::directory_iterator(fs::path(NEURO_SOURCE_DIR) / "docs"))
    if (e.path().extension() == ".md") mds.push_back(e.path());
  size_t checked = 0;
  auto tmp = fs::temp_directory_path() / fmt::format("neuro_docs_{}", ::getpid());
  fs::create_directories(tmp);
  for (const auto& md : mds) {
    for (const auto& b : blocks_in(md)) {
      CAPTURE(b.file);
      CAPTURE(b.line);
      if (b.lang == "neuro") {
        auto f = tmp / "block.neuro";
        std::ofstream(f) << b.text;
        auto c = driver::compile_file(f.string(), {}, true);
        CHECK_MESSAGE(!c->diags.has_errors(), frontend::render_all(c->diags, c->sources));
      } else if (b.lang == "neuro-fragment") {
        frontend::SourceManager sm;
        frontend::Diagnostics d;
        bool incomplete = false;
        uint32_t id = sm.add("fragment", "", b.text);
        frontend::parse_repl(sm, id, d, incomplete);
        CHECK_MESSAGE(!d.has_errors(), frontend::render_all(d, sm));
        CHECK_FALSE(incomplete);
      }
      ++checked;
    }
  }
  fs::remove_all(tmp);
  CHECK(checked >= 1);
}
