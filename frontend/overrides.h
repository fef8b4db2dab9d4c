// Constants given a value from outside the model text: `neuro run FILE
// --set NAME=VALUE` and the embedding API. The value is a literal, parsed
// like one in the language (`8Hz`, `-65 mV`, `1e3`, `true`), and replaces
// the constant's expression before anything is checked, so that sizes,
// options and other constants computed from it all see the new value.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"
#include "frontend/loader.h"

namespace neuro::frontend {

struct ConstOverride {
  std::string name;
  std::string value;  // as typed: "8Hz", "-65 mV", "0.1"
};
using ConstOverrides = std::vector<ConstOverride>;

// The replacement value of each constant an override names, parsed but not
// yet checked: check_program checks it against the constant's own kind and
// dimension, then puts it in place of the constant's expression.
struct ConstValue {
  ExprPtr value;
  std::string text;  // as typed, for messages
};
using ConstValues = std::map<const Member*, ConstValue>;

// Finds the constant each override names and parses its value. A name is a
// constant of the circuit that runs or else a file-level constant of the
// program or its imports: the one a name in the circuit would mean. Each
// override's text `NAME=VALUE` is added to `sources` as a file named
// `--set`, so that its problems point into it: an unknown name (E0100, with
// a near name or the names that can be set), a name set twice or a value
// that is not a number with an optional unit (E0603).
ConstValues prepare_overrides(const ConstOverrides& overrides, const LoadedProgram& program,
                              SourceManager& sources, Diagnostics& diags);

// The names prepare_overrides accepts, sorted.
std::vector<std::string> settable_constants(const LoadedProgram& program);

}  // namespace neuro::frontend
