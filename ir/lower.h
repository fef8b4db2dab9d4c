// Checked AST → IR Module. Inlines derived values and user functions,
// converts every number to SI, and specialises each neuron model for the
// population that uses it.
#pragma once

#include <optional>

#include "diagnostics.h"
#include "ir.h"
#include "loader.h"
#include "sema.h"

namespace neuro::ir {

// Values given on the command line or through the API take precedence over
// the file's `run` statement.
struct RunOverrides {
  std::optional<double> duration, dt;  // seconds
  std::optional<uint64_t> seed;
};

std::optional<Module> lower(const frontend::CheckedProgram& program, const RunOverrides& overrides,
                            frontend::Diagnostics& diags);

}  // namespace neuro::ir
