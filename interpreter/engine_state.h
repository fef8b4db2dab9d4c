// The interpreter's data and step scheduler (private to interpreter/).
//
// One step, the same in every backend (docs/semantics.md):
//   1. deliver the spikes due now and run `on pre` handlers
//   2. drives write their targets
//   3. integrate every population over dt (sources draw their spikes)
//   4. detect threshold crossings of neurons that are not refractory
//   5. run resets and start refractory periods
//   6. record the step's spikes in the history the delays read from
//   7. recorders sample
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "interpreter/block_log.h"
#include "interpreter/connectivity.h"
#include "interpreter/segment_store.h"
#include "interpreter/staggered.h"
#include "interpreter/step_pool.h"
#include "interpreter/stepper.h"
#include "interpreter/synapse_delays.h"
#include "interpreter/vm.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace neuro {

using interp::Csr;
using interp::Program;

struct PopState {
  const ir::Population* pop = nullptr;
  const ir::Kernel* kernel = nullptr;  // null for sources
  size_t n = 0;
  std::vector<NeuronArray> params;  // per-neuron parameters (empty when uniform)
  std::vector<NeuronArray> states;
  std::vector<NeuronArray> seg_agg;     // per segment collection × ir::SegmentField
  std::vector<NeuronArray> group_vals;  // per group reduction: its value at each neuron
  std::vector<int64_t> ref_end;         // first step at which the neuron is no longer refractory
  std::vector<int64_t> ref_steps;       // refractory steps per neuron (size 1 when uniform)
  int64_t max_ref_steps = 0;

  // Integration: the loop-level step (ir.h, PopStep) runs behind `stepper`
  // (interpreter/step_ir.cpp, or the JIT's code); rk45's substeps here.
  std::optional<Program> rhs;                          // RK45: derivatives into `kbuf` from `stage`
  std::vector<NeuronArray> stage, kbuf, rk_acc, rk_k;  // RK45 buffers
  std::vector<char> ode_clamped;                       // per ODE: unless refractory
  std::vector<char> refractory;                        // RK45: refractory flag per neuron
  std::vector<double> atol;                            // RK45: absolute tolerance per equation
  std::vector<double> cond;  // a general spike condition's value per neuron

  // Spikes.
  std::optional<Program> reset;
  std::optional<Program> rate;  // Poisson
  std::vector<double> rate_buf;
  uint64_t poisson_key = 0;
  // Poisson with a constant rate: the step of each neuron's next spike and
  // how many intervals it has drawn (the random-number counter).
  std::vector<int64_t> next_spike;
  std::vector<uint64_t> draws;
  double log1mp = 0;      // log(1 − rate·dt)
  size_t gen_cursor = 0;  // Generator: next spike to emit

  // Selections (`select P by …`): winners spike each step.
  struct SelectState {
    const ir::Selection* sel = nullptr;
    std::optional<Program> score;
    NeuronArray buf;
    uint64_t key = 0;
    std::vector<uint32_t> order;  // work space
  };
  std::vector<SelectState> selects;

  std::vector<uint32_t> spikes;                // this step's spikes (population indices)
  std::vector<uint32_t> injected;              // spikes the host asked for, emitted next step
  std::vector<std::vector<uint32_t>> history;  // spikes of recent steps, slot (step+1) % size
  uint64_t spike_count = 0;

  // The code of this population's step (interpreter/stepper.h): the
  // interpreter's run of its step IR, or a backend's; null for sources.
  std::shared_ptr<interp::PopStepper> stepper;
};

// The interpreter's stepper for a neuron population (interpreter/step_ir.cpp):
// `make` gives a program bound to the population's arrays, `substeps` runs
// rk45 (StepLoop::Substeps).
std::shared_ptr<interp::PopStepper> make_step_ir_stepper(PopState& ps,
                                                         const std::function<Program()>& make,
                                                         std::function<void()> substeps);

// A run-time problem pointing at the model text it comes from.
SimulationError located(const frontend::SourceRange& r, const std::string& message);

// A neuron variable of `ps` for compiled code: an array indexed by the lane
// (from `offset`) or through index list `list`.
interp::Binding neuron_binding(PopState& ps, ir::Space space, int slot, size_t offset = 0,
                               int list = -1);

