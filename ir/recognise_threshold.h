// Recognises the common spike condition `state OP constant`:
//
//   spike when v > v_th   # v a state, v_th folded to a constant
//
// with OP one of > ≥ < ≤. Backends test it natively, one comparison per
// neuron, instead of evaluating a general condition.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Sets Kernel::fast_threshold (or clears it when the condition has another form).
void recognise_threshold(Module& m);

}  // namespace neuro::ir
