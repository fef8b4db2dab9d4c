// Lowers each neuron model's update to the loop-level step (ir.h, StepLoop):
//
//   neuron LIF { dv/dt = (v_rest - v)/tau unless refractory  spike when v > v_th … }
//
// becomes, for the exact solver,
//
//   for neuron i:  x.v = v;  y.v = q + P·x;  r.v = x.v (held);  v = refractory ? r.v : y.v
//   for neuron i:  flag v > v_th and not refractory
//   for each spike: the reset
//
// One generator per solver writes the sums in the order both backends run
// them: the exact propagator, Euler and exponential Euler, classical RK4;
// adaptive RK45 stays the interpreter's own substep loop.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Fills Kernel::step for every kernel (all terms kept; drop_zero_terms and
// fuse_threshold run after it).
void lower_step(Module& m);

}  // namespace neuro::ir
