// Decides where each event-driven trace lives. A trace that only `on pre`
// changes, by an amount that is the same for every synapse of a
// presynaptic neuron, is stored once per presynaptic neuron and its updates
// run once per spike instead of once per synapse; likewise for `on post`
// and postsynaptic neurons. Any other trace is stored per synapse. The
// model text does not change: this is a compiler decision.
#pragma once

#include "ir.h"

namespace neuro::ir {

void place_traces(Module& m);

}  // namespace neuro::ir
