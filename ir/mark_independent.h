// Marks the synapse loops whose synapses do not interact, so that running
// them one synapse after the other gives the bits of running them in
// chunks (each statement computed for a chunk, then stored lane by lane):
//
//   on pre { post.g += w }                 independent: one write, no read back
//   on pre { post.g += w;  post.h += g }   independent: `g` is the synapse's own
//   on pre { post.g += w * post.g }        not: reads what another synapse writes
//
// A synapse loop's lanes interact only through neuron variables (and
// traces) that its body writes and also reads (as `pre.x` too when the
// projection is onto its own population), writes twice (the adds would
// interleave differently) or scales (`*=`, `/=`). Traces it decays must be
// the scaled kind, which a lane reads with one multiply and never decays.
// The JIT runs such loops without gathering chunks (jit/codegen_direct.cpp).
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Sets EventLoop::independent on every synapse loop with statements.
void mark_independent(Module& m);

}  // namespace neuro::ir
