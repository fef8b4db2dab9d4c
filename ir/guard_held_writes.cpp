#include "ir/guard_held_writes.h"

#include <set>

namespace neuro::ir {

namespace {

// `if not post.refractory { s }`, refractoriness taken `ahead` steps after
// the event's step.
Stmt guarded(Stmt s, int ahead) {
  auto held = std::make_shared<Expr>();
  held->kind = Kind::Var;
  held->space = Space::PostRefractory;
  held->slot = ahead;
  held->name = ahead == 0 ? "refractory" : "refractory_next_step";
  held->boolean = true;
  held->range = s.range;
  Stmt g;
  g.type = Stmt::If;
  g.range = s.range;
  g.cond = Expr::unary(Op::Not, held, s.range);
  g.then_body.push_back(std::move(s));
  return g;
}

void guard(std::vector<Stmt>& body, const std::set<int>& held, int ahead) {
  for (auto& s : body) {
    if (held_guard(s)) continue;  // guarded already
    if (s.type == Stmt::If) {
      guard(s.then_body, held, ahead);
      guard(s.else_body, held, ahead);
    } else if (s.space == Space::Post && held.count(s.slot)) {
      s = guarded(std::move(s), ahead);
    }
  }
}

}  // namespace

bool held_guard(const Stmt& s) {
  if (s.type != Stmt::If || !s.else_body.empty() || !s.cond) return false;
  const Expr& c = *s.cond;
  return c.kind == Kind::Unary && c.op == Op::Not && c.args[0]->kind == Kind::Var &&
         c.args[0]->space == Space::PostRefractory;
}

void guard_held_writes(Module& m) {
  for (auto& pr : m.projections) {
    const int kernel = m.pops[pr.dst.pop].kernel;
    if (kernel < 0) continue;
    std::set<int> held;
    for (const Ode& o : m.kernels[kernel].odes)
      if (o.unless_refractory) held.insert(o.state);
    if (held.empty()) continue;
    // `on pre` runs at t_n, before step n integrates: its writes are
    // dropped when the neuron is held in step n. `on post` runs at t_{n+1},
    // after the spike's reset: its writes are dropped when the neuron is
    // held in step n+1, i.e. when its refractory period is at least a step.
    guard(pr.on_pre, held, 0);
    guard(pr.on_post, held, 1);
  }
}

}  // namespace neuro::ir
