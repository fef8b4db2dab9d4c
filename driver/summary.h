// What `neuro run` reports after a run: each population's spikes, with the
// rate and irregularity of those recorded, as the text summary or as the
// one line of JSON of `--json`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "neuro/simulation.h"

namespace neuro::driver {

// The coefficient of variation of the inter-spike intervals, the
// convention of Elephant (`elephant.statistics.cv`, scipy.stats.variation:
// standard deviation over N, not N − 1, divided by the mean) and of NEST's
// microcircuit analyses: computed for each neuron with at least 2 ISIs (3
// spikes), then averaged over those neurons. `times` holds each neuron's
// spike times in order; nullopt when no neuron has 2 ISIs.
std::optional<double> mean_cv_isi(const std::vector<std::vector<double>>& times);

// One population's spikes over the run, and over its spike record.
struct PopulationReport {
  std::string name;
  size_t size = 0;
  uint64_t spikes = 0;  // all neurons, all steps simulated
  double rate_hz = 0;   // spikes per neuron per second: the record's when there is one
  bool recorded = false;
  // The population's first `record spikes`: its neurons, its window
  // [from, the time simulated] and the spikes in it.
  size_t recorded_neurons = 0;
  double from_s = 0, to_s = 0;
  uint64_t recorded_spikes = 0;
  std::optional<double> cv_isi;
};

// Every population, in the order of Simulation::population_stats().
std::vector<PopulationReport> population_reports(const Simulation& sim);

// The rest of `neuro run --json`: what the command measured.
struct RunFacts {
  std::string backend;  // "vm" or "jit"
  unsigned threads = 1;
  double jit_setup_s = 0;
  bool jit_cache_hit = false;
  uint64_t seed = 0;
  double parse_s = 0, build_s = 0, run_s = 0;
  uint64_t steps = 0;
  bool interrupted = false;
};

// The one line of `neuro run --json` (docs/language.md §13), with "\n".
std::string summary_json(const Simulation& sim, const std::vector<PopulationReport>& pops,
                         const RunFacts& facts);

// The table of the text summary, a line per population.
std::string summary_table(const std::vector<PopulationReport>& pops);

}  // namespace neuro::driver
