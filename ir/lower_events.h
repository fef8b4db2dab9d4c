// Lowers each projection's handlers to the loop-level events (ir.h,
// EventLoop), in the order they run:
//
//   synapse STDP { on pre { ge += w; apre += A; w = clip(w + apost, 0, wmax) } … }
//
// becomes, for `on pre` (apre placed per presynaptic neuron, place_traces),
//
//   for each due source:   decay apre; apre += A; store apre scaled
//   for each due synapse:  decay apost; post.ge += w; w = clip(w + apost, 0, wmax)
//
// A handler that is only `post.x += w` (lower_handlers) is a scatter-add.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Fills Projection::step for every projection.
void lower_events(Module& m);

}  // namespace neuro::ir
