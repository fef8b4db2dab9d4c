// Rate layers: the feed-forward order the engine computes them in, from the
// dense projections between them.
#pragma once

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

// Fills `mod.layer_order` (a topological order of the layers along the dense
// projections). Dense projections that form a cycle are reported (E0400):
// rate layers compute feed-forward, once a step.
void order_layers(Module& mod, frontend::Diagnostics& diags);

}  // namespace neuro::ir
