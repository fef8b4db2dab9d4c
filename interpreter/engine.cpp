#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"
#include "interpreter/rate_layers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "interpreter/exp_lanes.h"
#include "ir/place_traces.h"
#include "numeric/exp.h"
#include "numeric/rng.h"

namespace neuro {

using interp::Binding;
using interp::Lanes;
using num::StreamKind;

SimulationError located(const frontend::SourceRange& r, const std::string& message) {
  SimulationError e(message);
  e.file = r.file;
  e.line = r.line;
  e.column = r.col;
  e.end_line = r.end_line;
  e.end_column = r.end_col;
  return e;
}

namespace {

void collect_syn_writes(const std::vector<ir::Stmt>& body, std::vector<bool>& written) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::Assign && s.space == ir::Space::Syn) written[s.slot] = true;
    collect_syn_writes(s.then_body, written);
    collect_syn_writes(s.else_body, written);
  }
}

bool reads_space(const ir::ExprPtr& e, ir::Space space) {
  if (!e) return false;
  if (e->kind == ir::Kind::Var && e->space == space) return true;
  for (const auto& a : e->args)
    if (reads_space(a, space)) return true;
  return false;
}

// Whether a handler both reads and writes postsynaptic state, so that
// synapses hitting one neuron in a step must run one after the other.
// `x += v` and `x -= v` are scatter-adds and read nothing; `x *= f`, and any
// plain `x = v` under an `if`, read the old value of x.
bool stmts_read_write_post(const std::vector<ir::Stmt>& body, bool& reads, bool& writes,
                           bool under_if = false) {
  using frontend::AssignOp;
  for (const auto& s : body) {
    if (s.type == ir::Stmt::Assign && s.space == ir::Space::Post) {
      writes = true;
      if (s.op == AssignOp::Mul || s.op == AssignOp::Div || (s.op == AssignOp::Set && under_if))
        reads = true;
    }
    reads |= reads_space(s.value, ir::Space::Post) || reads_space(s.cond, ir::Space::Post);
    stmts_read_write_post(s.then_body, reads, writes, true);
    stmts_read_write_post(s.else_body, reads, writes, true);
  }
  return reads && writes;
}

}  // namespace

Binding neuron_binding(PopState& ps, ir::Space space, int slot, size_t offset, int list) {
  NeuronArray* a = nullptr;
  switch (space) {
    case ir::Space::Param:
      a = &ps.params[slot];
      break;
    case ir::Space::Segment:
      a = &ps.seg_agg[slot];
      break;
    case ir::Space::Group:
      a = &ps.group_vals[slot];
      break;
    default:
      a = &ps.states[slot];
      break;
  }
  return {a->data() + offset, list, false};
}

std::vector<uint64_t> Simulation::Engine::site_keys(uint64_t owner, uint64_t kind) const {
  std::vector<uint64_t> keys(std::max(mod->rand_sites, 1));
  for (int s = 0; s < mod->rand_sites; ++s)
    keys[s] = num::stream_key(mod->run.seed, StreamKind::Code, (kind << 24) | owner,
                              static_cast<uint64_t>(s));
  return keys;
}

Lanes Simulation::Engine::lanes(size_t n, uint32_t base, uint64_t counter) const {
  Lanes l;
  l.n = n;
  l.base = base;
  l.counter = counter;
  l.t = t_now();
  return l;
}

