// Recognises handlers of the form `post.x += value` (value reading no
// postsynaptic state) so the backends run them as native scatter-add loops.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

void lower_handlers(Module& m);

}  // namespace neuro::ir
