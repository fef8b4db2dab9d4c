// A division by a constant zero is an error at the divisor, not a run of
// infinities and NaNs (whose sign bits the backends need not agree on):
//
//   param tau = 0 ms
//   dv/dt = -v / tau          # error[E0400]: `tau` is zero here
//
// It runs after fold_constants, so a zero that only an untaken branch of a
// constant `if` divides by is gone already.
#pragma once

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

// Reports every Binary Div (and `%`) whose right operand folded to 0.
void reject_zero_divisors(Module& m, frontend::Diagnostics& diags);

}  // namespace neuro::ir
