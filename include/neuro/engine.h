// The embedding API: a host program loads model text, builds a simulation
// and drives it, reading and writing state in physical units.
//
// Modelled on Wren's and Lua's embedding APIs: no global state (every
// Engine is independent), one config struct of host callbacks, calls that
// report a Status instead of throwing, diagnostics as values.
//
//   neuro::Engine engine;
//   if (engine.load_file("model.neuro") != neuro::Status::Ok) { ... engine.diagnostics() ... }
//   engine.build();
//   engine.run(0.1);                        // seconds
//   std::vector<double> v;
//   engine.get("P.v", "mV", v);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neuro/backend.h"

namespace neuro {

class Simulation;
class Sdr;

// A problem in model text (or in a call), as a value.
struct Diagnostic {
  std::string code;                  // stable: "E0200"
  std::string severity;              // "error" or "warning"
  std::string file;                  // as given to load_file / load_text; empty for call errors
  int line = 0, column = 0;          // 1-based; 0 when there is no position
  int end_line = 0, end_column = 0;  // exclusive end
  std::string message;
  std::string hint;
  std::string rendered;  // `file:line:col: error[CODE]: message`, source line, underline, hint
};

enum class Status {
  Ok = 0,
  CompileError,  // the model text has errors: see diagnostics()
  RuntimeError,  // building or running failed (a rule that cannot be met…)
  UsageError,    // a call the engine cannot honour: unknown name, wrong unit, no simulation yet…
};

struct EngineConfig {
  // Text the engine prints (notices); default: stdout.
  std::function<void(std::string_view)> write;
  // Called once per diagnostic as it is produced; default: nothing (read
  // them from diagnostics()).
  std::function<void(const Diagnostic&)> on_diagnostic;
  // Resolves `import name.dotted` before the standard library is searched;
  // return nullopt to fall through.
  std::function<std::optional<std::string>(std::string_view name)> load_module;
};

struct BuildOptions {
  std::optional<double> dt;        // seconds; default: the run statement's, else 0.1 ms
  std::optional<uint64_t> seed;    // default: the run statement's, else 0
  std::optional<double> duration;  // seconds; what run_to_end() simulates
  // vm: the interpreter; jit: generated, compiled code (falls back to the
  // interpreter with a notice through EngineConfig::write when no compiler
  // works); auto: jit when the run is long enough to repay the compile.
  // Same results on every backend (docs/jit.md).
  Backend backend = Backend::Vm;
  // Large scatter-add deliveries (both backends) and, with the JIT, the
  // updates of populations of 16384 neurons or more are split over this
  // many threads (same results as one; docs/jit.md, "Threads").
  unsigned threads = 1;
};

// The whole dynamic state of a simulation, for restore().
struct Snapshot {
  std::vector<uint8_t> bytes;
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Constants given new values at load, as `neuro run --set NAME=VALUE`
  // does: {{"n_exc", "800"}, {"tau", "10 ms"}} (docs/language.md §13).
  using ConstantOverrides = std::vector<std::pair<std::string, std::string>>;

  // Loads a model file and what it imports, with `constants` set, and
  // checks it. Replaces any model loaded before (and drops its simulation).
  Status load_file(const std::string& path, const ConstantOverrides& constants = {});
  // The same for text held by the host; `name` appears in diagnostics.
  Status load_text(std::string_view text, const std::string& name = "<text>",
                   const ConstantOverrides& constants = {});
  // Diagnostics of the last call (load, build or a failed get/set…).
  const std::vector<Diagnostic>& diagnostics() const;

  // Builds the simulation of the loaded model's run statement (or its only
  // circuit). Connectivity and initial values are drawn from the seed.
  Status build(const BuildOptions& options = {});
  bool built() const;

  // Advances by `seconds` of simulated time (rounded to whole steps), or by
  // `steps` steps.
  Status run(double seconds);
  Status step(uint64_t steps = 1);
  // Runs the duration of the model's run statement from the start.
  Status run_to_end();
  double time() const;  // seconds simulated
  double dt() const;
  uint64_t step_index() const;

  // Reads a variable of every neuron of a population (`"P.v"`), converted
  // to `unit` ("mV", "nS"…). The unit must have the variable's dimension;
  // "" reads SI values. Parameters that are the same for every neuron read
  // as that value for each neuron.
  Status get(std::string_view target, std::string_view unit, std::vector<double>& values);
  // Sets a state or parameter, for every neuron (one value) or each neuron
  // (one value per neuron), given in `unit`. Setting a shared parameter
  // rebuilds the population's kernel with the new value and keeps every
  // state variable, spike in flight and recording.
  Status set(std::string_view target, std::string_view unit, std::span<const double> values);
  Status set(std::string_view target, std::string_view unit, double value);

  // Sets or reads a modulator (a third factor, `modulator dopamine = 0` in
  // the model) in `unit`; it keeps its value until set again or driven.
  Status set_modulator(std::string_view name, std::string_view unit, double value);
  Status get_modulator(std::string_view name, std::string_view unit, double& value);

  // Makes neurons of a population emit a spike at the end of the next step,
  // as if they had crossed threshold (delivery, recordings and callbacks as usual).
  Status inject_spikes(std::string_view population, std::span<const uint32_t> ids);
  // The same for the active bits of an SDR (neuro/sdr.h): bit i is neuron i,
  // and the SDR's size must be the population's.
  Status inject_sdr(std::string_view population, const Sdr& sdr);

  // Calls `fn` after every step in which the population spiked, with the
  // spiking neurons' indices and the spike time (seconds). Returns a handle
  // for unsubscribe(), or -1 on error. A callback may unsubscribe; it must
  // not load, build or run the engine it is called from.
  using SpikeFn = std::function<void(std::span<const uint32_t> ids, double time)>;
  int subscribe_spikes(std::string_view population, SpikeFn fn);
  void unsubscribe(int handle);

  // Recorded spikes of a population (from `record spikes of …`).
  Status spikes(std::string_view population, std::vector<uint32_t>& ids,
                std::vector<double>& times);
  // A recorded variable: times (s), neuron ids and values (row per sample) in `unit`.
  Status trace(std::string_view target, std::string_view unit, std::vector<double>& times,
               std::vector<uint32_t>& ids, std::vector<double>& values);

  // Writes the recordings into `dir` as CSV (`format` "csv") or NPY ("npy"),
  // or as SVG plots (raster, rate and traces; see docs/plots.md).
  Status save(const std::string& dir, std::string_view format = "csv");
  Status plot(const std::string& dir);

  // Names of populations and their variables, for hosts that explore a model.
  std::vector<std::string> populations() const;
  std::vector<std::string> variables(std::string_view population) const;

  // The whole dynamic state; restore() accepts only snapshots of the same
  // built model (same text, seed and dt), and continues bit-identically.
  Status snapshot(Snapshot& out) const;
  Status restore(const Snapshot& snap);

  // The simulation itself, for what the API above does not cover (null before build()).
  Simulation* simulation();

 private:
  struct Impl;
  struct Target;
  Status resolve(std::string_view target, std::string_view unit, Target& t);
  Status modulator(std::string_view name, std::string_view unit, double*& value, double& scale);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuro
