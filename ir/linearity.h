// Symbolic linearity: splits an expression into a·x + b for one state x.
#pragma once

#include <optional>
#include <utility>

#include "ir/ir.h"

namespace neuro::ir {

// e == a·x + b where neither a nor b depends on state `slot`; nullopt when e
// is not linear in it (x·x, exp(x), x inside an `if`…).
std::optional<std::pair<ExprPtr, ExprPtr>> split_linear(const ExprPtr& e, int slot);

// Whether e reads state `slot` (any state when slot < 0).
bool depends_on_state(const ExprPtr& e, int slot = -1);
// Whether e reads the time or a modulator, or draws random numbers.
bool depends_on_time_or_rand(const ExprPtr& e);

}  // namespace neuro::ir
