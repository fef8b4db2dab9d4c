// neuro::Engine: the embedding API over the compiler and the interpreter.
#include "neuro/engine.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "driver/driver.h"
#include "driver/output.h"
#include "frontend/units.h"
#include "interpreter/build_simulation.h"
#include "io/recording_files.h"
#include "ir/ir.h"
#include "neuro/sdr.h"
#include "neuro/simulation.h"

namespace neuro {

namespace {

using frontend::Code;

Diagnostic to_value(const frontend::Diagnostic& d, const frontend::SourceManager& sm) {
  Diagnostic out;
  out.code = frontend::code_id(d.code);
  out.severity = d.severity == frontend::Severity::Error ? "error" : "warning";
  if (d.range.valid() && d.range.file <= sm.size()) {
    out.file = sm.file(d.range.file).name;
    out.line = static_cast<int>(d.range.line);
    out.column = static_cast<int>(d.range.col) + 1;
    out.end_line = static_cast<int>(d.range.end_line);
    out.end_column = static_cast<int>(d.range.end_col) + 1;
  }
  out.message = d.message;
  out.hint = d.hint;
  out.rendered = frontend::render(d, sm);
  return out;
}

// "P.v" → ("P", "v").
bool split_target(std::string_view target, std::string& pop, std::string& var) {
  auto dot = target.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= target.size()) return false;
  pop = std::string(target.substr(0, dot));
  var = std::string(target.substr(dot + 1));
  return true;
}

}  // namespace

struct Engine::Impl {
  EngineConfig config;
  std::vector<Diagnostic> diags;
  // The loaded program: sources, AST and checked program live together.
  // Never null; loaded and checked without errors when `loaded` is set.
  std::unique_ptr<driver::Compiled> compiled;
  bool loaded = false;
  ir::RunOverrides overrides;
  std::shared_ptr<ir::Module> module;
  std::unique_ptr<Simulation> sim;
  Backend backend = Backend::Vm;
  unsigned threads = 1;
  std::map<int, std::pair<std::string, SpikeFn>> subscribers;
  int next_handle = 1;

