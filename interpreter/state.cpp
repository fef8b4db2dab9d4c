// Access to a running simulation's state from outside the step loop: by
// name for hosts, as bytes for snapshots, and between two simulations of
// the same network when a model was redefined.
#include <fmt/format.h>

#include <cstring>

#include "interpreter/engine_state.h"
#include "interpreter/rate_layers.h"
#include "ir/place_traces.h"
#include "numeric/exp.h"

namespace neuro {

namespace {

int find_pop(const Simulation::Engine& e, const std::string& name) {
  for (size_t i = 0; i < e.pops.size(); ++i)
    if (e.pops[i].pop->name == name) return static_cast<int>(i);
  return -1;
}

int find_var(const std::vector<ir::Variable>& vars, const std::string& name) {
  for (size_t i = 0; i < vars.size(); ++i)
    if (vars[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

double* Simulation::state_array(const std::string& population, const std::string& variable) {
  int p = find_pop(*engine_, population);
  if (p < 0 || !engine_->pops[p].kernel) return nullptr;
  int s = find_var(engine_->pops[p].kernel->states, variable);
  return s < 0 ? nullptr : engine_->pops[p].states[s].data();
}

double* Simulation::param_array(const std::string& population, const std::string& variable) {
  int p = find_pop(*engine_, population);
  if (p < 0 || !engine_->pops[p].kernel) return nullptr;
  int s = find_var(engine_->pops[p].kernel->params, variable);
  if (s < 0 || engine_->pops[p].params[s].empty()) return nullptr;
  return engine_->pops[p].params[s].data();
}

double* Simulation::modulator(const std::string& name) {
  for (size_t k = 0; k < engine_->mod->modulators.size(); ++k)
    if (engine_->mod->modulators[k].name == name) return &engine_->modulators[k];
  return nullptr;
}

std::vector<double> Simulation::synapse_values(size_t index, const std::string& variable) const {
  if (index >= engine_->projs.size()) return {};
  const ProjState& pj = engine_->projs[index];
  int v = find_var(pj.proj->vars, variable);
  if (v < 0) return {};
  if (!pj.vars[v].empty()) return pj.vars[v];
  return std::vector<double>(pj.csr.size(), pj.shared[v]);
}

size_t Simulation::population_size(const std::string& population) const {
  int p = find_pop(*engine_, population);
  return p < 0 ? 0 : engine_->pops[p].n;
}

void Simulation::inject_spikes(const std::string& population, const std::vector<uint32_t>& ids) {
  int p = find_pop(*engine_, population);
  if (p < 0) return;
  for (uint32_t id : ids)
    if (id < engine_->pops[p].n) engine_->pops[p].injected.push_back(id);
}

void Simulation::set_spike_listener(SpikeListener fn) {
  if (!fn) {
    engine_->listener = nullptr;
    return;
  }
  Engine* e = engine_.get();
  engine_->listener = [e, fn = std::move(fn)](size_t pop, const uint32_t* ids, size_t n, double t) {
    fn(e->pops[pop].pop->name, ids, n, t);
  };
}

size_t Simulation::dendrite_count() const {
  return engine_->dendrites.size();
}

std::vector<Simulation::Segment> Simulation::segments(size_t index) const {
  if (index >= engine_->dendrites.size())
    throw SimulationError(fmt::format("there is no dendrite #{} (the model has {})", index,
                                      engine_->dendrites.size()));
  const auto& st = engine_->dendrites[index].store;
  std::vector<Segment> out;
  for (uint32_t c = 0; c < st.cells(); ++c)
    for (uint32_t g : st.segments_of(c)) {
      Segment s;
      s.cell = c;
      for (uint32_t id : st.segment(g).syn) {
        s.pre.push_back(st.synapse(id).pre);
        s.permanence.push_back(st.synapse(id).perm);
      }
      out.push_back(std::move(s));
    }
  return out;
}

void Simulation::add_segment(size_t index, uint32_t cell, const std::vector<uint32_t>& pre,
                             const std::vector<double>& permanence) {
  Engine& e = *engine_;
  if (index >= e.dendrites.size())
    throw SimulationError(
        fmt::format("there is no dendrite #{} (the model has {})", index, e.dendrites.size()));
  DendriteState& ds = e.dendrites[index];
  const ir::Dendrite& d = *ds.d;
  if (cell >= e.pops[d.post].n)
    throw SimulationError(fmt::format("cell {} is outside `{}` ({} cells)", cell,
                                      e.pops[d.post].pop->name, e.pops[d.post].n));
  if (pre.size() != permanence.size())
    throw SimulationError("add_segment needs one permanence per presynaptic cell");
  if (pre.size() > d.max_synapses)
    throw SimulationError(
        fmt::format("{} synapses exceed max_synapses = {}", pre.size(), d.max_synapses));
  if (ds.store.segments_of(cell).size() >= d.max_segments)
    throw SimulationError(
        fmt::format("cell {} already has max_segments = {} segments", cell, d.max_segments));
  std::vector<uint32_t> sorted = pre;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw SimulationError("a segment holds at most one synapse from each presynaptic cell");
  for (size_t k = 0; k < pre.size(); ++k) {
    if (pre[k] >= e.pops[d.pre].n)
      throw SimulationError(fmt::format("presynaptic cell {} is outside `{}` ({} cells)", pre[k],
                                        e.pops[d.pre].pop->name, e.pops[d.pre].n));
    if (!(permanence[k] >= 0 && permanence[k] <= 1))
      throw SimulationError(fmt::format("a permanence lies in [0, 1], not {}", permanence[k]));
  }
  uint32_t g = ds.store.add_segment(cell);
  for (size_t k = 0; k < pre.size(); ++k) ds.store.add_synapse(g, pre[k], permanence[k]);
  e.pops[d.post].seg_agg[d.collection * 4 + ir::SegmentCount][cell] += 1;
}

namespace {

// A trace's values carried into a redefined model. Unchanged (same τ, dt,
// storage) they are copied bit for bit. Otherwise they pass through their
// values now, decayed with the old τ up to now (from then on the new τ
// applies): a scaled trace (ir::trace_scaled) is stored relative to the
// start of its block of steps, a plain one as of its last event.
void adopt_trace(ProjState::TraceState& to, int64_t step, double dt,
                 const ProjState::TraceState& from, int64_t from_step, double from_dt) {
  to.value = from.value;
  if (from.tau == to.tau && from.scaled == to.scaled && dt == from_dt && step == from_step) {
    to.last = from.last;
    return;
  }
  const double now = static_cast<double>(step) * dt;
  const double from_now = static_cast<double>(from_step) * from_dt;
  if (from.scaled) {
    const double f = ir::trace_factor(from_step % ir::kTraceBlock, -1, from_dt, from.tau);
    for (double& v : to.value) v *= f;
  } else {
    for (size_t i = 0; i < to.value.size(); ++i)
      if (from.last[i] != from_now) to.value[i] *= num::exp(-(from_now - from.last[i]) / from.tau);
  }
  std::fill(to.last.begin(), to.last.end(), now);
  if (to.scaled) {
    const double f = ir::trace_factor(step % ir::kTraceBlock, 1, dt, to.tau);
    for (double& v : to.value) v *= f;
  }
}

// A trace new to a running network holds its initial value now, at the
// switch, rather than as of t = 0.
void start_trace_now(ProjState::TraceState& tr, int64_t step, double dt) {
  if (tr.scaled) {
    const double f = ir::trace_factor(step % ir::kTraceBlock, 1, dt, tr.tau);
    for (double& v : tr.value) v *= f;
  } else {
    std::fill(tr.last.begin(), tr.last.end(), static_cast<double>(step) * dt);
  }
}

}  // namespace

std::vector<std::string> Simulation::adopt_state(const Simulation& old_sim) {
  Engine& e = *engine_;
  const Engine& o = *old_sim.engine_;
  std::vector<std::string> notes;
  if (!o.dendrites.empty())
    notes.push_back("dendritic segments are not carried over; they start empty");
  e.step = o.step;
  for (size_t k = 0; k < e.mod->modulators.size(); ++k)
    for (size_t q = 0; q < o.mod->modulators.size(); ++q)
      if (o.mod->modulators[q].name == e.mod->modulators[k].name &&
          o.mod->modulators[q].dim == e.mod->modulators[k].dim)
        e.modulators[k] = o.modulators[q];
  for (auto& p : e.pops) {
    const std::string& name = p.pop->name;
    int oi = find_pop(o, name);
    if (oi < 0) {
      notes.push_back(
          fmt::format("population `{}` is new: it starts from its initial values", name));
      continue;
    }
    const PopState& op = o.pops[oi];
    if (op.n != p.n || op.pop->kind != p.pop->kind) {
      notes.push_back(fmt::format(
          "population `{}` changed size or kind: it starts from its initial values", name));
      continue;
    }
    if (p.kernel && op.kernel) {
      for (size_t s = 0; s < p.kernel->states.size(); ++s) {
        const auto& v = p.kernel->states[s];
        int os = find_var(op.kernel->states, v.name);
        if (os < 0)
          notes.push_back(
              fmt::format("`{}.{}` is new: initialised from its declaration", name, v.name));
        else if (op.kernel->states[os].dim != v.dim)
          notes.push_back(fmt::format(
              "`{}.{}` changed its dimension: initialised from its declaration", name, v.name));
        else
          p.states[s] = op.states[os];
      }
      for (const auto& ov : op.kernel->states)
        if (find_var(p.kernel->states, ov.name) < 0)
          notes.push_back(fmt::format("dropped `{}.{}`", name, ov.name));
      for (size_t s = 0; s < p.kernel->params.size(); ++s) {
        int os = find_var(op.kernel->params, p.kernel->params[s].name);
        if (os >= 0 && !p.params[s].empty() && !op.params[os].empty() &&
            op.kernel->params[os].dim == p.kernel->params[s].dim)
          p.params[s] = op.params[os];
      }
    }
    p.ref_end = op.ref_end;
    p.spike_count = op.spike_count;
    p.gen_cursor = op.gen_cursor;
    if (p.next_spike.size() == op.next_spike.size() && p.pop->rate && op.pop->rate &&
        p.pop->rate->kind == ir::Kind::Const && op.pop->rate->kind == ir::Kind::Const &&
        p.pop->rate->value == op.pop->rate->value) {
      p.next_spike = op.next_spike;
      p.draws = op.draws;
    }
    p.injected = op.injected;
    // The most recent steps' spikes, as far as both histories reach.
    size_t keep = std::min(p.history.size(), op.history.size());
    for (size_t back = 0; back < keep; ++back) {
      int64_t stamp = e.step - static_cast<int64_t>(back);
      if (stamp < 0) break;
      p.history[static_cast<size_t>(stamp) % p.history.size()] =
          op.history[static_cast<size_t>(stamp) % op.history.size()];
    }
  }
  for (const auto& op : o.pops)
    if (find_pop(e, op.pop->name) < 0)
      notes.push_back(fmt::format("dropped population `{}`", op.pop->name));
  for (size_t k = 0; k < e.projs.size(); ++k) {
    ProjState& pj = e.projs[k];
    bool same = k < o.projs.size() && o.projs[k].csr.row == pj.csr.row &&
                o.projs[k].csr.col == pj.csr.col && o.projs[k].proj->synapse == pj.proj->synapse;
    if (!same) {
      for (auto& tr : pj.traces) start_trace_now(tr, e.step, e.mod->run.dt);
      notes.push_back(fmt::format(
          "projection #{} ({}) changed: its synapses were drawn anew and spikes in flight dropped",
          k, pj.proj->synapse));
      continue;
    }
    const ProjState& opj = o.projs[k];
    const std::string& syn = pj.proj->synapse;
    for (size_t v = 0; v < pj.vars.size(); ++v) {
      const auto& var = pj.proj->vars[v];
      int ov = find_var(opj.proj->vars, var.name);
      if (ov < 0) {
        notes.push_back(
            fmt::format("`{}.{}` is new: initialised from its declaration", syn, var.name));
      } else if (!pj.vars[v].empty() && opj.vars[ov].size() == pj.vars[v].size()) {
        pj.vars[v] = opj.vars[ov];
      } else if (!opj.vars[ov].empty() && pj.vars[v].empty()) {
        notes.push_back(fmt::format("`{}.{}` is now the same for every synapse: {}", syn, var.name,
                                    "its per-synapse values were not carried over"));
      }
    }
    for (const auto& ov : opj.proj->vars)
      if (find_var(pj.proj->vars, ov.name) < 0)
        notes.push_back(fmt::format("dropped `{}.{}`", syn, ov.name));
    for (size_t t = 0; t < pj.traces.size(); ++t) {
      bool adopted = false;
      for (size_t q = 0; q < opj.traces.size() && !adopted; ++q)
        if (pj.proj->traces[t].name == opj.proj->traces[q].name &&
            pj.traces[t].value.size() == opj.traces[q].value.size() &&
            pj.traces[t].list == opj.traces[q].list) {
          adopt_trace(pj.traces[t], e.step, e.mod->run.dt, opj.traces[q], o.step, o.mod->run.dt);
          adopted = true;
        }
      if (!adopted) {
        start_trace_now(pj.traces[t], e.step, e.mod->run.dt);
        notes.push_back(fmt::format("trace `{}.{}` starts now", syn, pj.proj->traces[t].name));
      }
    }
    for (const auto& ot : opj.proj->traces) {
      bool kept = false;
      for (const auto& t : pj.proj->traces) kept |= t.name == ot.name;
      if (!kept) notes.push_back(fmt::format("dropped trace `{}.{}`", syn, ot.name));
    }
    if (pj.ring.size() == opj.ring.size())
      pj.ring = opj.ring;
    else if (!opj.ring.empty())
      notes.push_back(fmt::format("projection #{}: spikes in flight dropped (delays changed)", k));
  }
  for (size_t k = 0; k < e.monitors.size(); ++k) {
    MonitorState& m = e.monitors[k];
    bool carried = false;
    if (k < o.monitors.size()) {
      const MonitorState& om = o.monitors[k];
      if (e.pops[m.mon->target.pop].pop->name == o.pops[om.mon->target.pop].pop->name) {
        m.spike_ids = om.spike_ids;
        m.spike_runs = om.spike_runs;
        if (m.probes.size() == om.probes.size()) {
          m.sample_steps = om.sample_steps;
          m.samples = om.samples;
          carried = true;
        }
      }
    }
    if (!carried && !m.probes.empty() && e.step >= m.from_step) {
      // A recording that starts now: its first sample is the state now,
      // not the fresh network's state at t = 0.
      m.sample_steps.clear();
      for (auto& s : m.samples) s.clear();
      e.sample(m, e.step);
    }
  }
  return notes;
}

}  // namespace neuro
