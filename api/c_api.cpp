// The C embedding API (include/neuro/neuro.h) over neuro::Engine.
//
// Handles: a neuro_engine* is never a pointer to memory. It encodes a slot
// index and that slot's generation; the slot table lives behind a mutex.
// neuro_free() bumps the slot's generation, so a stale handle no longer
// matches and every call answers NEURO_INVALID_HANDLE instead of touching
// freed memory. Slots whose generation would wrap are retired, not reused.
//
// Every entry point runs inside guarded(): it catches every exception, turns
// it into a result code and sets the thread's last error message.
#include "neuro/neuro.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "frontend/diagnostics.h"
#include "neuro/encoders.h"
#include "neuro/engine.h"
#include "neuro/sdr.h"
#include "neuro/simulation.h"

namespace {

using neuro::Engine;
using neuro::Status;
using neuro::frontend::Code;

thread_local std::string t_last_error;

struct Subscription {
  std::string population;
  neuro_spike_fn fn = nullptr;
  void* user = nullptr;
  int cpp_handle = -1;  // the Engine's
  bool active = true;   // false once unsubscribed (possibly not yet removed)
};

// What the C layer keeps per engine besides the Engine itself.
struct CEngine {
  neuro_config config{};
  std::unique_ptr<Engine> engine;
  int depth = 0;          // calls in progress on this engine (> 1: from a callback)
  bool released = false;  // neuro_free() ran while a call was in progress
  std::map<int, std::unique_ptr<Subscription>> subs;
  int next_sub = 1;
  std::vector<int> pending_unsubscribe;  // C handles to remove once depth is 0
  // Engine-owned output arrays.
  std::vector<uint32_t> spike_ids;
  std::vector<double> spike_times;
  std::vector<double> trace_times, trace_values;
  std::vector<uint32_t> trace_ids;
  std::vector<std::string> pop_names, var_names;
  std::vector<const char*> pop_ptrs, var_ptrs;
};

// ---- the handle table --------------------------------------------------

constexpr unsigned kIndexBits = sizeof(uintptr_t) >= 8 ? 24 : 12;
constexpr uintptr_t kIndexMask = (uintptr_t(1) << kIndexBits) - 1;
// Generations use the bits above the index, leaving the top bit clear.
constexpr uintptr_t kMaxGeneration = (~uintptr_t(0) >> 1) >> kIndexBits;

struct Slot {
  uintptr_t generation = 1;
  bool live = false;
  std::unique_ptr<CEngine> engine;
};

std::mutex g_mutex;
std::deque<Slot> g_slots;  // deque: references stay valid as it grows
std::vector<size_t> g_free;

neuro_engine* encode(size_t index, uintptr_t generation) {
  return reinterpret_cast<neuro_engine*>((generation << kIndexBits) |
                                         static_cast<uintptr_t>(index + 1));
}

// The slot a handle names, or null when it is not a live engine's.
Slot* find_slot(neuro_engine* handle, size_t* index_out) {
  auto bits = reinterpret_cast<uintptr_t>(handle);
  uintptr_t index1 = bits & kIndexMask;
  if (index1 == 0 || index1 > g_slots.size()) return nullptr;
  Slot& s = g_slots[index1 - 1];
  if (!s.live || (bits >> kIndexBits) != s.generation) return nullptr;
  if (index_out) *index_out = index1 - 1;
  return &s;
}

// Makes the slot available again, unless its generations are used up.
void recycle(size_t index) {
  Slot& s = g_slots[index];
  s.live = false;
  if (s.generation < kMaxGeneration) {
    ++s.generation;
    g_free.push_back(index);
  }
}

// The last error is one line: the first of the rendered diagnostic.
void set_error_line(const std::string& rendered) {
  t_last_error = rendered.substr(0, rendered.find('\n'));
}

void set_error(Code code, const std::string& message) {
  set_error_line(neuro::frontend::render(neuro::frontend::placeless(code, message)));
}

// The one-line reason of a failed Engine call: the first error diagnostic.
void set_error_from(const Engine& e, Status st) {
  for (const auto& d : e.diagnostics()) {
    if (d.severity != "error") continue;
    set_error_line(d.rendered);
    return;
  }
  set_error_line(st == Status::CompileError ? "the model has errors" : "the call failed");
}

neuro_result to_result(Status st) {
  switch (st) {
    case Status::Ok:
      return NEURO_OK;
    case Status::CompileError:
      return NEURO_COMPILE_ERROR;
    case Status::RuntimeError:
      return NEURO_RUNTIME_ERROR;
    case Status::UsageError:
      return NEURO_USAGE_ERROR;
  }
  return NEURO_INTERNAL_ERROR;
}

// A call the engine cannot honour (NEURO_USAGE_ERROR), thrown to guarded().
struct UsageError {
  Code code;
  std::string message;
};

[[noreturn]] void usage(Code code, std::string message) {
  throw UsageError{code, std::move(message)};
}

template <class P>
void need(P p, const char* what) {
  if (!p) usage(Code::MissingArgument, fmt::format("`{}` is NULL", what));
}

// Pending removals happen when no call is in progress on the engine, so the
// Engine's subscriber list never changes under its own iteration.
void flush_unsubscribes(CEngine& ce) {
  for (int h : ce.pending_unsubscribe) {
    auto it = ce.subs.find(h);
    if (it == ce.subs.end()) continue;
    ce.engine->unsubscribe(it->second->cpp_handle);
    ce.subs.erase(it);
  }
  ce.pending_unsubscribe.clear();
}

// Holds an engine for the length of one call: counts the nesting depth and
// finishes a neuro_free() made from a callback once the outer call is done.
class Hold {
 public:
  explicit Hold(neuro_engine* handle) {
    std::lock_guard<std::mutex> lock(g_mutex);
    Slot* s = find_slot(handle, &index_);
    if (!s || !s->engine) return;
    ce_ = s->engine.get();
    ++ce_->depth;
  }
  ~Hold() {
    if (!ce_) return;
    std::unique_ptr<CEngine> dead;
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      if (--ce_->depth > 0) return;
      if (ce_->released) {
        dead = std::move(g_slots[index_].engine);
        recycle(index_);
      }
    }
    if (dead) return;  // destroyed here, outside the lock
    try {
      flush_unsubscribes(*ce_);
    } catch (...) {
    }
  }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  CEngine* get() const { return ce_; }
  bool nested() const { return ce_ && ce_->depth > 1; }

