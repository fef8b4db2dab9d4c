// A built network and its run. The CLI, the REPL and host programs drive
// the engine through this class.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuro/distributed.h"

namespace neuro {

// A problem found while building or running (a connection rule that cannot
// be met, a solver that diverges). The message names the source position.
struct SimulationError : std::runtime_error {
  explicit SimulationError(const std::string& message) : std::runtime_error(message) {}
  // Where in the model text the problem comes from (file ids are those of
  // the SourceManager the model was compiled with; 0 = unknown).
  uint32_t file = 0, line = 0, column = 0, end_line = 0, end_column = 0;
};

struct PopulationStats {
  std::string name;
  size_t size = 0;
  uint64_t spikes = 0;
  double rate_hz = 0;  // spikes per neuron per simulated second so far
};

struct SpikeRecording {
  std::string population;
  std::vector<uint32_t> ids;  // index within the population
  std::vector<double> times;  // seconds
};

// The spikes of one `record spikes` as the engine keeps them, 4 bytes a
// spike: the ids in order, and one run per step with spikes. Both lie in
// blocks that never move (growing copies nothing): id k is
// ids[k / kIdBlock][k % kIdBlock], run r runs[r / kRunBlock][r % kRunBlock].
// Spike k belongs to the first run whose `end` is above k.
struct SpikeRun {
  int64_t stamp;  // the step's stamp: its time is stamp · dt
  uint64_t end;   // one past its last spike
};
struct SpikeView {
  static constexpr size_t kIdBlock = 1 << 14, kRunBlock = 1 << 12;  // 64 kB each
  std::string population;
  size_t size = 0;                   // spikes
  std::vector<const uint32_t*> ids;  // index within the population
  std::vector<const SpikeRun*> runs;
  size_t run_count = 0;
  double dt = 0;  // seconds
  // What the record covers: neurons first … first + neurons − 1, from
  // time `from` (seconds, a whole step; `record … from T`) on.
  size_t first = 0, neurons = 0;
  double from = 0;
  // Calls f(id, t) for every spike in order (t in seconds).
  template <class F>
  void for_each(F&& f) const {
    size_t k = 0;
    for (size_t r = 0; r < run_count; ++r) {
      const SpikeRun& run = runs[r / kRunBlock][r % kRunBlock];
      const double t = static_cast<double>(run.stamp) * dt;
      for (; k < run.end; ++k) f(ids[k / kIdBlock][k % kIdBlock], t);
    }
  }
};

struct StateRecording {
  std::string population;
  std::string variable;
  std::string unit;       // display unit, e.g. "mV"
  double unit_scale = 1;  // SI value = display value * unit_scale
  std::vector<uint32_t> ids;
  std::vector<double> times;   // seconds
  std::vector<double> values;  // SI, times.size() × ids.size(), row per sample
};

class Simulation {
 public:
  // Made from a compiled model by neuro::Engine (neuro/engine.h), the CLI
  // and the REPL (inside neuro: interpreter/build_simulation.h).
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Advances `steps` steps, or fewer when `interrupt` becomes true (checked
  // between steps). Returns the number of steps done.
  uint64_t run(uint64_t steps, const std::atomic<bool>* interrupt = nullptr);
  // Steps needed to simulate `seconds` (rounded to the nearest step).
  uint64_t steps_for(double seconds) const;

  uint64_t step_index() const;
  double time() const;  // seconds simulated so far
  double dt() const;

  std::vector<PopulationStats> population_stats() const;

  // Direct access to a population's variables (SI values, one per neuron),
  // by population and variable name. Null when there is no such array: a
  // parameter that is the same for every neuron has been folded into the
  // code (rebuild with a new value instead).
  double* state_array(const std::string& population, const std::string& variable);
  double* param_array(const std::string& population, const std::string& variable);
  size_t population_size(const std::string& population) const;  // 0: none
  // A modulator's current value (SI), which the host may change between steps; null: none.
  double* modulator(const std::string& name);

  // Spikes the host adds: emitted at the end of the next step as if the
  // neurons had crossed threshold. Ids outside the population are ignored.
  void inject_spikes(const std::string& population, const std::vector<uint32_t>& ids);
  // Called after every step for each population that spiked in it.
  using SpikeListener =
      std::function<void(const std::string& population, const uint32_t* ids, size_t n, double t)>;
  void set_spike_listener(SpikeListener fn);

  // The whole dynamic state as bytes; restore() accepts only bytes from a
  // simulation of the same module (checked), and continues bit-identically.
  std::vector<uint8_t> snapshot() const;
  void restore(const std::vector<uint8_t>& bytes);  // throws SimulationError

  // Takes over the dynamic state of `old`, a simulation of a different
  // module of the same network (after a model was redefined or a parameter
  // changed): variables that keep their population, name and dimension are
  // copied; spikes in flight, refractory periods, recordings and the clock
  // carry over. Returns one line per thing that could not be carried over.
  std::vector<std::string> adopt_state(const Simulation& old);
  size_t synapse_count() const;
  // The value of a synapse variable (`w`) for every synapse of projection
  // `index` (in connect order), SI; empty when there is no such variable.
  std::vector<double> synapse_values(size_t index, const std::string& variable) const;
  std::vector<SpikeRecording> spike_recordings() const;
  // The same spikes without a copy (writers of long recordings): valid
  // until the simulation next steps, restores, adopts state or is destroyed.
  std::vector<SpikeView> spike_views() const;
  std::vector<StateRecording> state_recordings() const;

  // Dendritic segments of dendrite `index` (segment connects in circuit
  // order): cells ascending, each cell's segments oldest first, synapses in
  // the order the segment holds them.
  struct Segment {
    uint32_t cell = 0;
    std::vector<uint32_t> pre;
    std::vector<double> permanence;
  };
  size_t dendrite_count() const;
  std::vector<Segment> segments(size_t index) const;
  // Adds a segment to `cell` with synapses from presynaptic cells `pre` at the
  // given permanences (a warm start, or a test's fixture). It counts from the
  // next step's reduction on. Throws SimulationError for bad indices, a
  // permanence outside [0, 1], a repeated presynaptic cell or a full cell.
  void add_segment(size_t index, uint32_t cell, const std::vector<uint32_t>& pre,
                   const std::vector<double>& permanence);

  // Rate layers (`H = layer[80] { activation = elu }`, docs/language.md §9.11).
  // Values are column-major units × batch: column b is sample b of a
  // minibatch. Every step computes the layers over the current minibatch.
  // The input of a layer that no dense projection feeds, held until changed;
  // its batch size is the minibatch's. Throws SimulationError.
  void set_layer_input(const std::string& layer, const double* values, size_t batch);
  // Targets of a layer with a `learn` rule, for the next step only: that
  // step trains (backpropagation and one SGD update on the minibatch).
  void set_layer_targets(const std::string& layer, const double* values, size_t batch);
  // The layer's values computed by the last step (units × layer_batch()).
  std::vector<double> layer_output(const std::string& layer) const;
  size_t layer_batch() const;  // 0 when there are no layers
  // The batch-mean loss of the layer's last training step (NaN before one).
  double layer_loss(const std::string& layer) const;
  // The trained values, which the host may read and change between steps:
  // a layer's bias (one per unit) and the weights of dense projection
  // `index` (in connect order), row-major target × source: W[j][i] at j·n_src + i.
  double* layer_bias(const std::string& layer);
  double* dense_weights(size_t index);

  struct Engine;  // the interpreter's state, opaque outside interpreter/

 private:
  // Backends and tests reach the engine through interpreter/engine_state.h.
  friend struct SimulationAccess;
  explicit Simulation(std::unique_ptr<Engine> engine);
  std::unique_ptr<Engine> engine_;
};

}  // namespace neuro