  // A call the engine cannot honour: `neuro: error[CODE]: message`.
  Status usage(frontend::Code code, const std::string& message, const std::string& hint = {}) {
    take(frontend::placeless(code, message, hint));
    return Status::UsageError;
  }
  Status no_simulation() {
    return usage(Code::NotBuilt, "there is no simulation yet", "call build() first");
  }
  Status runtime(const SimulationError& e) {
    take(driver::diagnostic_of(e));
    return Status::RuntimeError;
  }
  void take(const frontend::Diagnostic& d) {
    diags.push_back(to_value(d, compiled->sources));
    if (config.on_diagnostic) config.on_diagnostic(diags.back());
  }
  void take(const frontend::Diagnostics& ds) {
    for (const auto& d : ds.list()) take(d);
  }
  // Modules the host supplies (config.load_module), then the stdlib.
  driver::Resolver resolver() const { return driver::with_stdlib(config.load_module); }
  // Replaces the program with what `how` loads (driver::load_file or _text).
  Status load(const std::function<std::unique_ptr<driver::Compiled>()>& how) {
    diags.clear();
    sim.reset();
    module.reset();
    overrides = {};
    compiled = how();
    take(compiled->diags);
    loaded = compiled->ok();
    return loaded ? Status::Ok : Status::CompileError;
  }
  // Lowers with the current overrides and builds a simulation; keeps the
  // old one's state when `carry` is set.
  Status rebuild(bool carry) {
    frontend::Diagnostics ds;
    ir::PipelineOptions opt;
    opt.overrides = overrides;
    auto shared = driver::lower(compiled->checked, opt, ds);
    take(ds);
    if (!shared) return Status::CompileError;
    if (shared->run.circuit.empty())
      return usage(Code::Missing, "the model has no circuit to build");
    try {
      auto fresh = build_simulation(shared);
      const auto report =
          use_backend(*fresh, backend, fresh->steps_for(shared->run.duration), threads);
      if (!report.notice.empty() && config.write) config.write(report.notice + "\n");
      if (carry && sim) {
        for (const auto& note : fresh->adopt_state(*sim))
          if (config.write) config.write(note + "\n");
      }
      sim = std::move(fresh);
      module = shared;
    } catch (const SimulationError& e) {
      return runtime(e);
    }
    install_listener();
    return Status::Ok;
  }
  void install_listener() {
    if (!sim) return;
    if (subscribers.empty()) {
      sim->set_spike_listener(nullptr);
      return;
    }
    sim->set_spike_listener(
        [this](const std::string& pop, const uint32_t* ids, size_t n, double t) {
          // A callback may unsubscribe (itself or others): call from a copy.
          auto subs = subscribers;
          for (auto& [h, sub] : subs)
            if (sub.first == pop && subscribers.count(h))
              sub.second(std::span<const uint32_t>(ids, n), t);
        });
  }
  // The unit a host asked for, checked against the variable's dimension.
  std::optional<double> scale(std::string_view unit, const frontend::Dimension& dim,
                              const std::string& what) {
    if (unit.empty()) return 1.0;
    auto u = frontend::lookup_unit(unit);
    if (!u) {
      usage(Code::UnknownUnit, fmt::format("`{}` is not a unit", unit),
            "use a unit symbol such as mV, ms, nS, nA");
      return std::nullopt;
    }
    if (u->dim != dim) {
      usage(Code::UnitMismatch,
            fmt::format("{} is {}, not {}", what, frontend::describe(dim),
                        frontend::describe(u->dim)),
            fmt::format("give it in {}", frontend::display_unit(dim).symbol));
      return std::nullopt;
    }
    return u->scale;
  }
  const ir::Variable* variable(const std::string& pop, const std::string& var, bool& is_param,
                               int& pop_index) {
    if (!module) return nullptr;
    for (size_t p = 0; p < module->pops.size(); ++p) {
      if (module->pops[p].name != pop || module->pops[p].kernel < 0) continue;
      pop_index = static_cast<int>(p);
      const ir::Kernel& k = module->kernels[module->pops[p].kernel];
      for (const auto& v : k.states)
        if (v.name == var) return is_param = false, &v;
      for (const auto& v : k.params)
        if (v.name == var) return is_param = true, &v;
    }
    return nullptr;
  }
};

Engine::Engine(EngineConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  if (!impl_->config.write)
    impl_->config.write = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
    };
  impl_->compiled = std::make_unique<driver::Compiled>();
}

Engine::~Engine() = default;

namespace {
driver::ConstOverrides overrides_of(const Engine::ConstantOverrides& constants) {
  driver::ConstOverrides out;
  for (const auto& [name, value] : constants) out.push_back({name, value});
  return out;
}
}  // namespace

Status Engine::load_file(const std::string& path, const ConstantOverrides& constants) {
  return impl_->load(
      [&] { return driver::load_file(path, impl_->resolver(), overrides_of(constants)); });
}

Status Engine::load_text(std::string_view text, const std::string& name,
                         const ConstantOverrides& constants) {
  return impl_->load([&] {
    return driver::load_text(name, std::string(text), impl_->resolver(), overrides_of(constants));
  });
}

const std::vector<Diagnostic>& Engine::diagnostics() const {
  return impl_->diags;
}