 private:
  CEngine* ce_ = nullptr;
  size_t index_ = 0;
};

// The exception being handled as a result code, with the thread's last
// error set: a caller's mistake, a bad SDR request, memory, or our bug.
neuro_result current_error() {
  try {
    throw;
  } catch (const UsageError& e) {
    set_error(e.code, e.message);
    return NEURO_USAGE_ERROR;
  } catch (const neuro::SdrError& e) {
    set_error(Code::BadArgument, e.what());
    return NEURO_USAGE_ERROR;
  } catch (const std::bad_alloc&) {
    set_error(Code::Exhausted, "out of memory");
    return NEURO_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_error_line(fmt::format("neuro: internal error: {}", e.what()));
    return NEURO_INTERNAL_ERROR;
  } catch (...) {
    set_error_line("neuro: internal error: unknown exception");
    return NEURO_INTERNAL_ERROR;
  }
}

// Runs `body` for a live engine: every exception becomes a result code, and
// the thread's last error is set ("" on success).
template <class F>
neuro_result guarded(neuro_engine* handle, F&& body) {
  try {
    Hold hold(handle);
    if (!hold.get()) {
      set_error(Code::InvalidHandle,
                handle ? "invalid engine handle (never created, or already released by neuro_free)"
                       : "the engine handle is NULL");
      return NEURO_INVALID_HANDLE;
    }
    neuro_result r = body(*hold.get(), hold.nested());
    if (r == NEURO_OK) t_last_error.clear();
    return r;
  } catch (...) {
    return current_error();
  }
}

// guarded() for the functions that need no engine (the SDR encoders).
template <class F>
neuro_result guarded_pure(F&& body) {
  try {
    neuro_result r = body();
    if (r == NEURO_OK) t_last_error.clear();
    return r;
  } catch (...) {
    return current_error();
  }
}

