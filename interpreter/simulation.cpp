// Simulation's public face (include/neuro/simulation.h) over the engine:
// construction, running, and the statistics and recordings a run leaves.
// Snapshots, restore and hot redefinition are in state.cpp.
#include <algorithm>

#include "interpreter/build_simulation.h"
#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"

namespace neuro {

Simulation::Simulation(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}

std::unique_ptr<Simulation> build_simulation(std::shared_ptr<const ir::Module> module,
                                             std::shared_ptr<DistributedContext> context) {
  auto engine = std::make_unique<Simulation::Engine>();
  engine->mod = std::move(module);
  engine->ctx = context ? std::move(context) : std::make_shared<LocalContext>();
  engine->build();
  return SimulationAccess::make(std::move(engine));
}

const ir::Module& module_of(const Simulation& sim) {
  return *SimulationAccess::engine(sim).mod;
}

Simulation::~Simulation() = default;

uint64_t Simulation::run(uint64_t steps, const std::atomic<bool>* interrupt) {
  uint64_t done = 0;
  for (; done < steps; ++done) {
    if (interrupt && interrupt->load(std::memory_order_relaxed)) break;
    engine_->one_step();
  }
  return done;
}

uint64_t Simulation::steps_for(double seconds) const {
  return static_cast<uint64_t>(std::max<int64_t>(0, to_steps(seconds, engine_->mod->run.dt)));
}

uint64_t Simulation::step_index() const {
  return static_cast<uint64_t>(engine_->step);
}
double Simulation::time() const {
  return engine_->t_now();
}
double Simulation::dt() const {
  return engine_->mod->run.dt;
}
std::vector<PopulationStats> Simulation::population_stats() const {
  std::vector<PopulationStats> out;
  double t = engine_->t_now();
  for (const auto& p : engine_->pops)
    out.push_back({p.pop->name, p.n, p.spike_count,
                   t > 0 ? static_cast<double>(p.spike_count) / p.n / t : 0.0});
  return out;
}

size_t Simulation::synapse_count() const {
  size_t n = 0;
  for (const auto& p : engine_->projs) n += p.csr.size();
  for (const auto& d : engine_->dendrites) n += d.store.synapse_count();
  return n;
}

std::vector<SpikeRecording> Simulation::spike_recordings() const {
  std::vector<SpikeRecording> out;
  const double dt = engine_->mod->run.dt;
  for (const auto& m : engine_->monitors) {
    if (!m.mon->spikes) continue;
    SpikeRecording r;
    r.population = engine_->mod->pops[m.mon->target.pop].name;
    r.ids.reserve(m.spike_ids.size());
    r.times.reserve(m.spike_ids.size());
    for (size_t q = 0, k = 0; q < m.spike_runs.size(); ++q) {
      const SpikeRun& run = m.spike_runs[q];
      for (; k < run.end; ++k) {
        r.ids.push_back(m.spike_ids[k]);
        r.times.push_back(static_cast<double>(run.stamp) * dt);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SpikeView> Simulation::spike_views() const {
  std::vector<SpikeView> out;
  for (const auto& m : engine_->monitors) {
    if (!m.mon->spikes) continue;
    SpikeView v;
    v.population = engine_->mod->pops[m.mon->target.pop].name;
    v.size = m.spike_ids.size();
    v.ids = m.spike_ids.blocks();
    v.runs = m.spike_runs.blocks();
    v.run_count = m.spike_runs.size();
    v.dt = engine_->mod->run.dt;
    v.first = m.mon->target.lo;
    v.neurons = m.mon->target.size();
    v.from = static_cast<double>(m.from_step) * v.dt;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<StateRecording> Simulation::state_recordings() const {
  std::vector<StateRecording> out;
  const double dt = engine_->mod->run.dt;
  for (const auto& m : engine_->monitors) {
    for (size_t q = 0; q < m.mon->probes.size(); ++q) {
      const auto& probe = m.mon->probes[q];
      StateRecording r;
      r.population = engine_->mod->pops[m.mon->target.pop].name;
      r.variable = probe.name;
      auto u = frontend::display_unit(probe.dim);
      r.unit = u.symbol;
      r.unit_scale = u.scale;
      for (size_t i = m.mon->target.lo; i < m.mon->target.hi; ++i)
        r.ids.push_back(static_cast<uint32_t>(i));
      for (int64_t s : m.sample_steps) r.times.push_back(static_cast<double>(s) * dt);
      r.values = m.samples[q];
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace neuro
