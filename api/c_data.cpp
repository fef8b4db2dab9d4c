// The C API's access to a running model: reading and setting variables and
// modulators, injecting spikes and subscribing to them, the recordings
// (spikes, traces, files, plots), listings, snapshots and restore.
#include <algorithm>
#include <cstring>

#include "api/c_handles.h"
#include "neuro/simulation.h"

using namespace c_api;

namespace {

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

}  // extern "C"