Status Engine::build(const BuildOptions& options) {
  impl_->diags.clear();
  if (!impl_->loaded)
    return impl_->usage(Code::NothingLoaded, "nothing is loaded",
                        "call load_file() or load_text() first");
  // Every option checked before any is kept: a refused build changes nothing.
  if (options.threads < 1 || options.threads > 256)
    return impl_->usage(Code::BadArgument, "threads must be from 1 to 256");
  if (options.dt && !driver::dt_problem(*options.dt).empty())
    return impl_->usage(Code::BadArgument, driver::dt_problem(*options.dt));
  if (options.duration && !(*options.duration > 0 && std::isfinite(*options.duration)))
    return impl_->usage(Code::BadArgument, "the duration must be a positive, finite time");
  if (options.dt) impl_->overrides.dt = *options.dt;
  if (options.seed) impl_->overrides.seed = *options.seed;
  if (options.duration) impl_->overrides.duration = *options.duration;
  impl_->backend = options.backend;
  impl_->threads = options.threads;
  impl_->sim.reset();
  return impl_->rebuild(false);
}

bool Engine::built() const {
  return impl_->sim != nullptr;
}

Status Engine::step(uint64_t steps) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  if (const std::string why = driver::steps_problem(impl_->sim->step_index(), steps); !why.empty())
    return impl_->usage(Code::BadArgument, why);
  try {
    impl_->sim->run(steps);
  } catch (const SimulationError& e) {
    return impl_->runtime(e);
  }
  return Status::Ok;
}

Status Engine::run(double seconds) {
  impl_->diags.clear();
  if (!(seconds >= 0) || !std::isfinite(seconds))
    return impl_->usage(Code::BadArgument, "run() needs a duration of zero or more seconds");
  if (!impl_->sim) return impl_->no_simulation();
  if (const std::string why = driver::duration_problem(seconds, impl_->sim->dt()); !why.empty())
    return impl_->usage(Code::BadArgument, why);
  return step(impl_->sim->steps_for(seconds));
}

Status Engine::run_to_end() {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  uint64_t total = impl_->sim->steps_for(impl_->module->run.duration);
  uint64_t done = impl_->sim->step_index();
  return step(total > done ? total - done : 0);
}

double Engine::time() const {
  return impl_->sim ? impl_->sim->time() : 0.0;
}
double Engine::dt() const {
  return impl_->sim ? impl_->sim->dt() : 0.0;
}
uint64_t Engine::step_index() const {
  return impl_->sim ? impl_->sim->step_index() : 0;
}

// What `P.v` in `unit` refers to: the checks shared by get() and set().
struct Engine::Target {
  std::string pop, var;
  const void* variable = nullptr;  // ir::Variable
  bool is_param = false;
  double scale = 1;
  size_t size = 0;
};

Status Engine::resolve(std::string_view target, std::string_view unit, Target& t) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  if (!split_target(target, t.pop, t.var))
    return impl_->usage(Code::BadArgument,
                        fmt::format("`{}` is not `population.variable`", target));
  int pi = -1;
  const ir::Variable* v = impl_->variable(t.pop, t.var, t.is_param, pi);
  if (!v)
    return impl_->usage(Code::UnknownName, fmt::format("there is no variable `{}`", target),
                        "see populations() and variables()");
  auto s = impl_->scale(unit, v->dim, fmt::format("`{}`", target));
  if (!s) return Status::UsageError;
  t.variable = v;
  t.scale = *s;
  t.size = impl_->sim->population_size(t.pop);
  return Status::Ok;
}

Status Engine::get(std::string_view target, std::string_view unit, std::vector<double>& values) {
  Target t;
  if (Status st = resolve(target, unit, t); st != Status::Ok) return st;
  const auto* v = static_cast<const ir::Variable*>(t.variable);
  const double* a =
      t.is_param ? impl_->sim->param_array(t.pop, t.var) : impl_->sim->state_array(t.pop, t.var);
  values.resize(t.size);
  for (size_t i = 0; i < t.size; ++i) values[i] = (a ? a[i] : v->value->value) / t.scale;
  return Status::Ok;
}

