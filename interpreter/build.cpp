// Building the engine from a module (build(), in the order it runs): the
// populations' state, initial values, solvers and programs, the recorders
// and the drives; also the helpers every part of the engine binds through.
// Projections are built in build_projection.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"
#include "interpreter/rate_layers.h"
#include "numeric/rng.h"

namespace neuro {

using interp::Binding;
using interp::Lanes;
using num::StreamKind;

int64_t checked_steps(double seconds, double dt, const char* what,
                      const frontend::SourceRange& where) {
  if (std::isnan(seconds)) throw located(where, fmt::format("{} is not a number", what));
  if (seconds < 0) throw located(where, fmt::format("{} is negative", what));
  if (!(seconds / dt <= 1e12))
    throw located(where, fmt::format("{} of {} s is too large: more than 10^12 steps of {} s", what,
                                     seconds, dt));
  return to_steps(seconds, dt);
}

uint64_t memory_available() {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "MemAvailable: %lu kB", &kb) == 1) break;
  std::fclose(f);
  return kb * 1024;
}

void check_memory(double bytes, uint64_t avail, const std::string& what,
                  const frontend::SourceRange& where) {
  if (avail == 0 || bytes <= static_cast<double>(avail)) return;
  throw located(where, fmt::format("{} needs about {:.3g} GB of memory; {:.3g} GB are available",
                                   what, bytes / 1e9, static_cast<double>(avail) / 1e9));
}

SimulationError located(const frontend::SourceRange& r, const std::string& message) {
  SimulationError e(message);
  e.file = r.file;
  e.line = r.line;
  e.column = r.col;
  e.end_line = r.end_line;
  e.end_column = r.end_col;
  return e;
}

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
  if (pop.kernel >= 0) {
    // States, per-neuron parameters, segment aggregates, reductions, refractory ends.
    const ir::Kernel& k = mod->kernels[pop.kernel];
    const double arrays = static_cast<double>(k.states.size() + k.params.size() +
                                              4 * k.segments.size() + k.groups.size() + 2);
    check_memory(static_cast<double>(pop.size) * 8 * arrays, memory_avail,
                 fmt::format("population `{}` of {} neurons", pop.name, pop.size), pop.range);
  }
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
  auto dense = [&](ir::Space space, int slot) { return neuron_binding(ps, space, slot); };
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
      ps.ref_steps = {checked_steps(k.refractory->value, dt, "the refractory period", k.range)};
    } else {
      std::vector<double> buf(n);
      Program p(n, dense, keys, &mod->tables, modulators.data());
      p.store_into(k.refractory, buf.data());
      p.run(lanes(n, 0, 0));
      ps.ref_steps.resize(n);
      for (size_t i = 0; i < n; ++i)
        ps.ref_steps[i] = checked_steps(buf[i], dt, "a refractory period", k.range);
    }
    for (int64_t r : ps.ref_steps) ps.max_ref_steps = std::max(ps.max_ref_steps, r);
  } else {
    ps.ref_steps = {0};
  }
  for (const auto& o : k.odes) ps.ode_clamped.push_back(o.unless_refractory && k.refractory);

  if (k.solver == ir::Solver::RK45) {
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
    for (size_t u = 0; u < k.odes.size(); ++u) ps.rhs->store_into(k.odes[u].rhs, ps.kbuf[u].data());
  }
  // The update, group reductions and threshold: the step IR (ir/lower_step.cpp).
  auto make = [this, &ps, keys]() {
    return Program(
        ps.n, [&ps](ir::Space space, int slot) { return neuron_binding(ps, space, slot); }, keys,
        &mod->tables, modulators.data());
  };
  ps.stepper = make_step_ir_stepper(ps, make, [this, &ps] { integrate_rk45(ps); });
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

void Simulation::Engine::build_monitor(MonitorState& ms) {
  const ir::Monitor& mo = *ms.mon;
  PopState& ps = pops[mo.target.pop];
  ms.every_steps =
      mo.every > 0
          ? std::max<int64_t>(1, checked_steps(mo.every, mod->run.dt, "the interval", mo.range))
          : 1;
  ms.from_step = mo.from > 0 ? checked_steps(mo.from, mod->run.dt, "the start", mo.range) : 0;
  const size_t lo = mo.target.lo, n = mo.target.size();
  if (!mo.probes.empty() && mod->run.duration > mo.from) {
    const double samples =
        (mod->run.duration - mo.from) / mod->run.dt / static_cast<double>(ms.every_steps);
    check_memory(samples * static_cast<double>(n) * 8 * static_cast<double>(mo.probes.size()),
                 memory_avail,
                 fmt::format("recording {} value{} of {} neurons over {} s", mo.probes.size(),
                             mo.probes.size() == 1 ? "" : "s", n, mod->run.duration),
                 mo.range);
  }
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
  memory_avail = memory_available();
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
    if (!monitors[i].probes.empty() && monitors[i].from_step == 0) sample(monitors[i], 0);
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
    st.op = d.op;
    st.value = d.value;
    drives[i].prog->statements({st});
  }
}

}  // namespace neuro
