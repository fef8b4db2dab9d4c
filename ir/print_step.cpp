#include "ir/print_step.h"

#include <fmt/format.h>

namespace neuro::ir {

namespace {

std::string op_text(const Kernel& k, const PopStep& st, const StepOp& op) {
  switch (op.kind) {
    case StepOp::Let:
      return fmt::format("{} = {}", st.locals[op.local], print(*op.value));
    case StepOp::Affine: {
      std::string s = fmt::format("{} = {}", st.locals[op.local],
                                  op.base >= 0 ? st.locals[op.base] : fmt::format("{}", op.bias));
      for (const auto& [coef, l] : op.terms) s += fmt::format(" + {}·{}", coef, st.locals[l]);
      return s;
    }
    case StepOp::Store:
      return fmt::format("{}[i] = {}", k.states[op.state].name, st.locals[op.local]);
    case StepOp::Flag: {
      std::string cond;
      if (op.value) {
        cond = print(*op.value);
      } else {
        const FastThreshold& f = *k.fast_threshold;
        cond = fmt::format("{}[i] {} {}", k.states[f.state].name, frontend::op_text(f.op),
                           frontend::format_quantity(f.value, k.states[f.state].dim));
      }
      return fmt::format("spike if {} and not refractory", cond);
    }
  }
  return "?";
}

std::string event_text(const Module& m, const Projection& pr, const EventLoop& l,
                       const char* when) {
  static const char* const over[] = {"each due source neuron", "each spiking target neuron",
                                     "each due synapse", "each synapse of a spiking target"};
  std::string out = fmt::format("  {}: for {}{}{}:\n", when, over[l.over],
                                l.sequential ? ", one after the other" : "",
                                l.independent ? " (independent)" : "");
  if (!l.decay.empty()) {
    out += "    decay";
    for (int t : l.decay) out += " " + pr.traces[t].name;
    out += " to now\n";
  }
  if (l.body == EventLoop::ScatterAdd) {
    for (const auto& sc : pr.scatter)
      out += fmt::format("    post.{} += {}{}  (scatter-add{})\n",
                         m.kernels[m.pops[pr.dst.pop].kernel].states[sc.post_slot].name,
                         sc.sign < 0 ? "-" : "", print(*sc.value),
                         sc.held ? ", masked: if not post.refractory" : "");
  } else {
    out += print(l.stmts, 2);
  }
  if (l.store_scaled) out += "    store scaled traces\n";
  return out;
}

}  // namespace

std::string print_step(const Module& m) {
  std::string out;
  for (const Population& p : m.pops) {
    if (p.kind != frontend::PopKind::Neuron || p.kernel < 0) continue;
    const Kernel& k = m.kernels[p.kernel];
    const PopStep& st = k.step;
    out += fmt::format("population {} = {}[{}], solver {}\n", p.name, k.model, p.size,
                       solver_name(k.solver));
    for (const StepLoop& loop : st.loops) {
      switch (loop.kind) {
        case StepLoop::Neurons:
          out += "  for neuron i:\n";
          break;
        case StepLoop::Group: {
          static const char* const ops[] = {"group_max", "group_argmax", "group_sum"};
          const GroupReduce& g = k.groups[loop.group];
          out += fmt::format("  group#{} = {}({}, {}) for every neuron\n", loop.group, ops[g.op],
                             print(*g.arg), g.size);
          break;
        }
        case StepLoop::Threshold:
          out += "  for neuron i:\n";
          break;
        case StepLoop::Substeps:
          out += "  adaptive rk45 substeps over the population (interpreter/runge_kutta.cpp)\n";
          break;
        case StepLoop::Reset:
          out += "  for each spiking neuron i:\n" + print(k.reset, 2);
          break;
      }
      for (const StepOp& op : loop.body) {
        out += "    " + op_text(k, st, op);
        if (!op.note.empty()) out += "    # " + op.note;
        out += "\n";
      }
    }
  }
  for (size_t i = 0; i < m.projections.size(); ++i) {
    const Projection& pr = m.projections[i];
    if (pr.step.on_pre.empty() && pr.step.on_post.empty()) continue;
    out += fmt::format("projection #{} {}[{}:{}] -> {}[{}:{}] via {}\n", i, m.pops[pr.src.pop].name,
                       pr.src.lo, pr.src.hi, m.pops[pr.dst.pop].name, pr.dst.lo, pr.dst.hi,
                       pr.synapse);
    for (const auto& l : pr.step.on_pre) out += event_text(m, pr, l, "on pre at t");
    for (const auto& l : pr.step.on_post) out += event_text(m, pr, l, "on post at t + dt");
  }
  return out;
}

}  // namespace neuro::ir
