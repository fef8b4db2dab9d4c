// Loads a root file (or text) and everything it imports, in dependency order.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace neuro::frontend {

// Finds the text of `import stdlib.name`-style modules (embedded in the binary).
using ModuleSource = std::function<std::optional<std::string>(const std::string& dotted)>;

struct LoadedProgram {
  std::vector<Program> modules;  // imports before their importers; the root is last
  uint32_t root_file = 0;
};

class Loader {
 public:
  Loader(SourceManager& sources, Diagnostics& diags, ModuleSource stdlib = {})
      : sources_(sources), diags_(diags), stdlib_(std::move(stdlib)) {}

  // Reads and parses `path` and its imports. A missing root file is reported
  // as E0500 without a source position.
  std::optional<LoadedProgram> load_file(const std::string& path);
  // Same for text held in memory; `name` is shown in diagnostics.
  std::optional<LoadedProgram> load_text(const std::string& name, const std::string& text);

 private:
  bool load_imports(const Program& p, const std::string& dir, LoadedProgram& out);
  bool load_one(const std::string& key, const std::string& name, const std::string& path,
                const std::string& text, const std::string& dir, LoadedProgram& out);

  SourceManager& sources_;
  Diagnostics& diags_;
  ModuleSource stdlib_;
  std::vector<std::string> loading_;  // import stack, for cycle detection
  std::vector<std::string> loaded_;   // keys already loaded
};

// Model files and imports are read up to this size: a larger one (or a
// device such as /dev/zero) is an error, not an unbounded read.
inline constexpr size_t kMaxSourceBytes = 16u << 20;

// A whole file's text, or why it could not be read: missing, a folder,
// larger than kMaxSourceBytes, or a read error (with the system's reason).
struct FileText {
  std::optional<std::string> text;
  std::string problem;   // when there is no text
  bool missing = false;  // no such file
  std::string hint() const;
};
FileText read_source(const std::string& path);

// Reads a whole file; nullopt when it cannot be read (read_source says why).
std::optional<std::string> read_file(const std::string& path);

}  // namespace neuro::frontend