// Copies an SDR's active bits into a caller buffer (see neuro.h).
neuro_result write_ids(const neuro::Sdr& sdr, uint32_t* ids, size_t capacity, size_t* count) {
  need(count, "count");
  *count = sdr.count();
  if (!ids) return NEURO_OK;
  if (capacity < sdr.count()) {
    set_error(Code::BufferTooSmall, fmt::format("the SDR has {} active bits; the buffer holds {}",
                                                sdr.count(), capacity));
    return NEURO_BUFFER_TOO_SMALL;
  }
  std::copy(sdr.active().begin(), sdr.active().end(), ids);
  return NEURO_OK;
}

// The result of an Engine call, with the last error set on failure.
neuro_result check(const Engine& e, Status st) {
  if (st != Status::Ok) set_error_from(e, st);
  return to_result(st);
}

void not_nested(bool nested, const char* fn) {
  if (nested)
    usage(Code::InCallback,
          fmt::format("{}() cannot be called from inside a callback of the same engine", fn));
}

// The C view of a diagnostic; strings point into `d`.
neuro_diagnostic view(const neuro::Diagnostic& d) {
  neuro_diagnostic out;
  out.code = d.code.c_str();
  out.severity = d.severity.c_str();
  out.file = d.file.c_str();
  out.line = d.line;
  out.column = d.column;
  out.end_line = d.end_line;
  out.end_column = d.end_column;
  out.message = d.message.c_str();
  out.hint = d.hint.c_str();
  out.rendered = d.rendered.c_str();
  return out;
}

neuro::EngineConfig cpp_config(const neuro_config& c) {
  neuro::EngineConfig cfg;
  if (c.write) {
    auto fn = c.write;
    void* user = c.user;
    cfg.write = [fn, user](std::string_view text) { fn(user, std::string(text).c_str()); };
  } else {
    cfg.write = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
  }
  if (c.diagnostic) {
    auto fn = c.diagnostic;
    void* user = c.user;
    cfg.on_diagnostic = [fn, user](const neuro::Diagnostic& d) {
      neuro_diagnostic v = view(d);
      fn(user, &v);
    };
  }
  if (c.load_module) {
    auto fn = c.load_module;
    void* user = c.user;
    cfg.load_module = [fn, user](std::string_view name) -> std::optional<std::string> {
      char* text = fn(user, std::string(name).c_str());
      if (!text) return std::nullopt;
      std::string out;
      try {
        out = text;
      } catch (...) {
        std::free(text);
        throw;
      }
      std::free(text);
      return out;
    };
  }
  return cfg;
}

// Whether setting `target` writes an array (safe inside a step) rather than
// rebuilding the population's code.
bool writes_array(Engine& e, const char* target) {
  neuro::Simulation* sim = e.simulation();
  if (!sim) return false;
  std::string t(target);
  auto dot = t.find('.');
  if (dot == std::string::npos) return false;
  std::string pop = t.substr(0, dot), var = t.substr(dot + 1);
  return sim->state_array(pop, var) || sim->param_array(pop, var);
}

}  // namespace

extern "C" {

neuro_engine* neuro_new(const neuro_config* config) {
  try {
    auto ce = std::make_unique<CEngine>();
    if (config) ce->config = *config;
    ce->engine = std::make_unique<Engine>(cpp_config(ce->config));
    std::lock_guard<std::mutex> lock(g_mutex);
    size_t index;
    if (!g_free.empty()) {
      index = g_free.back();
      g_free.pop_back();
    } else {
      if (g_slots.size() >= kIndexMask) {
        set_error(Code::Exhausted, "too many engines");
        return nullptr;
      }
      g_slots.emplace_back();
      index = g_slots.size() - 1;
    }
    Slot& s = g_slots[index];
    s.live = true;
    s.engine = std::move(ce);
    t_last_error.clear();
    return encode(index, s.generation);
  } catch (...) {
    current_error();
  }
  return nullptr;
}

void neuro_free(neuro_engine* engine) {
  if (!engine) return;
  std::unique_ptr<CEngine> dead;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    size_t index;
    Slot* s = find_slot(engine, &index);
    if (!s) return;
    if (s->engine && s->engine->depth > 0) {
      // From a callback: the handle dies now (no longer live), the engine
      // when the outer call returns (~Hold recycles the slot).
      s->engine->released = true;
      s->live = false;
      return;
    }
    dead = std::move(s->engine);
    recycle(index);
  }
  try {
    dead.reset();
  } catch (...) {
  }
}

