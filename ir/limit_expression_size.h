// Refuses expressions that expand beyond a size every later stage can
// afford. A `let` or a function used twice is shared in the IR, but
// printing, code generation and common-subexpression keys expand it, so a
// chain like
//
//   let l1 = l0 + l0
//   let l2 = l1 + l1      # … l24: 2^24 terms
//
// is a located error instead of minutes and gigabytes.
#pragma once

#include <cstdint>

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

using frontend::kMaxExpressionTerms;

// Reports each expression whose expanded tree has more than kMaxExpressionTerms nodes.
void limit_expression_size(Module& m, frontend::Diagnostics& diags);

}  // namespace neuro::ir
