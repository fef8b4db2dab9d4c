// Drops the terms with a zero coefficient from the step's affine sums:
//
//   y.v = q + 0.99·x.v + 0·x.ge + 1e-4·x.gi    →    y.v = q + 0.99·x.v + 1e-4·x.gi
//
// A zero term contributes nothing, even when its local is infinite or NaN
// (0·∞ would be NaN): every backend runs the sums as this pass leaves them,
// so this rule is written here only. For finite values the sum is the same
// either way (a sum that starts at q, never −0, is unchanged by ±0).
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Removes zero-coefficient terms from every StepOp::Affine.
void drop_zero_terms(Module& m);

}  // namespace neuro::ir
