#include "ir/lower_handlers.h"

#include "ir/guard_held_writes.h"

namespace neuro::ir {

void lower_handlers(Module& m) {
  for (auto& pr : m.projections) {
    pr.scatter.clear();
    // Trace updates once per neuron need the general path.
    pr.native = !pr.on_pre.empty() && pr.pre_neuron.empty();
    for (const auto& st : pr.on_pre) {
      // A write to a held state comes guarded (guard_held_writes): still a
      // scatter-add, one that skips the targets that are refractory.
      const bool held = held_guard(st) && st.then_body.size() == 1;
      const Stmt& s = held ? st.then_body[0] : st;
      bool ok = s.type == Stmt::Assign && s.space == Space::Post &&
                (s.op == frontend::AssignOp::Add || s.op == frontend::AssignOp::Sub) &&
                !reads_space(s.value, Space::Post);
      if (!ok) {
        pr.native = false;
        pr.scatter.clear();
        break;
      }
      pr.scatter.push_back({s.slot, s.value, s.op == frontend::AssignOp::Sub ? -1.0 : 1.0, held});
    }
  }
}

}  // namespace neuro::ir
