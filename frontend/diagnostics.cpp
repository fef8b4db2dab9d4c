#include "frontend/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>

namespace neuro::frontend {

const char* code_id(Code c) {
  switch (c) {
#define X(code, name, summary) \
  case Code::name:             \
    return #code;
    NEURO_DIAGNOSTIC_CODES(X)
#undef X
  }
  return "E????";
}

const char* code_summary(Code c) {
  switch (c) {
#define X(code, name, summary) \
  case Code::name:             \
    return summary;
    NEURO_DIAGNOSTIC_CODES(X)
#undef X
  }
  return "";
}

bool from_source(Code c) {
  switch (c) {
#define X(code, name, summary) \
  case Code::name:             \
    return true;
    NEURO_SOURCE_DIAGNOSTIC_CODES(X)
#undef X
    default:
      return false;
  }
}

namespace {
bool same_place(const SourceRange& a, const SourceRange& b) {
  return a.file == b.file && a.line == b.line && a.col == b.col && a.end_line == b.end_line &&
         a.end_col == b.end_col;
}
}  // namespace

Diagnostic& Diagnostics::error(Code code, SourceRange range, std::string message,
                               std::string hint) {
  // The same problem found twice (a synapse checked for each connect, a
  // parser that recovers twice at end of input) is reported once.
  for (auto& d : list_)
    if (d.code == code && same_place(d.range, range) && d.message == message) return d;
  list_.push_back({code, Severity::Error, range, std::move(message), std::move(hint), {}});
  return list_.back();
}

Diagnostic& Diagnostics::warning(Code code, SourceRange range, std::string message,
                                 std::string hint) {
  list_.push_back({code, Severity::Warning, range, std::move(message), std::move(hint), {}});
  return list_.back();
}

void Diagnostics::append(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

size_t Diagnostics::error_count() const {
  return std::count_if(list_.begin(), list_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

namespace {

// Column in code points → display column; tabs are kept so the underline
// lines up under the same characters in a terminal.
std::string underline(std::string_view line, uint32_t col, uint32_t end_col) {
  std::string out;
  uint32_t cp = 0;
  for (size_t i = 0; i < line.size() && cp < col; ++i) {
    unsigned char ch = static_cast<unsigned char>(line[i]);
    if ((ch & 0xC0) == 0x80) continue;  // continuation byte
    out += (ch == '\t') ? '\t' : ' ';
    ++cp;
  }
  for (; cp < col; ++cp) out += ' ';
  uint32_t width = end_col > col ? end_col - col : 1;
  out += '^';
  out.append(width - 1, '~');
  return out;
}

// Control characters (a NUL byte, an escape) as their Unicode pictures
// (␀, ␛, …), one character for one: they can neither cut a message short
// nor colour or move the terminal, and columns stay where they were.
std::string visible(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t') {
      out += "\xe2\x90";
      out += static_cast<char>(0x80 + c);
    } else if (c == 0x7f) {
      out += "\xe2\x90\xa1";
    } else {
      out += ch;
    }
  }
  return out;
}

void render_snippet(std::string& out, const SourceRange& r, const SourceManager& sources,
                    const char* mark_color, bool color) {
  if (!r.valid() || r.file > sources.size()) return;
  const SourceFile& f = sources.file(r.file);
  std::string_view text = f.line_text(r.line);
  std::string num = std::to_string(r.line);
  std::string pad(num.size(), ' ');
  uint32_t end_col = r.end_line == r.line ? r.end_col : static_cast<uint32_t>(text.size());
  out += fmt::format(" {} | {}\n", num, visible(text));
  out += fmt::format(" {} | {}{}{}\n", pad, color ? mark_color : "",
                     underline(text, r.col, end_col), color ? "\x1b[0m" : "");
}

// "neuro" when there are no sources or the range names no file.
std::string location(const SourceRange& r, const SourceManager* sources) {
  if (!sources || r.file == 0 || r.file > sources->size()) return "neuro";
  const std::string& name = sources->file(r.file).name;
  if (r.line == 0) return name;  // the whole file
  return fmt::format("{}:{}:{}", name, r.line, r.col + 1);
}

std::string render_with(const Diagnostic& d, const SourceManager* sources, bool color) {
  const char* sev = d.severity == Severity::Error     ? "error"
                    : d.severity == Severity::Warning ? "warning"
                                                      : "note";
  const char* sev_color = d.severity == Severity::Error ? "\x1b[1;31m" : "\x1b[1;33m";
  std::string out;
  const std::string message = visible(d.message);
  if (color)
    out +=
        fmt::format("\x1b[1m{}:\x1b[0m {}{}[{}]\x1b[0m\x1b[1m: {}\x1b[0m\n",
                    visible(location(d.range, sources)), sev_color, sev, code_id(d.code), message);
  else
    out += fmt::format("{}: {}[{}]: {}\n", visible(location(d.range, sources)), sev,
                       code_id(d.code), message);
  if (sources) render_snippet(out, d.range, *sources, sev_color, color);
  if (!d.hint.empty()) out += fmt::format("   = hint: {}\n", visible(d.hint));
  for (const auto& n : d.notes) {
    out += fmt::format("{}: note: {}\n", visible(location(n.range, sources)), visible(n.message));
    if (sources) render_snippet(out, n.range, *sources, "\x1b[1;36m", color);
  }
  return out;
}

}  // namespace

std::string render(const Diagnostic& d, const SourceManager& sources, bool color) {
  return render_with(d, &sources, color);
}

Diagnostic placeless(Code code, std::string message, std::string hint) {
  return {code, Severity::Error, {}, std::move(message), std::move(hint), {}};
}

std::string render(const Diagnostic& d, bool color) {
  return render_with(d, nullptr, color);
}

std::string render_all(const Diagnostics& ds, const SourceManager& sources, bool color) {
  std::string out;
  for (const auto& d : ds.list()) out += render(d, sources, color);
  size_t n = ds.error_count();
  if (n > 0) out += fmt::format("{} error{} found\n", n, n == 1 ? "" : "s");
  return out;
}

void internal_error(const std::string& what, const char* file, int line) {
  throw InternalError(fmt::format("internal error (a bug in neuro, please report it): {} [{}:{}]",
                                  what, file, line));
}

}  // namespace neuro::frontend