void Simulation::Engine::build_population(PopState& ps, size_t index) {
  const ir::Population& pop = mod->pops[index];
  ps.pop = &pop;
  ps.n = pop.size;
  const double dt = mod->run.dt;
  const auto keys = site_keys(index, 0);
  if (pop.kind == frontend::PopKind::Poisson) {
    ps.poisson_key = num::stream_key(mod->run.seed, StreamKind::Poisson, index);
    if (pop.rate->kind != ir::Kind::Const) {
      ps.rate_buf.assign(ps.n, 0);
      ps.rate.emplace(
          ps.n, [](ir::Space, int) { return Binding{}; }, keys, &mod->tables, modulators.data());
      ps.rate->store_into(pop.rate, ps.rate_buf.data());
    } else {
      // A constant rate: draw each neuron's intervals (geometric in steps),
      // one random number per spike instead of one per neuron and step.
      const double pr = pop.rate->value * mod->run.dt;
      ps.next_spike.assign(ps.n, -1);
      ps.draws.assign(ps.n, 0);
      if (pr > 0 && pr < 1) {
        ps.log1mp = std::log1p(-pr);
        for (size_t i = 0; i < ps.n; ++i) ps.next_spike[i] = next_poisson(ps, i, -1);
      } else if (pr >= 1) {
        ps.log1mp = -INFINITY;  // a spike every step
        for (size_t i = 0; i < ps.n; ++i) ps.next_spike[i] = 0;
      } else {
        ps.next_spike.assign(ps.n, INT64_MAX);  // never
      }
    }
    return;
  }
  if (pop.kind == frontend::PopKind::Generator) return;

  const ir::Kernel& k = mod->kernels[pop.kernel];
  ps.kernel = &k;
  const size_t n = ps.n;
  ps.params.resize(k.params.size());
  for (size_t s = 0; s < k.params.size(); ++s)
    if (k.params[s].per_neuron) ps.params[s].assign(n, 0);
  ps.states.assign(k.states.size(), NeuronArray(n, 0.0));
  ps.seg_agg.assign(k.segments.size() * 4, NeuronArray(n, 0.0));
  for (size_t c = 0; c < k.segments.size(); ++c)
    ps.seg_agg[c * 4 + ir::BestPotential].assign(n, -1.0);
  ps.group_vals.assign(k.groups.size(), NeuronArray(n, 0.0));
  ps.group_args.assign(k.groups.size(), NeuronArray(n, 0.0));
  auto dense = [&](ir::Space space, int slot) { return neuron_binding(ps, space, slot); };
  for (size_t g = 0; g < k.groups.size(); ++g) {
    ps.group_progs.emplace_back(n, dense, keys, &mod->tables, modulators.data());
    ps.group_progs.back().store_into(k.groups[g].arg, ps.group_args[g].data());
  }
  // Initial values, in order: per-neuron params, then states.
  {
    Program init(n, dense, keys, &mod->tables, modulators.data());
    for (const auto& in : pop.init)
      init.store_into(in.value, in.space == ir::Space::Param ? ps.params[in.slot].data()
                                                             : ps.states[in.slot].data());
    init.run(lanes(n, 0, 0));
  }
  // Refractory periods in steps.
  ps.ref_end.assign(n, 0);
  if (k.refractory) {
    if (k.refractory->kind == ir::Kind::Const) {
      ps.ref_steps = {to_steps(k.refractory->value, dt)};
    } else {
      std::vector<double> buf(n);
      Program p(n, dense, keys, &mod->tables, modulators.data());
      p.store_into(k.refractory, buf.data());
      p.run(lanes(n, 0, 0));
      ps.ref_steps.resize(n);
      for (size_t i = 0; i < n; ++i) ps.ref_steps[i] = to_steps(buf[i], dt);
    }
    for (int64_t r : ps.ref_steps) {
      if (r < 0) throw located(k.range, "a refractory period is negative");
      ps.max_ref_steps = std::max(ps.max_ref_steps, r);
    }
  } else {
    ps.ref_steps = {0};
  }
  for (const auto& o : k.odes) ps.ode_clamped.push_back(o.unless_refractory && k.refractory);

  switch (k.solver) {
    case ir::Solver::Exact: {
      if (k.odes.empty()) break;
      ps.prop = make_propagator(k.linear, k, dt);
      const size_t m = ps.prop.n;
      for (int s : k.linear.states) ps.xptr.push_back(ps.states[s].data());
      ps.old.assign(m, 0);
      bool all_const = true;
      for (const auto& c : k.linear.c) all_const &= c->kind == ir::Kind::Const;
      ps.c_const = all_const;
      if (all_const) {
        ps.q_const.assign(m, 0);
        ps.q_ref_const.assign(m, 0);
        for (size_t r = 0; r < m; ++r)
          for (size_t c = 0; c < m; ++c) {
            ps.q_const[r] += ps.prop.Q[r * m + c] * k.linear.c[c]->value;
            ps.q_ref_const[r] += ps.prop.Q_ref[r * m + c] * k.linear.c[c]->value;
          }
      } else {
        ps.cbuf.assign(m, NeuronArray(n, 0.0));
        ps.c_prog.emplace(n, dense, keys, &mod->tables, modulators.data());
        for (size_t r = 0; r < m; ++r) ps.c_prog->store_into(k.linear.c[r], ps.cbuf[r].data());
      }
      break;
    }
    case ir::Solver::ExpEuler:
    case ir::Solver::Euler:
      ps.scratch.assign(k.odes.size(), NeuronArray(n, 0.0));
      ps.update.emplace(n, dense, keys, &mod->tables, modulators.data());
      for (size_t u = 0; u < k.odes.size(); ++u)
        ps.update->store_into(k.update[u], ps.scratch[u].data());
      break;
    case ir::Solver::RK4:
    case ir::Solver::RK45: {
      ps.stage.assign(k.states.size(), NeuronArray(n, 0.0));
      ps.kbuf.assign(k.odes.size(), NeuronArray(n, 0.0));
      auto staged = [&](ir::Space space, int slot) -> Binding {
        if (space == ir::Space::State) return {ps.stage[slot].data(), -1, false};
        return neuron_binding(ps, space, slot);
      };
      ps.rhs.emplace(n, staged, keys, &mod->tables, modulators.data());
      ps.refractory.assign(n, 0);
      // Error scale per equation: 1e-6 of the variable's display unit.
      for (const auto& o : k.odes)
        ps.atol.push_back(1e-6 * frontend::display_unit(k.states[o.state].dim).scale);
      for (size_t u = 0; u < k.odes.size(); ++u)
        ps.rhs->store_into(k.odes[u].rhs, ps.kbuf[u].data());
      break;
    }
  }
  // Threshold: `state > constant` (and friends) runs natively.
  if (k.threshold) {
    const ir::Expr& t = *k.threshold;
    bool cmp = t.kind == ir::Kind::Binary && (t.op == ir::Op::Gt || t.op == ir::Op::Ge ||
                                              t.op == ir::Op::Lt || t.op == ir::Op::Le);
    if (cmp && t.args[0]->kind == ir::Kind::Var && t.args[0]->space == ir::Space::State &&
        t.args[1]->kind == ir::Kind::Const) {
      ps.fast_state = t.args[0]->slot;
      ps.fast_op = t.op;
      ps.fast_value = t.args[1]->value;
    } else {
      ps.cond.assign(n, 0);
      ps.threshold.emplace(n, dense, keys, &mod->tables, modulators.data());
      ps.threshold->store_into(k.threshold, ps.cond.data());
    }
  }
  for (size_t q = 0; q < mod->selections.size(); ++q) {
    const ir::Selection& sel = mod->selections[q];
    if (sel.target.pop != static_cast<int>(index)) continue;
    PopState::SelectState st;
    st.sel = &sel;
    st.buf.assign(n, 0.0);
    st.score.emplace(n, dense, keys, &mod->tables, modulators.data());
    st.score->store_into(sel.score, st.buf.data());
    st.key = num::stream_key(mod->run.seed, StreamKind::Code, (3ull << 24) | index, q);
    ps.selects.push_back(std::move(st));
  }
  if (!k.reset.empty()) {
    auto indexed = [&](ir::Space space, int slot) { return neuron_binding(ps, space, slot, 0, 0); };
    ps.reset.emplace(n, indexed, keys, &mod->tables, modulators.data());
    ps.reset->statements(k.reset);
  }
}

