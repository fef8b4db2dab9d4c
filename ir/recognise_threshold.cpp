#include "ir/recognise_threshold.h"

namespace neuro::ir {

void recognise_threshold(Module& m) {
  for (auto& k : m.kernels) {
    k.fast_threshold.reset();
    if (!k.threshold) continue;
    const Expr& t = *k.threshold;
    const bool cmp = t.kind == Kind::Binary &&
                     (t.op == Op::Gt || t.op == Op::Ge || t.op == Op::Lt || t.op == Op::Le);
    if (cmp && t.args[0]->kind == Kind::Var && t.args[0]->space == Space::State &&
        t.args[1]->kind == Kind::Const)
      k.fast_threshold = FastThreshold{t.args[0]->slot, t.op, t.args[1]->value};
  }
}

}  // namespace neuro::ir
