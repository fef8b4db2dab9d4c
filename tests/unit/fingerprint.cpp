#include "tests/unit/fingerprint.h"

#include <fmt/format.h>

#include "interpreter/engine_state.h"
#include "neuro/engine.h"

namespace neuro::testing {

namespace {

template <class V>
void add_bytes(std::string& out, const V& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
}

}  // namespace

Fingerprint fingerprint(Simulation& sim) {
  Fingerprint parts;
  const Simulation::Engine& e = SimulationAccess::engine(sim);
  for (size_t i = 0; i < e.pops.size(); ++i) {
    const PopState& p = e.pops[i];
    const std::string pop = p.pop->name;
    for (size_t s = 0; s < p.states.size(); ++s) {
      std::string b;
      add_bytes(b, p.states[s]);
      parts.push_back({fmt::format("{}.{}", pop, p.kernel->states[s].name), b});
    }
    for (size_t s = 0; s < p.params.size(); ++s) {
      std::string b;
      add_bytes(b, p.params[s]);
      parts.push_back({fmt::format("{}.param#{}", pop, s), b});
    }
    for (size_t s = 0; s < p.seg_agg.size(); ++s) {
      std::string b;
      add_bytes(b, p.seg_agg[s]);
      parts.push_back({fmt::format("{}.segment aggregate #{}", pop, s), b});
    }
    for (size_t g = 0; g < p.group_vals.size(); ++g) {
      std::string b;
      add_bytes(b, p.group_vals[g]);
      parts.push_back({fmt::format("{}.group reduction #{}", pop, g), b});
    }
    std::string r;
    add_bytes(r, p.ref_end);
    parts.push_back({pop + ".ref_end", r});
    parts.push_back({pop + ".spike_count", std::to_string(p.spike_count)});
  }
  for (size_t i = 0; i < e.projs.size(); ++i) {
    const ProjState& p = e.projs[i];
    for (size_t v = 0; v < p.vars.size(); ++v) {
      std::string b;
      add_bytes(b, p.vars[v]);
      parts.push_back({fmt::format("projection {} var {}", i, v), b});
    }
    for (size_t t = 0; t < p.traces.size(); ++t) {
      std::string b;
      add_bytes(b, p.traces[t].value);
      add_bytes(b, p.traces[t].last);
      parts.push_back({fmt::format("projection {} trace {}", i, t), b});
    }
  }
  for (const auto& rec : sim.spike_recordings()) {
    std::string b;
    add_bytes(b, rec.ids);
    add_bytes(b, rec.times);
    parts.push_back({"spikes of " + rec.population, b});
  }
  for (const auto& rec : sim.state_recordings()) {
    std::string b;
    add_bytes(b, rec.values);
    parts.push_back({"recording " + rec.population + "." + rec.variable, b});
  }
  return parts;
}

std::string differences(const Fingerprint& a, const Fingerprint& b) {
  if (a.size() != b.size()) return fmt::format("{} parts against {}\n", a.size(), b.size());
  std::string out;
  for (size_t k = 0; k < a.size(); ++k)
    if (a[k] != b[k])
      out += a[k].first + (a[k].first == b[k].first ? "" : " / " + b[k].first) + "\n";
  return out;
}

}  // namespace neuro::testing
