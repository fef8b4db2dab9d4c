// Input to a held variable is dropped while the neuron is refractory.
//
//   neuron N { dv/dt = -v / 20 ms  unless refractory;  spike when v > 1 mV { v = 0 mV };
//              refractory 2 ms }
//   synapse S { on pre { post.v += 0.5 mV } }
//
// becomes `on pre { if not post.refractory { post.v += 0.5 mV } }`, as NEST's
// integrate-and-fire neurons discard the input that arrives while V is
// clamped. Every handler write to a postsynaptic state whose equation says
// `unless refractory` is guarded, in `on pre` (held in the step the event
// starts) and in `on post` (held in the step after the spike); writes to
// other states are left alone. The guard is ordinary IR, so every backend
// follows it by running the IR: this file is the rule's only statement
// (docs/semantics.md, "Refractoriness").
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

void guard_held_writes(Module& m);

// Whether `s` is a guard this pass made: `if not post.refractory { … }` with
// no else branch. lower_handlers and mark_sequential recognise it.
bool held_guard(const Stmt& s);

}  // namespace neuro::ir
