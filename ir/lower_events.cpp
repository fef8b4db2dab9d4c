#include "ir/lower_events.h"

#include "ir/place_traces.h"

namespace neuro::ir {

namespace {

int list_of(const Trace& t) {
  return t.owner == Trace::Synapse ? 0 : t.owner == Trace::Pre ? 1 : 2;
}

// A scatter-add runs natively when each weight is a constant or a synapse variable.
bool plain_weights(const Projection& pr) {
  for (const auto& sc : pr.scatter) {
    const Expr& v = *sc.value;
    if (!(v.kind == Kind::Const || (v.kind == Kind::Var && v.space == Space::Syn))) return false;
  }
  return !pr.scatter.empty();
}

// One event: the once-per-neuron updates of `side` (1 pre, 2 post), then
// the handler for every synapse. A trace of the neuron loop's side that is
// kept as a plain value was decayed there, to the same time: the synapse
// loop need not decay it again. A scaled one is read through its factor
// at every loop.
std::vector<EventLoop> event(const Module& m, const Projection& pr, int side,
                             const std::vector<Stmt>& per_neuron, const std::vector<Stmt>& handler,
                             bool sequential) {
  std::vector<EventLoop> loops;
  const bool neurons = !per_neuron.empty();
  if (neurons) {
    EventLoop l;
    l.over = side == 1 ? EventLoop::Sources : EventLoop::Targets;
    l.stmts = per_neuron;
    for (size_t t = 0; t < pr.traces.size(); ++t)
      if (list_of(pr.traces[t]) == side) l.decay.push_back(static_cast<int>(t));
    l.store_scaled = true;
    loops.push_back(std::move(l));
  }
  if (!handler.empty()) {
    EventLoop l;
    l.over = side == 1 ? EventLoop::SynapsesOfSources : EventLoop::SynapsesOfTargets;
    if (side == 1 && pr.native && plain_weights(pr)) {
      l.body = EventLoop::ScatterAdd;
      l.target_local = true;  // post.x[target] += sign·w, nothing else
    } else {
      l.stmts = handler;
      for (size_t t = 0; t < pr.traces.size(); ++t) {
        const bool current =
            neurons && list_of(pr.traces[t]) == side && !trace_scaled(pr.traces[t], m.run.dt);
        if (!current) l.decay.push_back(static_cast<int>(t));
      }
    }
    l.sequential = sequential;
    loops.push_back(std::move(l));
  }
  return loops;
}

}  // namespace

void lower_events(Module& m) {
  for (auto& pr : m.projections) {
    pr.step.on_pre = event(m, pr, 1, pr.pre_neuron, pr.on_pre, pr.on_pre_sequential);
    pr.step.on_post = event(m, pr, 2, pr.post_neuron, pr.on_post, pr.on_post_sequential);
  }
}

}  // namespace neuro::ir