struct ProjState {
  const ir::Projection* proj = nullptr;
  int src = 0, dst = 0;
  Csr csr;
  std::vector<std::vector<double>> vars;    // per-synapse arrays (empty when shared)
  std::vector<double> shared;               // value of each shared variable
  int64_t delay_steps = 0;                  // uniform delay
  interp::SynapseDelays syn_delay;          // per-synapse delays (empty when uniform)
  std::vector<std::vector<uint32_t>> ring;  // per-synapse delays: synapses due at step % size
  // Native scatter-add: target arrays and weights.
  struct Scatter {
    double* target;
    const double* w;  // per synapse, or null
    double w_shared;
    double sign;
    bool held;  // skipped where the target is refractory (ir::ScatterAdd::held)
  };
  std::vector<Scatter> scatter;
  // The program of each event loop (ir.h, EventLoop) with statements.
  std::vector<std::optional<Program>> on_pre, on_post;
  // Event-driven traces, decayed in place to the time of each event.
  struct TraceState {
    std::vector<double> value, last;  // last: the time (s) `value` refers to
    int list = 0;                     // indexed by 0: synapse, 1: pre neuron, 2: post neuron
    double tau = 0;
    bool scaled = false;          // stored scaled (ir::trace_scaled); read through scratch
    std::vector<double> scratch;  // scaled: the values at the current event time
    std::vector<double> table;  // scaled: exp(−k·dt/τ), exp(k·dt/τ) for k = 0 … kTraceBlock
  };
  std::vector<TraceState> traces;
  std::vector<double> trace_g;  // per trace: g and 1/g-factor at the current event time
  // Incoming synapses of each target neuron (for `on post`): slice-relative.
  std::vector<uint64_t> post_ptr;
  std::vector<uint32_t> post_syn;
  // The row (slice-relative source) of synapse s without a binary search:
  // row_block[s / 64] is the row of synapse 64·(s / 64); s's is a step or
  // two further. 1/16 byte per synapse, against 4 for a table of rows.
  std::vector<uint32_t> row_block;
  uint32_t row_of(uint64_t s) const {
    uint32_t r = row_block[s >> 6];
    r += csr.row[r + 1] <= s;  // the usual one step without a branch
    while (csr.row[r + 1] <= s) ++r;
    return r;
  }
  std::vector<uint32_t> batch_syn, batch_pre, batch_post, spikers;
  // Delivery over threads (interpreter/threads.cpp; empty: one thread).
  // Part k owns the targets [part_bound[k], part_bound[k+1]); a row is
  // sorted by target, so its synapses onto them are the offsets
  // part_split[r·(P+1) + k] … [r·(P+1) + k + 1] from row[r] (P parts).
  std::vector<uint32_t> part_bound, part_split;
  unsigned parts() const { return part_bound.empty() ? 0 : unsigned(part_bound.size() - 1); }
  // A backend's code for `on pre` delivery and `on post` events
  // (interpreter/stepper.h); null: the interpreter's path.
  std::shared_ptr<interp::ProjStepper> stepper;
};

struct MonitorState {
  const ir::Monitor* mon = nullptr;
  int64_t every_steps = 1;
  int64_t from_step = 0;  // `from`: nothing recorded before this stamp
  // Variables are sampled at `from` and every interval after it.
  bool samples_at(int64_t stamp) const {
    return stamp >= from_step && (stamp - from_step) % every_steps == 0;
  }
  // Recorded spikes: the ids, and per step with spikes its stamp (time =
  // stamp · dt) and the end of its ids; 4 bytes a spike (SpikeView).
  interp::BlockLog<uint32_t, SpikeView::kIdBlock> spike_ids;
  interp::BlockLog<SpikeRun, SpikeView::kRunBlock> spike_runs;
  std::vector<Program> probes;
  std::vector<std::vector<double>> probe_buf;
  std::vector<int64_t> sample_steps;
  std::vector<std::vector<double>> samples;  // per probe: rows of slice size
};

struct DriveState {
  const ir::Drive* drive = nullptr;
  std::optional<Program> prog;
};

// A dendrite at run time (interpreter/segments.cpp). Counts are those of the
// last reduction, made at the end of the previous step from the presynaptic
// cells that spiked in it.
struct DendriteState {
  const ir::Dendrite* d = nullptr;
  size_t index = 0;
  interp::SegmentStore store;
  std::vector<uint32_t> conn, pot;      // per segment id
  std::vector<uint32_t> touched;        // segments with an active synapse
  std::vector<uint32_t> touched_cells;  // their cells
  std::vector<int64_t> best;            // per cell: best matching segment, -1: none
  std::vector<uint32_t> active;         // presynaptic cells of the last reduction
  std::vector<uint8_t> active_flag, post_flag;
  std::vector<uint32_t> candidates;  // cells new synapses may come from
  std::vector<uint32_t> mark;        // per presynaptic cell: a stamp (membership tests)
  uint32_t stamp = 0;
  std::optional<Program> seg_prog, cell_prog, cand_prog;
  std::vector<std::vector<double>> vals;               // per ir::SegVarSlot, one per lane
  std::vector<std::vector<double>> seg_out, cell_out;  // per action: guard, a, b
  std::vector<double> cand_buf;
  std::vector<uint32_t> lane_cell, lane_seg, work;
  std::vector<std::pair<double, uint32_t>> order;
  uint64_t key = 0;
};