void Simulation::Engine::build_projection(ProjState& ps, size_t index) {
  const ir::Projection& pr = mod->projections[index];
  ps.proj = &pr;
  ps.src = pr.src.pop;
  ps.dst = pr.dst.pop;
  const double dt = mod->run.dt;
  const auto keys = site_keys(index, 1);
  auto none = [](ir::Space, int) { return Binding{}; };
  // The `when` condition, evaluated over a row of targets at a time.
  interp::PairFilter filter;
  std::optional<Program> when;
  std::vector<double> when_buf;
  if (pr.when) {
    size_t nt = pr.dst.size();
    when_buf.assign(nt, 0);
    when.emplace(nt, none, keys, &mod->tables, modulators.data());
    when->store_into(pr.when, when_buf.data());
    filter = [&](uint32_t i, const uint32_t* j, size_t n, uint8_t* keep) {
      Lanes l = lanes(n, 0, 0);
      l.i_is_scalar = true;
      l.i_scalar = i;
      l.j_ids = j;
      l.ids = j;
      when->run(l);
      for (size_t k = 0; k < n; ++k) keep[k] = when_buf[k] != 0;
    };
  }
  std::string error;
  if (!interp::build_csr(pr, mod->run.seed, filter, ps.csr, error)) throw located(pr.range, error);
  const size_t ns = ps.csr.size();
  ps.row_block.resize((ns + 63) / 64);
  for (size_t r = 0, b = 0; r < ps.csr.rows(); ++r)
    for (; b < ps.row_block.size() && b * 64 < ps.csr.row[r + 1]; ++b)
      ps.row_block[b] = static_cast<uint32_t>(r);

  // Per-synapse variables: shared when constant and never written.
  std::vector<bool> written(pr.vars.size(), false);
  collect_syn_writes(pr.on_pre, written);
  collect_syn_writes(pr.on_post, written);
  ps.vars.resize(pr.vars.size());
  ps.shared.assign(pr.vars.size(), 0);
  std::vector<std::pair<ir::ExprPtr, double*>> per_synapse;
  for (size_t v = 0; v < pr.vars.size(); ++v) {
    const ir::ExprPtr& val = pr.vars[v].value;
    if (val->kind == ir::Kind::Const && !written[v]) {
      ps.shared[v] = val->value;
    } else {
      ps.vars[v].assign(ns, 0);
      per_synapse.push_back({val, ps.vars[v].data()});
    }
  }
  std::vector<double> delay_buf;
  if (pr.delay->kind == ir::Kind::Const) {
    ps.delay_steps = to_steps(pr.delay->value, dt);
  } else {
    delay_buf.assign(ns, 0);
    per_synapse.push_back({pr.delay, delay_buf.data()});
  }
  if (!per_synapse.empty() && ns > 0) {
    // Evaluated in chunks so the registers stay small for large projections.
    const size_t chunk = std::min<size_t>(ns, 1 << 16);
    std::vector<uint32_t> syn(chunk), pre(chunk), post(chunk);
    std::vector<double*> outs;
    Program p(chunk, none, keys, &mod->tables, modulators.data());
    for (auto& [val, out] : per_synapse) {
      (void)out;
      outs.push_back(nullptr);
    }
    // Targets are written through a per-chunk offset, so bind to a staging buffer.
    std::vector<std::vector<double>> stage(per_synapse.size(), std::vector<double>(chunk));
    for (size_t k = 0; k < per_synapse.size(); ++k)
      p.store_into(per_synapse[k].first, stage[k].data());
    size_t row = 0;
    for (size_t start = 0; start < ns; start += chunk) {
      size_t n = std::min(chunk, ns - start);
      for (size_t q = 0; q < n; ++q) {
        size_t s = start + q;
        while (ps.csr.row[row + 1] <= s) ++row;
        syn[q] = static_cast<uint32_t>(s);
        pre[q] = static_cast<uint32_t>(pr.src.lo + row);
        post[q] = ps.csr.col[s];
      }
      Lanes l = lanes(n, 0, 0);
      l.ids = syn.data();
      l.i_ids = pre.data();
      l.j_ids = post.data();
      p.run(l);
      for (size_t k = 0; k < per_synapse.size(); ++k)
        std::copy(stage[k].begin(), stage[k].begin() + n, per_synapse[k].second + start);
    }
  }
  if (!delay_buf.empty()) {
    ps.syn_delay.resize(ns);
    int64_t maxd = 0;
    for (size_t s = 0; s < ns; ++s) {
      int64_t d = to_steps(delay_buf[s], dt);
      if (d < 0) throw located(pr.range, "a synaptic delay is negative");
      ps.syn_delay[s] = static_cast<uint32_t>(d);
      maxd = std::max(maxd, d);
    }
    ps.ring.resize(maxd + 1);
  } else if (ps.delay_steps < 0) {
    throw located(pr.range, "a synaptic delay is negative");
  }

  // Handlers: native scatter-add when recognised and the weights are plain.
  PopState& post_pop = pops[ps.dst];
  PopState& pre_pop = pops[ps.src];
  ps.native = pr.native;
  if (ps.native)
    for (const auto& sc : pr.scatter) {
      const ir::Expr& v = *sc.value;
      ProjState::Scatter s{post_pop.states[sc.post_slot].data(), nullptr, 0, sc.sign};
      if (v.kind == ir::Kind::Const) {
        s.w_shared = v.value;
      } else if (v.kind == ir::Kind::Var && v.space == ir::Space::Syn) {
        if (ps.vars[v.slot].empty())
          s.w_shared = ps.shared[v.slot];
        else
          s.w = ps.vars[v.slot].data();
      } else {
        ps.native = false;
        break;
      }
      ps.scatter.push_back(s);
    }
  // Traces: one value per synapse, per presynaptic or per postsynaptic neuron.
  for (const auto& t : pr.traces) {
    ProjState::TraceState ts;
    size_t n = t.owner == ir::Trace::Synapse ? ns
               : t.owner == ir::Trace::Pre   ? pre_pop.n
                                             : post_pop.n;
    ts.list = t.owner == ir::Trace::Synapse ? 0 : t.owner == ir::Trace::Pre ? 1 : 2;
    ts.value.assign(n, t.initial);
    ts.tau = t.tau;
    ts.scaled = ir::trace_scaled(t, mod->run.dt);
    if (!ts.scaled) ts.last.assign(n, 0.0);  // a scaled trace needs no times
    if (ts.scaled) {
      ts.scratch.assign(n, 0.0);
      for (long k = 0; k <= ir::kTraceBlock; ++k) {
        ts.table.push_back(ir::trace_factor(k, -1, mod->run.dt, t.tau));
        ts.table.push_back(ir::trace_factor(k, 1, mod->run.dt, t.tau));
      }
    }
    ps.traces.push_back(std::move(ts));
  }
  ps.trace_g.assign(2 * pr.traces.size(), 1.0);
  auto bind = [&ps, &pre_pop, &post_pop](ir::Space space, int slot) -> Binding {
    switch (space) {
      case ir::Space::Syn:
        if (ps.vars[slot].empty()) return {&ps.shared[slot], -1, true};
        return {ps.vars[slot].data(), 0, false};
      case ir::Space::Pre:
        return {pre_pop.states[slot].data(), 1, false};
      case ir::Space::Post:
        return {post_pop.states[slot].data(), 2, false};
      case ir::Space::Trace:
        return {
            ps.traces[slot].scaled ? ps.traces[slot].scratch.data() : ps.traces[slot].value.data(),
            ps.traces[slot].list, false};
      default:
        return {};
    }
  };
  const size_t cap = std::max<size_t>(1, std::min<size_t>(ns, 4096));
  if (!ps.native && !pr.on_pre.empty()) {
    ps.scatter.clear();
    bool reads = false, writes = false;
    ps.sequential = stmts_read_write_post(pr.on_pre, reads, writes);
    ps.handler.emplace(ps.sequential ? 1 : cap, bind, keys, &mod->tables, modulators.data());
    ps.handler->statements(pr.on_pre);
  }
  if (!pr.pre_neuron.empty()) {
    ps.pre_neuron.emplace(pre_pop.n, bind, keys, &mod->tables, modulators.data());
    ps.pre_neuron->statements(pr.pre_neuron);
  }
  if (!pr.on_post.empty() || !pr.post_neuron.empty()) {
    bool reads = false, writes = false;
    ps.post_sequential = stmts_read_write_post(pr.on_post, reads, writes);
    if (!pr.on_post.empty()) {
      ps.on_post.emplace(ps.post_sequential ? 1 : cap, bind, keys, &mod->tables, modulators.data());
      ps.on_post->statements(pr.on_post);
    }
    if (!pr.post_neuron.empty()) {
      ps.post_neuron.emplace(post_pop.n, bind, keys, &mod->tables, modulators.data());
      ps.post_neuron->statements(pr.post_neuron);
    }
    // Incoming synapses per target neuron, in order of source (counting sort).
    const size_t nt = pr.dst.size();
    ps.post_ptr.assign(nt + 1, 0);
    for (uint32_t c : ps.csr.col) ps.post_ptr[c - pr.dst.lo + 1]++;
    for (size_t j = 0; j < nt; ++j) ps.post_ptr[j + 1] += ps.post_ptr[j];
    ps.post_syn.resize(ns);
    std::vector<uint64_t> fill(ps.post_ptr.begin(), ps.post_ptr.end() - 1);
    for (size_t syn = 0; syn < ns; ++syn)
      ps.post_syn[fill[ps.csr.col[syn] - pr.dst.lo]++] = static_cast<uint32_t>(syn);
  }
}

