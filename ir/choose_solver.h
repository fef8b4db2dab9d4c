// Picks each kernel's ODE solver and prepares what it needs: exact
// propagation for linear systems with constant coefficients, exponential
// Euler when each equation is linear in its own variable, RK4 otherwise.
// A solver named in the model is checked instead of chosen.
#pragma once

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

void choose_solver(Module& m, frontend::Diagnostics& diags);

}  // namespace neuro::ir