Status Engine::set(std::string_view target, std::string_view unit, std::span<const double> values) {
  Target t;
  if (Status st = resolve(target, unit, t); st != Status::Ok) return st;
  const size_t n = t.size;
  if (values.size() != 1 && values.size() != n)
    return impl_->usage(Code::BadArgument,
                        fmt::format("`{}` has {} neurons; give one value or {}", t.pop, n, n));
  double* a =
      t.is_param ? impl_->sim->param_array(t.pop, t.var) : impl_->sim->state_array(t.pop, t.var);
  if (a) {
    for (size_t i = 0; i < n; ++i) a[i] = values[values.size() == 1 ? 0 : i] * t.scale;
    return Status::Ok;
  }
  // A parameter folded into the population's code: rebuild with the new value.
  for (double x : values)
    if (x != values[0])
      return impl_->usage(
          Code::BadArgument,
          fmt::format("`{}` is the same for every neuron in this model; give one value", target),
          "or make it per-neuron in the population's initialiser");
  impl_->overrides.params[{t.pop, t.var}] = values[0] * t.scale;
  return impl_->rebuild(true);
}

Status Engine::set(std::string_view target, std::string_view unit, double value) {
  return set(target, unit, std::span<const double>(&value, 1));
}

// The current value of modulator `name`, and the scale of `unit` for it.
Status Engine::modulator(std::string_view name, std::string_view unit, double*& value,
                         double& scale) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  for (const auto& m : impl_->module->modulators) {
    if (m.name != name) continue;
    auto s = impl_->scale(unit, m.dim, fmt::format("`{}`", name));
    if (!s) return Status::UsageError;
    value = impl_->sim->modulator(m.name);
    scale = *s;
    return Status::Ok;
  }
  return impl_->usage(Code::UnknownName, fmt::format("there is no modulator `{}`", name),
                      "declare it with `modulator name = 0` in the model");
}

Status Engine::set_modulator(std::string_view name, std::string_view unit, double value) {
  double* slot = nullptr;
  double scale = 1;
  if (Status st = modulator(name, unit, slot, scale); st != Status::Ok) return st;
  *slot = value * scale;
  return Status::Ok;
}

Status Engine::get_modulator(std::string_view name, std::string_view unit, double& value) {
  double* slot = nullptr;
  double scale = 1;
  if (Status st = modulator(name, unit, slot, scale); st != Status::Ok) return st;
  value = *slot / scale;
  return Status::Ok;
}

Status Engine::inject_spikes(std::string_view population, std::span<const uint32_t> ids) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  std::string pop(population);
  size_t n = impl_->sim->population_size(pop);
  if (n == 0)
    return impl_->usage(Code::UnknownName, fmt::format("there is no population `{}`", pop));
  for (uint32_t id : ids)
    if (id >= n)
      return impl_->usage(Code::BadArgument,
                          fmt::format("neuron {} is outside `{}`, which has {}", id, pop, n));
  impl_->sim->inject_spikes(pop, std::vector<uint32_t>(ids.begin(), ids.end()));
  return Status::Ok;
}

Status Engine::inject_sdr(std::string_view population, const Sdr& sdr) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  size_t n = impl_->sim->population_size(std::string(population));
  if (n != 0 && n != sdr.size())
    return impl_->usage(Code::BadArgument,
                        fmt::format("an SDR of {} bits cannot drive `{}`, which has {} neurons",
                                    sdr.size(), population, n),
                        "encode into as many bits as the population has neurons");
  return inject_spikes(population, sdr.active());
}

int Engine::subscribe_spikes(std::string_view population, SpikeFn fn) {
  if (!fn) return -1;
  int h = impl_->next_handle++;
  impl_->subscribers[h] = {std::string(population), std::move(fn)};
  impl_->install_listener();
  return h;
}

void Engine::unsubscribe(int handle) {
  impl_->subscribers.erase(handle);
  impl_->install_listener();
}

