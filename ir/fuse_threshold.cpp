#include "ir/fuse_threshold.h"

namespace neuro::ir {

void fuse_threshold(Module& m) {
  for (auto& k : m.kernels) {
    auto& loops = k.step.loops;
    for (size_t l = 1; l < loops.size(); ++l) {
      if (loops[l].kind != StepLoop::Threshold || loops[l - 1].kind != StepLoop::Neurons) continue;
      loops[l - 1].body.push_back(loops[l].body.front());
      loops.erase(loops.begin() + static_cast<long>(l));
      break;
    }
  }
}

}  // namespace neuro::ir
