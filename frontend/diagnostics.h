// Diagnostics are values: every stage appends to a Diagnostics list and one
// function renders them. Messages come from one catalogue of stable codes so
// tests can expect `error[E0200]` whatever the wording becomes.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "frontend/source.h"

namespace neuro::frontend {

// X(code, name, summary)
#define NEURO_DIAGNOSTIC_CODES(X)                                         \
  X(E0001, Syntax, "syntax error")                                        \
  X(E0002, UnexpectedEnd, "input ends in the middle of a construct")      \
  X(E0003, BadCharacter, "character not allowed here")                    \
  X(E0100, UnknownName, "unknown name")                                   \
  X(E0101, UnknownUnit, "unknown unit")                                   \
  X(E0102, Duplicate, "name declared twice")                              \
  X(E0103, UnknownModel, "unknown model")                                 \
  X(E0104, BadCall, "bad function call")                                  \
  X(E0105, MissingFile, "file not found")                                 \
  X(E0106, ImportCycle, "import cycle")                                   \
  X(E0107, Reserved, "reserved name")                                     \
  X(E0200, UnitMismatch, "unit mismatch")                                 \
  X(E0201, MissingUnit, "number without a unit where one is needed")      \
  X(E0202, BadExponent, "exponent must be a constant integer")            \
  X(E0203, NotBoolean, "condition is not a boolean")                      \
  X(E0204, TypeMismatch, "wrong kind of value")                           \
  X(E0300, Placement, "not allowed in this block")                        \
  X(E0301, OdeWithoutState, "equation for something that is not a state") \
  X(E0302, DuplicateOde, "two equations for one state")                   \
  X(E0303, Missing, "something required is missing")                      \
  X(E0304, NotAssignable, "cannot assign to this")                        \
  X(E0305, BadAction, "structural action where it has no meaning")        \
  X(E0400, BadValue, "impossible value")                                  \
  X(E0401, NotConstant, "value must be known before the run")             \
  X(E0402, BadOption, "unknown or repeated option")                       \
  X(E0403, DerivedCycle, "derived values depend on each other")           \
  X(E0404, Recursion, "recursive function")                               \
  X(E0405, BadSolver, "solver cannot integrate these equations")          \
  X(E0500, Io, "file could not be read or written")                       \
  X(E0501, Unsupported, "not supported yet")

enum class Code {
#define X(code, name, summary) name,
  NEURO_DIAGNOSTIC_CODES(X)
#undef X
};

const char* code_id(Code c);       // "E0200"
const char* code_summary(Code c);  // "unit mismatch"

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Code code = Code::Syntax;
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message;
  std::string hint;  // optional: what to do about it
  struct Note {
    SourceRange range;
    std::string message;
  };
  std::vector<Note> notes;  // e.g. "declared here"
};

class Diagnostics {
 public:
  Diagnostic& error(Code code, SourceRange range, std::string message, std::string hint = {});
  Diagnostic& warning(Code code, SourceRange range, std::string message, std::string hint = {});
  void append(const Diagnostics& other);

  bool has_errors() const;
  size_t error_count() const;
  const std::vector<Diagnostic>& list() const { return list_; }
  void clear() { list_.clear(); }

 private:
  std::vector<Diagnostic> list_;
};

// Renders `file:line:col: error[CODE]: message`, the source line, an
// underline under the range, the hint and the notes.
std::string render(const Diagnostic& d, const SourceManager& sources, bool color = false);
std::string render_all(const Diagnostics& ds, const SourceManager& sources, bool color = false);

// A bug in neuro itself, never the user's fault. Thrown, caught at the top.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

[[noreturn]] void internal_error(const std::string& what, const char* file, int line);
#define NEURO_INTERNAL_ASSERT(cond, what)                                                      \
  do {                                                                                         \
    if (!(cond))                                                                               \
      ::neuro::frontend::internal_error(std::string(#cond ": ") + (what), __FILE__, __LINE__); \
  } while (0)

}  // namespace neuro::frontend
