// Marks the synapse handlers that must run one synapse after the other.
//
//   synapse Norm { on pre { post.g = post.g * 0.5 + w } }   # reads and writes post
//
// Such a handler reads postsynaptic state that another synapse of the same
// batch may write, so every backend runs it synapse by synapse; any other
// handler may run a chunk of synapses statement by statement (the same bits:
// `x += v` is a scatter-add in synapse order).
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Sets Projection::on_pre_sequential and on_post_sequential.
void mark_sequential(Module& m);

}  // namespace neuro::ir
