// The loop-level step as text, for `neuro ir FILE --stage step` and tests.
#pragma once

#include <string>

#include "ir/ir.h"

namespace neuro::ir {

// Every neuron population's step loops (ir.h, StepLoop), in the order they run.
std::string print_step(const Module& m);

}  // namespace neuro::ir