Status Engine::spikes(std::string_view population, std::vector<uint32_t>& ids,
                      std::vector<double>& times) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  ids.clear();
  times.clear();
  bool found = false;
  for (auto& r : impl_->sim->spike_recordings())
    if (r.population == population) {
      found = true;
      ids.insert(ids.end(), r.ids.begin(), r.ids.end());
      times.insert(times.end(), r.times.begin(), r.times.end());
    }
  if (!found)
    return impl_->usage(Code::NotRecorded,
                        fmt::format("spikes of `{}` are not recorded", population),
                        fmt::format("add `record spikes of {}` to the circuit", population));
  return Status::Ok;
}

Status Engine::trace(std::string_view target, std::string_view unit, std::vector<double>& times,
                     std::vector<uint32_t>& ids, std::vector<double>& values) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  std::string pop, var;
  if (!split_target(target, pop, var))
    return impl_->usage(Code::BadArgument,
                        fmt::format("`{}` is not `population.variable`", target));
  for (auto& r : impl_->sim->state_recordings()) {
    if (r.population != pop || r.variable != var) continue;
    auto u = unit.empty() ? std::optional<frontend::Unit>(frontend::Unit{"", 1, {}})
                          : frontend::lookup_unit(unit);
    if (!u) return impl_->usage(Code::UnknownUnit, fmt::format("`{}` is not a unit", unit));
    auto disp = frontend::lookup_unit(r.unit);
    // Recordings carry their display unit; compare dimensions through it.
    if (!unit.empty() && r.unit != "1" && disp && disp->dim != u->dim)
      return impl_->usage(
          Code::UnitMismatch,
          fmt::format("`{}` is recorded in {}, which cannot be given in {}", target, r.unit, unit));
    times = r.times;
    ids = r.ids;
    values = r.values;
    for (double& x : values) x /= u->scale;
    return Status::Ok;
  }
  return impl_->usage(Code::NotRecorded, fmt::format("`{}` is not recorded", target),
                      fmt::format("add `record {} of {}` to the circuit", var, pop));
}

Status Engine::save(const std::string& dir, std::string_view format) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  auto f = io::parse_format(std::string(format));
  if (!f)
    return impl_->usage(Code::BadArgument, fmt::format("unknown format `{}`", format),
                        "use \"csv\" or \"npy\"");
  std::string error;
  io::write_recordings(driver::recordings_of(*impl_->sim), dir, *f, error);
  if (!error.empty()) return impl_->usage(Code::Io, error);
  return Status::Ok;
}

Status Engine::plot(const std::string& dir) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  std::string error;
  io::write_plots(driver::recordings_of(*impl_->sim), dir, error);
  driver::write_weight_plots(*impl_->sim, dir, error);
  if (!error.empty()) return impl_->usage(Code::Io, error);
  return Status::Ok;
}

std::vector<std::string> Engine::populations() const {
  std::vector<std::string> out;
  if (impl_->module)
    for (const auto& p : impl_->module->pops) out.push_back(p.name);
  return out;
}

std::vector<std::string> Engine::variables(std::string_view population) const {
  std::vector<std::string> out;
  if (!impl_->module) return out;
  for (const auto& p : impl_->module->pops) {
    if (p.name != population || p.kernel < 0) continue;
    const ir::Kernel& k = impl_->module->kernels[p.kernel];
    for (const auto& v : k.states) out.push_back(v.name);
    for (const auto& v : k.params) out.push_back(v.name);
  }
  return out;
}

Status Engine::snapshot(Snapshot& out) const {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  out.bytes = impl_->sim->snapshot();
  return Status::Ok;
}

Status Engine::restore(const Snapshot& snap) {
  impl_->diags.clear();
  if (!impl_->sim) return impl_->no_simulation();
  try {
    impl_->sim->restore(snap.bytes);
  } catch (const SimulationError& e) {
    return impl_->usage(Code::BadArgument, e.what());
  }
  return Status::Ok;
}

Simulation* Engine::simulation() {
  return impl_->sim.get();
}

}  // namespace neuro