struct RateNet;  // rate layers (rate_layers.h)

struct Simulation::Engine {
  std::shared_ptr<const ir::Module> mod;
  std::shared_ptr<DistributedContext> ctx;
  std::vector<PopState> pops;
  std::vector<ProjState> projs;
  std::vector<MonitorState> monitors;
  std::vector<DriveState> drives;
  std::vector<DendriteState> dendrites;
  std::shared_ptr<RateNet> rate;   // null when the circuit has no rate layers
  std::vector<double> modulators;  // current values, SI (sized once: programs point into it)
  int64_t step = 0;                // steps done
  size_t history_len = 1;
  uint64_t memory_avail = 0;  // at build (memory_available), for the size checks
  // The thread team (`--threads N`; null: one thread), shared with a
  // backend's steppers. set_threads (interpreter/threads.cpp) makes it and
  // splits the deliveries it can; it returns how many projections it split.
  std::shared_ptr<interp::StepPool> pool;
  size_t set_threads(unsigned threads);

  void build();
  void build_population(PopState& ps, size_t index);
  int64_t next_poisson(PopState& ps, size_t i, int64_t after);
  [[noreturn]] void rate_too_high(const PopState& p, size_t i) const;
  void build_projection(ProjState& ps, size_t index);
  void build_monitor(MonitorState& ms);
  void one_step();
  void deliver(ProjState& p);
  template <class DueRows, class ForDue>
  void scatter_add(ProjState& p, const DueRows& due_rows, const ForDue& for_due);
  template <class DueRows>
  void scatter_parts(ProjState& p, const DueRows& due_rows);
  void post_events(ProjState& p);
  // Runs a per-synapse handler over the batch, in chunks (or one by one).
  void run_batch(ProjState& p, const ir::EventLoop& loop, Program& prog, double t);
  // Runs the trace updates moved out of a handler once for each neuron in
  // `spikers`, the spiking neurons of side `list` (1: pre, 2: post).
  void run_per_neuron(ProjState& p, const ir::EventLoop& loop, Program& prog, int list, double t);
  // The traces `which` of the lanes (by list: synapse, pre, post ids) brought to time t.
  void decay_traces(ProjState& p, const std::vector<int>& which, const uint32_t* idx0,
                    const uint32_t* idx1, const uint32_t* idx2, size_t n, double t);
  void set_trace_g(ProjState& p, int64_t k);
  void renormalise_traces();
  void integrate(PopState& p);
  void integrate_rk45(PopState& p);
  void detect(PopState& p);
  void select_winners(PopState& p);
  // Dendrites (segments.cpp): learning, candidates and the reduction, once per step.
  void build_dendrite(DendriteState& ds, size_t index);
  void dendrite_step(DendriteState& ds);
  void reduce_segments(DendriteState& ds);
  void adapt_segment(DendriteState& ds, uint32_t seg, double inc, double dec);
  void grow_segment(DendriteState& ds, uint32_t seg, double count, double perm);
  void create_segment(DendriteState& ds, uint32_t cell, double count, double perm);
  void destroy_segment(DendriteState& ds, uint32_t seg);
  void sample(MonitorState& m, int64_t stamp);
  // Makes each population's `spikes` visible at time stamp·dt: the delay
  // history, per-synapse delay queues, recorders and host listeners.
  void publish(int64_t stamp);
  std::function<void(size_t pop, const uint32_t* ids, size_t n, double t)> listener;
  std::vector<uint64_t> site_keys(uint64_t owner, uint64_t kind) const;
  interp::Lanes lanes(size_t n, uint32_t base, uint64_t counter) const;
  double t_now() const { return static_cast<double>(step) * mod->run.dt; }
};

// The engine behind a Simulation, for what plugs into its step (jit/, behind
// interpreter/stepper.h) and for tests; hosts never see it.
struct SimulationAccess {
  static std::unique_ptr<Simulation> make(std::unique_ptr<Simulation::Engine> e) {
    return std::unique_ptr<Simulation>(new Simulation(std::move(e)));
  }
  static Simulation::Engine& engine(Simulation& s) { return *s.engine_; }
  static const Simulation::Engine& engine(const Simulation& s) { return *s.engine_; }
};

}  // namespace neuro
