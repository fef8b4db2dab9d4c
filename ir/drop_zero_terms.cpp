#include "ir/drop_zero_terms.h"

#include <algorithm>

namespace neuro::ir {

void drop_zero_terms(Module& m) {
  for (auto& k : m.kernels)
    for (auto& loop : k.step.loops)
      for (auto& op : loop.body) {
        if (op.kind != StepOp::Affine) continue;
        auto& t = op.terms;
        t.erase(
            std::remove_if(t.begin(), t.end(), [](const auto& term) { return term.first == 0.0; }),
            t.end());
      }
}

}  // namespace neuro::ir