const char* neuro_last_error(void) {
  return t_last_error.c_str();
}

const char* neuro_result_name(neuro_result result) {
  switch (result) {
    case NEURO_OK:
      return "NEURO_OK";
    case NEURO_COMPILE_ERROR:
      return "NEURO_COMPILE_ERROR";
    case NEURO_RUNTIME_ERROR:
      return "NEURO_RUNTIME_ERROR";
    case NEURO_USAGE_ERROR:
      return "NEURO_USAGE_ERROR";
    case NEURO_INVALID_HANDLE:
      return "NEURO_INVALID_HANDLE";
    case NEURO_BUFFER_TOO_SMALL:
      return "NEURO_BUFFER_TOO_SMALL";
    case NEURO_OUT_OF_MEMORY:
      return "NEURO_OUT_OF_MEMORY";
    case NEURO_INTERNAL_ERROR:
      return "NEURO_INTERNAL_ERROR";
  }
  return "NEURO_UNKNOWN_RESULT";
}

const char* neuro_version(void) {
#define NEURO_STR2(x) #x
#define NEURO_STR(x) NEURO_STR2(x)
  return NEURO_STR(NEURO_VERSION_MAJOR) "." NEURO_STR(NEURO_VERSION_MINOR) "." NEURO_STR(
      NEURO_VERSION_PATCH);
#undef NEURO_STR
#undef NEURO_STR2
}

char* neuro_strdup(const char* text) {
  if (!text) return nullptr;
  size_t n = std::strlen(text) + 1;
  char* out = static_cast<char*>(std::malloc(n));
  if (out) std::memcpy(out, text, n);
  return out;
}

neuro_result neuro_diagnostic_count(neuro_engine* engine, size_t* count) {
  // Reading diagnostics must not disturb the last error they explain.
  std::string keep = t_last_error;
  neuro_result r = guarded(engine, [&](CEngine& ce, bool) {
    need(count, "count");
    *count = ce.engine->diagnostics().size();
    return NEURO_OK;
  });
  if (r == NEURO_OK) t_last_error = keep;
  return r;
}

neuro_result neuro_get_diagnostic(neuro_engine* engine, size_t index, neuro_diagnostic* out) {
  std::string keep = t_last_error;
  neuro_result r = guarded(engine, [&](CEngine& ce, bool) {
    need(out, "out");
    const auto& ds = ce.engine->diagnostics();
    if (index >= ds.size())
      usage(Code::BadArgument,
            fmt::format("there is no diagnostic {} (the last call produced {})", index, ds.size()));
    *out = view(ds[index]);
    return NEURO_OK;
  });
  if (r == NEURO_OK) t_last_error = keep;
  return r;
}

neuro_result neuro_load_file(neuro_engine* engine, const char* path) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_load_file");
    need(path, "path");
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->load_file(path));
  });
}

neuro_result neuro_load_text(neuro_engine* engine, const char* text, const char* name) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_load_text");
    need(text, "text");
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->load_text(text, name ? name : "<text>"));
  });
}

