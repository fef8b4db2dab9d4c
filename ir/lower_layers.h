// Rate layers in the circuit graph: one vertex per layer, one edge per dense
// projection, and the feed-forward order the engine computes them in.
#pragma once

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

// Adds the layers and dense projections of `mod` to its graph and fills
// `mod.layer_order` (a topological order). Dense projections that form a
// cycle are reported (E0400): rate layers compute feed-forward, once a step.
void add_layers_to_graph(Module& mod, frontend::Diagnostics& diags);

}  // namespace neuro::ir
