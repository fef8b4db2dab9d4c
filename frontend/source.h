// Source text and positions. Every AST and IR node carries a SourceRange so
// that any later stage can point at what the user wrote.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuro::frontend {

// 1-based line, 0-based column counted in code points (what ANTLR reports).
struct SourceRange {
  uint32_t file = 0;  // index into SourceManager; 0 = no file
  uint32_t line = 0, col = 0;
  uint32_t end_line = 0, end_col = 0;  // exclusive end column on end_line

  bool valid() const { return file != 0 && line != 0; }
  // The smallest range covering both.
  static SourceRange cover(const SourceRange& a, const SourceRange& b);
};

struct SourceFile {
  std::string name;  // as shown in diagnostics
  std::string path;  // resolved path, empty for in-memory text
  std::string text;
  std::vector<size_t> line_starts;  // byte offset of each line

  std::string_view line_text(uint32_t line) const;
};

// Owns every file text loaded in one session so ranges stay valid.
class SourceManager {
 public:
  uint32_t add(std::string name, std::string path, std::string text);
  const SourceFile& file(uint32_t id) const { return *files_.at(id - 1); }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace neuro::frontend
