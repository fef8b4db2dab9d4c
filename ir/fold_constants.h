// Evaluates every subexpression whose operands are constants, and drops the
// exact identities x*1, x/1, x+0, x-0. Never rewrites 0*x: x may be inf/NaN.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

ExprPtr fold_constants(const ExprPtr& e);
// Folds every expression held by the module.
void fold_constants(Module& m);

}  // namespace neuro::ir
