#include "ir/place_traces.h"

#include "numeric/exp.h"

namespace neuro::ir {

namespace {

bool reads_trace(const ExprPtr& e, int slot) {
  if (!e) return false;
  if (e->kind == Kind::Var && e->space == Space::Trace && e->slot == slot) return true;
  for (const auto& a : e->args)
    if (reads_trace(a, slot)) return true;
  return false;
}

bool writes_trace_nested(const std::vector<Stmt>& body, int slot) {
  for (const auto& s : body) {
    if (s.type == Stmt::Assign && s.space == Space::Trace && s.slot == slot) return true;
    if (writes_trace_nested(s.then_body, slot) || writes_trace_nested(s.else_body, slot))
      return true;
  }
  return false;
}

bool stmt_reads_trace(const Stmt& s, int slot) {
  if (reads_trace(s.value, slot) || reads_trace(s.cond, slot)) return true;
  for (const auto& b : s.then_body)
    if (stmt_reads_trace(b, slot)) return true;
  for (const auto& b : s.else_body)
    if (stmt_reads_trace(b, slot)) return true;
  return false;
}

void syn_writes(const std::vector<Stmt>& body, std::vector<bool>& written) {
  for (const auto& s : body) {
    if (s.type == Stmt::Assign && s.space == Space::Syn) written[s.slot] = true;
    syn_writes(s.then_body, written);
    syn_writes(s.else_body, written);
  }
}

// The same for every synapse of one `side` neuron: constants, time,
// modulators, that neuron's variables, synapse parameters that are one
// constant for all synapses (`shared`), and the trace itself.
bool neuron_level(const ExprPtr& e, Space side, int slot, const std::vector<bool>& shared) {
  if (!e) return true;
  if (e->kind == Kind::Var) {
    if (e->space == Space::Trace) return e->slot == slot;
    if (e->space == Space::Syn) return shared[e->slot];
    return e->space == side || e->space == Space::Modulator;
  }
  if (e->kind == Kind::Rand || e->kind == Kind::Randn || e->kind == Kind::Draw ||
      e->kind == Kind::Index)
    return false;
  for (const auto& a : e->args)
    if (!neuron_level(a, side, slot, shared)) return false;
  return true;
}

// Whether trace `slot`'s writes in `handler` can move to a once-per-neuron
// list: all at top level, neuron-level values, and nothing before the last
// of them reads the trace (so running them first changes nothing).
bool hoistable(const std::vector<Stmt>& handler, Space side, int slot,
               const std::vector<bool>& shared) {
  int last_write = -1;
  for (size_t k = 0; k < handler.size(); ++k) {
    const Stmt& s = handler[k];
    if (s.type == Stmt::Assign && s.space == Space::Trace && s.slot == slot) {
      if (!neuron_level(s.value, side, slot, shared)) return false;
      last_write = static_cast<int>(k);
    } else if (s.type == Stmt::If && writes_trace_nested({s}, slot)) {
      return false;
    }
  }
  for (int k = 0; k < last_write; ++k) {
    const Stmt& s = handler[k];
    bool is_write = s.type == Stmt::Assign && s.space == Space::Trace && s.slot == slot;
    if (!is_write && stmt_reads_trace(s, slot)) return false;
  }
  return true;
}

void hoist(std::vector<Stmt>& handler, std::vector<Stmt>& neuron, int slot) {
  std::vector<Stmt> keep;
  for (auto& s : handler) {
    if (s.type == Stmt::Assign && s.space == Space::Trace && s.slot == slot)
      neuron.push_back(std::move(s));
    else
      keep.push_back(std::move(s));
  }
  handler = std::move(keep);
}

}  // namespace

void place_traces(Module& m) {
  for (auto& pr : m.projections) {
    // With per-synapse delays a presynaptic spike reaches its synapses at
    // different times: there is no single time for a per-neuron update.
    const bool uniform_delay = pr.delay->kind == Kind::Const;
    std::vector<bool> written(pr.vars.size(), false), shared(pr.vars.size(), false);
    syn_writes(pr.on_pre, written);
    syn_writes(pr.on_post, written);
    for (size_t v = 0; v < pr.vars.size(); ++v)
      shared[v] = !written[v] && pr.vars[v].value->kind == Kind::Const;
    for (size_t k = 0; k < pr.traces.size(); ++k) {
      const int slot = static_cast<int>(k);
      bool in_pre = writes_trace_nested(pr.on_pre, slot);
      bool in_post = writes_trace_nested(pr.on_post, slot);
      Trace& t = pr.traces[k];
      if (in_pre && !in_post && uniform_delay && hoistable(pr.on_pre, Space::Pre, slot, shared)) {
        t.owner = Trace::Pre;
        hoist(pr.on_pre, pr.pre_neuron, slot);
      } else if (in_post && !in_pre && hoistable(pr.on_post, Space::Post, slot, shared)) {
        t.owner = Trace::Post;
        hoist(pr.on_post, pr.post_neuron, slot);
      } else if (!in_pre && !in_post) {
        t.owner = Trace::Pre;  // never changed: one value per neuron is plenty
      } else {
        t.owner = Trace::Synapse;
      }
    }
  }
}

double trace_factor(long k, int sign, double dt, double tau) {
  return num::exp(sign * (static_cast<double>(k) * dt) / tau);
}

}  // namespace neuro::ir
