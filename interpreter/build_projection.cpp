// Building a projection: its connectivity, per-synapse variables and
// delays, the native scatter-add or the `on pre` / `on post` programs, its
// traces and the incoming-synapse lists that `on post` walks.
#include <fmt/format.h>

#include <algorithm>

#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"
#include "ir/place_traces.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Binding;
using interp::Lanes;

namespace {

void collect_syn_writes(const std::vector<ir::Stmt>& body, std::vector<bool>& written) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::Assign && s.space == ir::Space::Syn) written[s.slot] = true;
    collect_syn_writes(s.then_body, written);
    collect_syn_writes(s.else_body, written);
  }
}

}  // namespace

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
  // What the connection will hold, estimated before any of it is built:
  // per synapse its target, per-synapse variables and traces, incoming lists.
  {
    const double src = static_cast<double>(pr.src.size()), dst = static_cast<double>(pr.dst.size());
    double synapses = 0;
    switch (pr.rule) {
      case ir::Rule::AllToAll:
        synapses = src * dst;
        break;
      case ir::Rule::Probability:
        synapses = pr.p * src * dst;
        break;
      case ir::Rule::InDegree:
        synapses = static_cast<double>(pr.k) * dst;
        break;
      case ir::Rule::OutDegree:
        synapses = static_cast<double>(pr.k) * src;
        break;
      case ir::Rule::TotalNumber:
        synapses = static_cast<double>(pr.k);
        break;
      case ir::Rule::OneToOne:
        synapses = std::min(src, dst);
        break;
      case ir::Rule::Pairs:
        synapses = static_cast<double>(pr.pairs.size());
        break;
    }
    size_t syn_traces = 0;
    for (const auto& t : pr.traces) syn_traces += t.owner == ir::Trace::Synapse;
    const double per_synapse =
        12 + 8.0 * static_cast<double>(pr.vars.size()) + 16.0 * static_cast<double>(syn_traces) +
        (pr.step.on_post.empty() ? 0 : 8) + (pr.delay->kind == ir::Kind::Const ? 0 : 9);
    check_memory(synapses * per_synapse, memory_avail,
                 fmt::format("this connection ({:.3g} synapses)", synapses), pr.range);
    if (pr.delay->kind == ir::Kind::Const) {
      // The delay history: a list per step of delay, in every population.
      const double slots =
          static_cast<double>(checked_steps(pr.delay->value, dt, "the delay", pr.range)) + 1;
      check_memory(
          slots * 24 * static_cast<double>(mod->pops.size()), memory_avail,
          fmt::format("a delay of {} s ({:.3g} steps of spike history)", pr.delay->value, slots),
          pr.range);
    }
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
    ps.delay_steps = checked_steps(pr.delay->value, dt, "the delay", pr.range);
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
    int64_t maxd = 0;
    for (size_t s = 0; s < ns; ++s)
      maxd = std::max(maxd, checked_steps(delay_buf[s], dt, "a synaptic delay", pr.range));
    check_memory(static_cast<double>(maxd + 1) * 24, memory_avail,
                 fmt::format("synaptic delays of up to {} steps", maxd), pr.range);
    ps.syn_delay.reset(ns, static_cast<uint64_t>(maxd));
    for (size_t s = 0; s < ns; ++s)
      ps.syn_delay.set(s, static_cast<uint32_t>(to_steps(delay_buf[s], dt)));
    ps.ring.resize(maxd + 1);
  }

  // A scatter-add loop (ir/lower_events.cpp: the weights are plain).
  PopState& post_pop = pops[ps.dst];
  PopState& pre_pop = pops[ps.src];
  for (const auto& loop : pr.step.on_pre)
    if (loop.body == ir::EventLoop::ScatterAdd)
      for (const auto& sc : pr.scatter) {
        const ir::Expr& v = *sc.value;
        ProjState::Scatter s{post_pop.states[sc.post_slot].data(), nullptr, 0, sc.sign, sc.held};
        if (v.kind == ir::Kind::Const)
          s.w_shared = v.value;
        else if (ps.vars[v.slot].empty())
          s.w_shared = ps.shared[v.slot];
        else
          s.w = ps.vars[v.slot].data();
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
  // A program for each event loop with statements: over a handler batch
  // of synapses, or over a population's neurons.
  auto programs = [&](const std::vector<ir::EventLoop>& loops) {
    std::vector<std::optional<Program>> progs(loops.size());
    for (size_t q = 0; q < loops.size(); ++q) {
      const ir::EventLoop& l = loops[q];
      if (l.body != ir::EventLoop::Statements) continue;
      const size_t lanes = l.over == ir::EventLoop::Sources ? pre_pop.n
                           : l.over == ir::EventLoop::Targets
                               ? post_pop.n
                               : num::handler_batch(ns, l.sequential);
      progs[q].emplace(lanes, bind, keys, &mod->tables, modulators.data());
      progs[q]->statements(l.stmts);
    }
    return progs;
  };
  ps.on_pre = programs(pr.step.on_pre);
  ps.on_post = programs(pr.step.on_post);
  if (!pr.step.on_post.empty()) {
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

}  // namespace neuro
