#include "ir/mark_independent.h"

#include <functional>
#include <map>
#include <set>

#include "ir/place_traces.h"

namespace neuro::ir {

namespace {

bool independent(const Module& m, const Projection& pr, const EventLoop& loop) {
  for (int tr : loop.decay)
    if (!trace_scaled(pr.traces[tr], m.run.dt)) return false;
  std::map<std::pair<Space, int>, int> writes;
  std::set<std::pair<Space, int>> reads;
  bool ok = true;
  // Onto its own population, `pre.x` and `post.x` are one array.
  const bool same_pop = pr.src.pop == pr.dst.pop;
  auto key = [same_pop](Space sp, int slot) {
    return std::make_pair(same_pop && sp == Space::Pre ? Space::Post : sp, slot);
  };
  std::function<void(const Expr&)> read = [&](const Expr& e) {
    if (e.kind == Kind::Var) {
      if (e.space == Space::Trace && !trace_scaled(pr.traces[e.slot], m.run.dt)) ok = false;
      if (e.space == Space::Pre || e.space == Space::Post || e.space == Space::Trace)
        reads.insert(key(e.space, e.slot));
    }
    for (const auto& a : e.args) read(*a);
  };
  std::function<void(const std::vector<Stmt>&)> walk = [&](const std::vector<Stmt>& stmts) {
    for (const auto& st : stmts) {
      if (st.type == Stmt::If) {
        read(*st.cond);
        walk(st.then_body);
        walk(st.else_body);
        continue;
      }
      read(*st.value);
      using frontend::AssignOp;
      if (st.space == Space::Syn) continue;
      if ((st.space != Space::Pre && st.space != Space::Post) ||
          (st.op != AssignOp::Add && st.op != AssignOp::Sub && st.op != AssignOp::Set))
        ok = false;
      ++writes[key(st.space, st.slot)];
    }
  };
  walk(loop.stmts);
  for (const auto& [where, n] : writes)
    if (n > 1 || reads.count(where)) ok = false;
  return ok;
}

}  // namespace

void mark_independent(Module& m) {
  for (auto& pr : m.projections)
    for (auto* event : {&pr.step.on_pre, &pr.step.on_post})
      for (auto& loop : *event) {
        const bool synapses = loop.over == EventLoop::SynapsesOfSources ||
                              loop.over == EventLoop::SynapsesOfTargets;
        loop.independent = synapses && loop.body == EventLoop::Statements &&
                           !loop.stmts.empty() && independent(m, pr, loop);
      }
}

}  // namespace neuro::ir
