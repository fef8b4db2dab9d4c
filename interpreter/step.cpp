// One step in the order engine_state.h lists, and its end: the step's
// spikes published to the delay history, the per-synapse delay queues, the
// recorders and the host's listener.
#include "interpreter/engine_state.h"
#include "interpreter/rate_layers.h"
#include "ir/place_traces.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Lanes;

void Simulation::Engine::one_step() {
  // Inputs (`input x = 0`) hold only what this step delivers.
  for (auto& p : pops)
    if (p.kernel)
      for (size_t s = 0; s < p.kernel->states.size(); ++s)
        if (p.kernel->states[s].per_step)
          std::fill(p.states[s].begin(), p.states[s].end(), p.kernel->states[s].rest);
  for (auto& p : projs) deliver(p);
  for (auto& d : drives) {
    const auto& tgt = d.drive->target;
    if (tgt.pop < 0)
      d.prog->run(lanes(1, 0, num::rng_counter(step)));
    else
      d.prog->run(lanes(tgt.size(), static_cast<uint32_t>(tgt.lo), num::rng_counter(step)));
  }
  if (rate) rate_step(*rate, *this);
  for (auto& p : pops) integrate(p);
  for (auto& p : pops) detect(p);
  for (auto& p : projs)
    if (!p.proj->step.on_post.empty()) post_events(p);
  for (auto& d : dendrites) dendrite_step(d);
  publish(step + 1);
  ++step;
  if (step % ir::kTraceBlock == 0) renormalise_traces();
}

void Simulation::Engine::publish(int64_t stamp) {
  for (auto& p : pops) {
    auto& slot = p.history[num::history_slot(stamp, history_len)];
    slot.assign(p.spikes.begin(), p.spikes.end());
  }
  // Projections with per-synapse delays queue each synapse for its own step.
  for (auto& pj : projs) {
    if (pj.syn_delay.empty()) continue;
    const auto& pr = *pj.proj;
    pj.syn_delay.with_data([&](const auto* delay) {
      for (uint32_t id : pops[pj.src].spikes) {
        if (id < pr.src.lo || id >= pr.src.hi) continue;
        size_t r = id - pr.src.lo;
        for (uint64_t s = pj.csr.row[r]; s < pj.csr.row[r + 1]; ++s)
          pj.ring[static_cast<size_t>(stamp + delay[s]) % pj.ring.size()].push_back(
              static_cast<uint32_t>(s));
      }
    });
  }
  for (auto& m : monitors) {
    const ir::Monitor& mo = *m.mon;
    if (mo.spikes && stamp >= m.from_step) {
      const size_t before = m.spike_ids.size();
      for (uint32_t id : pops[mo.target.pop].spikes)
        if (id >= mo.target.lo && id < mo.target.hi) m.spike_ids.push_back(id);
      if (m.spike_ids.size() != before) m.spike_runs.push_back({stamp, m.spike_ids.size()});
    }
    if (stamp > 0 && !m.probes.empty() && m.samples_at(stamp)) sample(m, stamp);
  }
  if (listener)
    for (size_t i = 0; i < pops.size(); ++i)
      if (!pops[i].spikes.empty())
        listener(i, pops[i].spikes.data(), pops[i].spikes.size(),
                 static_cast<double>(stamp) * mod->run.dt);
}

void Simulation::Engine::sample(MonitorState& m, int64_t stamp) {
  Lanes l = lanes(m.mon->target.size(), static_cast<uint32_t>(m.mon->target.lo),
                  static_cast<uint64_t>(stamp));
  l.t = static_cast<double>(stamp) * mod->run.dt;
  for (size_t q = 0; q < m.probes.size(); ++q) {
    m.probes[q].run(l);
    m.samples[q].insert(m.samples[q].end(), m.probe_buf[q].begin(), m.probe_buf[q].end());
  }
  m.sample_steps.push_back(stamp);
}

}  // namespace neuro