neuro_result neuro_build(neuro_engine* engine, const neuro_build_options* options) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_build");
    neuro::BuildOptions opt;
    if (options) {
      if (options->flags & ~unsigned(NEURO_BUILD_DT | NEURO_BUILD_SEED | NEURO_BUILD_DURATION |
                                     NEURO_BUILD_BACKEND | NEURO_BUILD_THREADS))
        usage(Code::UnknownOption, "unknown flags in neuro_build_options");
      if (options->flags & NEURO_BUILD_BACKEND) {
        switch (options->backend) {
          case NEURO_BACKEND_VM:
            opt.backend = neuro::Backend::Vm;
            break;
          case NEURO_BACKEND_JIT:
            opt.backend = neuro::Backend::Jit;
            break;
          case NEURO_BACKEND_AUTO:
            opt.backend = neuro::Backend::Auto;
            break;
          default:
            usage(Code::BadArgument,
                  "unknown backend in neuro_build_options (NEURO_BACKEND_VM, NEURO_BACKEND_JIT or "
                  "NEURO_BACKEND_AUTO)");
        }
      }
      if (options->flags & NEURO_BUILD_THREADS) {
        if (options->threads < 1 || options->threads > 256)
          usage(Code::BadArgument, "threads in neuro_build_options must be from 1 to 256");
        opt.threads = static_cast<unsigned>(options->threads);
      }
      if (options->flags & NEURO_BUILD_DT) opt.dt = options->dt;
      if (options->flags & NEURO_BUILD_SEED) opt.seed = options->seed;
      if (options->flags & NEURO_BUILD_DURATION) {
        if (!(options->duration >= 0))
          usage(Code::BadArgument, "the duration must be zero or more seconds");
        opt.duration = options->duration;
      }
    }
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->build(opt));
  });
}

neuro_result neuro_built(neuro_engine* engine, int* built) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(built, "built");
    *built = ce.engine->built() ? 1 : 0;
    return NEURO_OK;
  });
}

neuro_result neuro_run(neuro_engine* engine, double seconds) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_run");
    return check(*ce.engine, ce.engine->run(seconds));
  });
}

neuro_result neuro_step(neuro_engine* engine, uint64_t steps) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_step");
    return check(*ce.engine, ce.engine->step(steps));
  });
}

neuro_result neuro_run_to_end(neuro_engine* engine) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_run_to_end");
    return check(*ce.engine, ce.engine->run_to_end());
  });
}

neuro_result neuro_time(neuro_engine* engine, double* seconds) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(seconds, "seconds");
    *seconds = ce.engine->time();
    return NEURO_OK;
  });
}

neuro_result neuro_dt(neuro_engine* engine, double* seconds) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(seconds, "seconds");
    *seconds = ce.engine->dt();
    return NEURO_OK;
  });
}

neuro_result neuro_step_index(neuro_engine* engine, uint64_t* steps) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(steps, "steps");
    *steps = ce.engine->step_index();
    return NEURO_OK;
  });
}

neuro_result neuro_population_size(neuro_engine* engine, const char* population, size_t* size) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(population, "population");
    need(size, "size");
    neuro::Simulation* sim = ce.engine->simulation();
    if (!sim) usage(Code::NotBuilt, "there is no simulation yet (call neuro_build first)");
    size_t n = sim->population_size(population);
    if (n == 0) usage(Code::UnknownName, fmt::format("there is no population `{}`", population));
    *size = n;
    return NEURO_OK;
  });
}

neuro_result neuro_get(neuro_engine* engine, const char* target, const char* unit, double* values,
                       size_t capacity, size_t* count) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(target, "target");
    need(count, "count");
    std::vector<double> v;
    Status st = ce.engine->get(target, unit ? unit : "", v);
    if (st != Status::Ok) return check(*ce.engine, st);
    *count = v.size();
    if (!values) return NEURO_OK;
    if (capacity < v.size()) {
      set_error(Code::BufferTooSmall,
                fmt::format("`{}` has {} values; the buffer holds {}", target, v.size(), capacity));
      return NEURO_BUFFER_TOO_SMALL;
    }
    std::copy(v.begin(), v.end(), values);
    return NEURO_OK;
  });
}

neuro_result neuro_set(neuro_engine* engine, const char* target, const char* unit,
                       const double* values, size_t count) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    need(target, "target");
    need(values, "values");
    if (count == 0)
      usage(Code::BadArgument, "neuro_set() needs one value, or one per neuron (count is 0)");
    if (nested && !writes_array(*ce.engine, target))
      usage(Code::InCallback,
            fmt::format("`{}` is the same for every neuron; changing it rebuilds the population, "
                        "which cannot happen from inside a callback",
                        target));
    return check(*ce.engine,
                 ce.engine->set(target, unit ? unit : "", std::span<const double>(values, count)));
  });
}

neuro_result neuro_set_modulator(neuro_engine* engine, const char* name, const char* unit,
                                 double value) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(name, "name");
    return check(*ce.engine, ce.engine->set_modulator(name, unit ? unit : "", value));
  });
}

