// Diagnostics are values: every stage appends to a Diagnostics list and one
// function renders them. Messages come from one catalogue of stable codes so
// tests can expect `error[E0200]` whatever the wording becomes.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "frontend/source.h"

namespace neuro::frontend {

// X(code, name, summary): problems a .neuro file can cause. Each has a
// fixture in tests/invalid/ named after its code.
#define NEURO_SOURCE_DIAGNOSTIC_CODES(X)                                  \
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
  X(E0501, Unsupported, "not supported yet")

// Problems that only the command line, the REPL or the embedding API meet:
// the machine (E05xx), usage (E06xx: commands, options, arguments) and the
// state of a session or an API call (E07xx). No .neuro file causes them, so
// each is tested where it is raised (test_cli, test_repl, test_api,
// test_c_api) instead of by a fixture.
#define NEURO_HOST_DIAGNOSTIC_CODES(X)                         \
  X(E0500, Io, "file could not be read or written")            \
  X(E0502, Exhausted, "out of memory or engine handles")       \
  X(E0600, UnknownCommand, "unknown command")                  \
  X(E0601, UnknownOption, "unknown option")                    \
  X(E0602, MissingArgument, "a required argument is missing")  \
  X(E0603, BadArgument, "bad value for an argument or option") \
  X(E0604, ExtraArgument, "unexpected argument")               \
  X(E0605, Ambiguous, "abbreviation matches several commands") \
  X(E0606, BufferTooSmall, "caller's buffer is too small")     \
  X(E0700, NothingLoaded, "nothing is loaded yet")             \
  X(E0701, NotBuilt, "there is no simulation yet")             \
  X(E0702, InCallback, "not allowed inside a callback")        \
  X(E0703, InvalidHandle, "invalid handle")                    \
  X(E0704, NotRecorded, "not recorded")

#define NEURO_DIAGNOSTIC_CODES(X) NEURO_SOURCE_DIAGNOSTIC_CODES(X) NEURO_HOST_DIAGNOSTIC_CODES(X)

enum class Code {
#define X(code, name, summary) name,
  NEURO_DIAGNOSTIC_CODES(X)
#undef X
};

const char* code_id(Code c);       // "E0200"
const char* code_summary(Code c);  // "unit mismatch"
// Whether a .neuro file can cause it (NEURO_SOURCE_DIAGNOSTIC_CODES).
bool from_source(Code c);

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
// underline under the range, the hint and the notes. A range that names a
// file but no line is about the whole file: `file: error[CODE]: message`.
std::string render(const Diagnostic& d, const SourceManager& sources, bool color = false);
std::string render_all(const Diagnostics& ds, const SourceManager& sources, bool color = false);

// A problem with no place in model text: a usage error of the command line,
// the REPL or the API, a file that cannot be written, memory.
Diagnostic placeless(Code code, std::string message, std::string hint = {});
// Renders one without sources: `neuro: error[E0600]: message` and the hint.
std::string render(const Diagnostic& d, bool color = false);

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