void Simulation::Engine::build_monitor(MonitorState& ms) {
  const ir::Monitor& mo = *ms.mon;
  PopState& ps = pops[mo.target.pop];
  ms.every_steps = mo.every > 0 ? std::max<int64_t>(1, to_steps(mo.every, mod->run.dt)) : 1;
  const size_t lo = mo.target.lo, n = mo.target.size();
  for (const auto& probe : mo.probes) {
    auto slice = [&ps, lo](ir::Space space, int slot) {
      return neuron_binding(ps, space, slot, lo);
    };
    ms.probe_buf.emplace_back(n, 0.0);
    Program p(n, slice, site_keys(mo.target.pop, 0), &mod->tables, modulators.data());
    p.store_into(probe.value, ms.probe_buf.back().data());
    ms.probes.push_back(std::move(p));
    ms.samples.emplace_back();
  }
}

void Simulation::Engine::build() {
  for (const auto& m : mod->modulators) modulators.push_back(m.initial);
  pops.resize(mod->pops.size());
  for (size_t i = 0; i < pops.size(); ++i) build_population(pops[i], i);
  projs.resize(mod->projections.size());
  int64_t max_delay = 0, max_ref = 0;
  for (size_t i = 0; i < projs.size(); ++i) {
    build_projection(projs[i], i);
    max_delay = std::max(max_delay, projs[i].delay_steps);
  }
  for (const auto& p : pops) max_ref = std::max(max_ref, p.max_ref_steps);
  history_len = static_cast<size_t>(std::max(max_delay, max_ref) + 1);
  for (auto& p : pops) p.history.assign(history_len, {});
  monitors.resize(mod->monitors.size());
  for (size_t i = 0; i < monitors.size(); ++i) {
    monitors[i].mon = &mod->monitors[i];
    build_monitor(monitors[i]);
    if (!monitors[i].probes.empty()) sample(monitors[i], 0);
  }
  // Generator spikes at t = 0 are spikes of the step before the first: they
  // are published before the run, like any other step's spikes.
  for (auto& p : pops) {
    p.spikes.clear();
    if (p.pop->kind != frontend::PopKind::Generator) continue;
    while (p.gen_cursor < p.pop->spikes.size() &&
           to_steps(p.pop->spikes[p.gen_cursor].second, mod->run.dt) <= 0)
      p.spikes.push_back(p.pop->spikes[p.gen_cursor++].first);
    std::sort(p.spikes.begin(), p.spikes.end());
    p.spikes.erase(std::unique(p.spikes.begin(), p.spikes.end()), p.spikes.end());
    p.spike_count += p.spikes.size();
  }
  publish(0);
  dendrites.resize(mod->dendrites.size());
  for (size_t i = 0; i < dendrites.size(); ++i) build_dendrite(dendrites[i], i);
  if (!mod->layers.empty()) rate = build_rate_net(*this);
  drives.resize(mod->drives.size());
  for (size_t i = 0; i < drives.size(); ++i) {
    const ir::Drive& d = mod->drives[i];
    drives[i].drive = &d;
    if (d.target.pop < 0) {  // a modulator: one value per step
      drives[i].prog.emplace(
          1, [](ir::Space, int) { return Binding{}; }, site_keys(1u << 20, 2 + i), &mod->tables,
          modulators.data());
      drives[i].prog->store_into(d.value, &modulators[d.slot]);
      continue;
    }
    PopState& ps = pops[d.target.pop];
    const size_t lo = d.target.lo;
    auto bind = [&ps, lo](ir::Space space, int slot) {
      return neuron_binding(ps, space, slot, lo);
    };
    drives[i].prog.emplace(d.target.size(), bind, site_keys(d.target.pop, 2 + i), &mod->tables,
                           modulators.data());
    ir::Stmt st;
    st.space = d.space;
    st.slot = d.slot;
    st.name = d.name;
    st.value = d.value;
    drives[i].prog->statements({st});
  }
}

}  // namespace neuro