neuro_result neuro_get_modulator(neuro_engine* engine, const char* name, const char* unit,
                                 double* value) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(name, "name");
    need(value, "value");
    return check(*ce.engine, ce.engine->get_modulator(name, unit ? unit : "", *value));
  });
}

neuro_result neuro_inject_spikes(neuro_engine* engine, const char* population, const uint32_t* ids,
                                 size_t count) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(population, "population");
    if (count > 0) need(ids, "ids");
    return check(*ce.engine,
                 ce.engine->inject_spikes(population, std::span<const uint32_t>(ids, count)));
  });
}

neuro_result neuro_subscribe_spikes(neuro_engine* engine, const char* population, neuro_spike_fn fn,
                                    void* user, int* handle) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_subscribe_spikes");
    need(population, "population");
    need(fn, "fn");
    need(handle, "handle");
    if (ce.engine->built()) {
      auto pops = ce.engine->populations();
      if (std::find(pops.begin(), pops.end(), population) == pops.end())
        usage(Code::UnknownName, fmt::format("there is no population `{}`", population));
    }
    auto sub = std::make_unique<Subscription>();
    sub->population = population;
    sub->fn = fn;
    sub->user = user;
    Subscription* s = sub.get();
    // The Subscription outlives the Engine's entry: both go in flush_unsubscribes.
    // Nothing more is delivered once unsubscribed or once the engine was
    // released from a callback (the run in progress finishes silently).
    CEngine* owner = &ce;
    s->cpp_handle = ce.engine->subscribe_spikes(
        population, [s, owner](std::span<const uint32_t> ids, double t) {
          if (s->active && !owner->released)
            s->fn(s->user, s->population.c_str(), ids.data(), ids.size(), t);
        });
    if (s->cpp_handle < 0) usage(Code::MissingArgument, "the subscription was refused");
    int h = ce.next_sub++;
    ce.subs[h] = std::move(sub);
    *handle = h;
    return NEURO_OK;
  });
}

neuro_result neuro_unsubscribe(neuro_engine* engine, int handle) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    auto it = ce.subs.find(handle);
    if (it == ce.subs.end() || !it->second->active)
      usage(Code::InvalidHandle, fmt::format("{} is not a subscription of this engine", handle));
    it->second->active = false;
    ce.pending_unsubscribe.push_back(handle);
    if (!nested) flush_unsubscribes(ce);
    return NEURO_OK;
  });
}

neuro_result neuro_spikes(neuro_engine* engine, const char* population, const uint32_t** ids,
                          const double** times, size_t* count) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(population, "population");
    need(ids, "ids");
    need(times, "times");
    need(count, "count");
    Status st = ce.engine->spikes(population, ce.spike_ids, ce.spike_times);
    if (st != Status::Ok) return check(*ce.engine, st);
    *count = ce.spike_ids.size();
    *ids = ce.spike_ids.empty() ? nullptr : ce.spike_ids.data();
    *times = ce.spike_times.empty() ? nullptr : ce.spike_times.data();
    return NEURO_OK;
  });
}

neuro_result neuro_trace(neuro_engine* engine, const char* target, const char* unit,
                         const double** times, size_t* sample_count, const uint32_t** ids,
                         size_t* id_count, const double** values) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(target, "target");
    need(times, "times");
    need(sample_count, "sample_count");
    need(ids, "ids");
    need(id_count, "id_count");
    need(values, "values");
    Status st =
        ce.engine->trace(target, unit ? unit : "", ce.trace_times, ce.trace_ids, ce.trace_values);
    if (st != Status::Ok) return check(*ce.engine, st);
    *sample_count = ce.trace_times.size();
    *id_count = ce.trace_ids.size();
    *times = ce.trace_times.empty() ? nullptr : ce.trace_times.data();
    *ids = ce.trace_ids.empty() ? nullptr : ce.trace_ids.data();
    *values = ce.trace_values.empty() ? nullptr : ce.trace_values.data();
    return NEURO_OK;
  });
}

neuro_result neuro_save(neuro_engine* engine, const char* dir, const char* format) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(dir, "dir");
    return check(*ce.engine, ce.engine->save(dir, format ? format : "csv"));
  });
}

