// Tab completion at the REPL prompt: meta-commands after `:`, file paths
// after `:load`, otherwise keywords, declared names and the variables of the
// running network's populations (`P.v`).
#include <algorithm>
#include <filesystem>

#include "cli/repl_session.h"

namespace neuro::cli {

namespace fs = std::filesystem;

namespace {

const char* kKeywords[] = {
    "neuron", "synapse", "circuit", "param",   "state", "let",    "spike",    "when",  "refractory",
    "unless", "solver",  "on",      "connect", "via",   "record", "of",       "every", "drive",
    "run",    "for",     "import",  "const",   "fn",    "if",     "then",     "else",  "and",
    "or",     "not",     "true",    "false",   "trace", "decays", "modulator"};

}  // namespace

std::vector<std::string> ReplSession::complete(const std::string& line) const {
  std::vector<std::string> out;
  size_t start = line.find_last_of(" \t(,[{");
  std::string word = start == std::string::npos ? line : line.substr(start + 1);
  auto add = [&](const std::string& c) {
    if (c.rfind(word, 0) == 0 && std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  };
  if (line.rfind(":load ", 0) == 0) {
    fs::path p(word);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = (p.has_parent_path() ? (dir / e.path().filename()).string()
                                              : e.path().filename().string());
      if (e.is_directory())
        name += "/";
      else if (e.path().extension() != ".neuro")
        continue;
      add(name);
    }
  } else if (!line.empty() && line[0] == ':' && start == std::string::npos) {
    for (const auto& m : meta_commands()) add(m);
  } else {
    for (const char* k : kKeywords) add(k);
    for (const auto& e : entries_) add(e.name);
    if (module_)
      for (const auto& p : module_->pops) {
        add(p.name);
        if (p.kernel >= 0) {
          for (const auto& v : module_->kernels[p.kernel].states) add(p.name + "." + v.name);
          for (const auto& v : module_->kernels[p.kernel].params) add(p.name + "." + v.name);
        }
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace neuro::cli
