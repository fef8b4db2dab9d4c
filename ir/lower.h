// Checked AST → IR Module. Inlines derived values and user functions,
// converts every number to SI, and specialises each neuron model for the
// population that uses it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "frontend/diagnostics.h"
#include "frontend/loader.h"
#include "frontend/sema.h"
#include "ir/ir.h"

namespace neuro::ir {

// Values given on the command line or through the API take precedence over
// the file's `run` statement.
struct RunOverrides {
  std::optional<double> duration, dt;  // seconds
  std::optional<uint64_t> seed;
  // (population, parameter) → value in SI, the same for every neuron; set
  // by hosts and the REPL, it takes precedence over the model text.
  std::map<std::pair<std::string, std::string>, double> params;
  // The circuit to lower when it is not the run statement's (the REPL).
  std::string circuit;
};

std::optional<Module> lower(const frontend::CheckedProgram& program, const RunOverrides& overrides,
                            frontend::Diagnostics& diags);

}  // namespace neuro::ir