neuro_result neuro_plot(neuro_engine* engine, const char* dir) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(dir, "dir");
    return check(*ce.engine, ce.engine->plot(dir));
  });
}

neuro_result neuro_populations(neuro_engine* engine, const char* const** names, size_t* count) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(names, "names");
    need(count, "count");
    ce.pop_names = ce.engine->populations();
    ce.pop_ptrs.clear();
    for (const auto& n : ce.pop_names) ce.pop_ptrs.push_back(n.c_str());
    *count = ce.pop_ptrs.size();
    *names = ce.pop_ptrs.empty() ? nullptr : ce.pop_ptrs.data();
    return NEURO_OK;
  });
}

neuro_result neuro_variables(neuro_engine* engine, const char* population,
                             const char* const** names, size_t* count) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(population, "population");
    need(names, "names");
    need(count, "count");
    if (!ce.engine->built())
      usage(Code::NotBuilt, "there is no simulation yet (call neuro_build first)");
    auto pops = ce.engine->populations();
    if (std::find(pops.begin(), pops.end(), population) == pops.end())
      usage(Code::UnknownName, fmt::format("there is no population `{}`", population));
    ce.var_names = ce.engine->variables(population);
    ce.var_ptrs.clear();
    for (const auto& n : ce.var_names) ce.var_ptrs.push_back(n.c_str());
    *count = ce.var_ptrs.size();
    *names = ce.var_ptrs.empty() ? nullptr : ce.var_ptrs.data();
    return NEURO_OK;
  });
}

neuro_result neuro_snapshot(neuro_engine* engine, void* buffer, size_t capacity, size_t* size) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_snapshot");
    need(size, "size");
    neuro::Snapshot snap;
    Status st = ce.engine->snapshot(snap);
    if (st != Status::Ok) return check(*ce.engine, st);
    *size = snap.bytes.size();
    if (!buffer) return NEURO_OK;
    if (capacity < snap.bytes.size()) {
      set_error(Code::BufferTooSmall, fmt::format("the snapshot is {} bytes; the buffer holds {}",
                                                  snap.bytes.size(), capacity));
      return NEURO_BUFFER_TOO_SMALL;
    }
    std::memcpy(buffer, snap.bytes.data(), snap.bytes.size());
    return NEURO_OK;
  });
}

neuro_result neuro_restore(neuro_engine* engine, const void* bytes, size_t size) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_restore");
    if (size > 0) need(bytes, "bytes");
    neuro::Snapshot snap;
    const auto* p = static_cast<const uint8_t*>(bytes);
    snap.bytes.assign(p, p + size);
    return check(*ce.engine, ce.engine->restore(snap));
  });
}

neuro_result neuro_sdr_scalar_encode(double value, double min, double max, uint32_t n, uint32_t w,
                                     int clip, uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::ScalarEncoder(min, max, n, w, clip != 0).encode(value), ids, capacity,
                     count);
  });
}

neuro_result neuro_sdr_category_encode(uint32_t category, uint32_t categories, uint32_t w,
                                       uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::CategoryEncoder(categories, w).encode(category), ids, capacity, count);
  });
}

neuro_result neuro_sdr_rdse_encode(double value, double resolution, uint32_t n, uint32_t w,
                                   uint64_t seed, uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::RdseEncoder(n, w, resolution, seed).encode(value), ids, capacity,
                     count);
  });
}

neuro_result neuro_sdr_subsample(const uint32_t* ids, size_t count, size_t k, uint64_t seed,
                                 uint32_t* out, size_t capacity, size_t* out_count) {
  return guarded_pure([&] {
    if (count > 0) need(ids, "ids");
    need(out_count, "out_count");
    std::span<const uint32_t> in(ids, count);
    // The SDR only needs to be large enough to hold every index.
    uint32_t n = in.empty() ? 1 : *std::max_element(in.begin(), in.end()) + 1;
    if (n == 0)
      usage(Code::BadArgument,
            "index 4294967295 cannot be an SDR bit (indices are below 2^32 - 1)");
    return write_ids(neuro::Sdr(n, in).subsample(k, seed), out, capacity, out_count);
  });
}

}  // extern "C"
