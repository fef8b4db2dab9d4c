#include "driver/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "driver/output.h"

namespace neuro::driver {

std::optional<double> mean_cv_isi(const std::vector<std::vector<double>>& times) {
  double sum = 0;
  size_t counted = 0;
  for (const auto& t : times) {
    if (t.size() < 3) continue;  // fewer than 2 intervals
    const size_t n = t.size() - 1;
    const double mean = (t.back() - t.front()) / static_cast<double>(n);
    if (!(mean > 0)) continue;  // spikes all at one time: no interval to vary
    double var = 0;
    for (size_t k = 0; k < n; ++k) var += (t[k + 1] - t[k] - mean) * (t[k + 1] - t[k] - mean);
    sum += std::sqrt(var / static_cast<double>(n)) / mean;
    ++counted;
  }
  if (counted == 0) return std::nullopt;
  return sum / static_cast<double>(counted);
}

std::vector<PopulationReport> population_reports(const Simulation& sim) {
  std::vector<PopulationReport> out;
  for (const auto& p : sim.population_stats()) {
    PopulationReport r;
    r.name = p.name;
    r.size = p.size;
    r.spikes = p.spikes;
    r.rate_hz = p.rate_hz;
    out.push_back(std::move(r));
  }
  const double now = sim.time();
  for (const SpikeView& v : sim.spike_views()) {
    auto r = std::find_if(out.begin(), out.end(),
                          [&](const PopulationReport& x) { return x.name == v.population; });
    if (r == out.end() || r->recorded) continue;  // a population's first record counts
    r->recorded = true;
    r->recorded_neurons = v.neurons;
    r->from_s = v.from;
    r->to_s = std::max(now, v.from);
    r->recorded_spikes = v.size;
    const double window = r->to_s - r->from_s;
    r->rate_hz =
        window > 0 && v.neurons > 0 ? static_cast<double>(v.size) / v.neurons / window : 0.0;
    std::vector<std::vector<double>> times(v.neurons);
    v.for_each([&](uint32_t id, double t) {
      if (id >= v.first && id - v.first < v.neurons) times[id - v.first].push_back(t);
    });
    r->cv_isi = mean_cv_isi(times);
  }
  return out;
}

namespace {
std::string number_or_null(const std::optional<double>& x) {
  return x ? fmt::format("{:.9g}", *x) : "null";
}
}  // namespace

std::string summary_json(const Simulation& sim, const std::vector<PopulationReport>& pops,
                         const RunFacts& f) {
  std::string list;
  for (const auto& p : pops) {
    list += fmt::format("{}\"{}\":{{\"size\":{},\"spikes\":{},\"rate_hz\":{:.9g}",
                        list.empty() ? "" : ",", json_escape(p.name), p.size, p.spikes, p.rate_hz);
    if (p.recorded)
      list += fmt::format(
          ",\"cv_isi\":{},\"recorded\":{{\"neurons\":{},\"from_s\":{:.9g},\"to_s\":{:.9g},"
          "\"spikes\":{}}}",
          number_or_null(p.cv_isi), p.recorded_neurons, p.from_s, p.to_s, p.recorded_spikes);
    list += "}";
  }
  return fmt::format(
      "{{\"backend\":\"{}\",\"threads\":{},\"jit_setup_s\":{:.6f},\"jit_cache_hit\":{},"
      "\"sim_time_s\":{:.9g},\"dt_ms\":{:.9g},\"seed\":{},\"populations\":{{{}}},"
      "\"synapses\":{},\"wall_s\":{{\"parse\":{:.6f},\"build\":{:.6f},\"run\":{:.6f}}},"
      "\"peak_rss_mb\":{:.3f},\"steps\":{},\"interrupted\":{}}}\n",
      f.backend, f.threads, f.jit_setup_s, f.jit_cache_hit ? "true" : "false", sim.time(),
      sim.dt() * 1e3, f.seed, list, sim.synapse_count(), f.parse_s, f.build_s, f.run_s,
      peak_rss_mb(), f.steps, f.interrupted ? "true" : "false");
}

std::string summary_table(const std::vector<PopulationReport>& pops) {
  size_t w = 10;
  for (const auto& p : pops) w = std::max(w, p.name.size());
  std::string out = fmt::format("  {:<{}} {:>10} {:>10} {:>10} {:>7}\n", "population", w, "size",
                                "spikes", "rate (Hz)", "CV ISI");
  for (const auto& p : pops)
    out += fmt::format("  {:<{}} {:>10} {:>10} {:>10.3f} {:>7}\n", p.name, w, p.size, p.spikes,
                       p.rate_hz, p.cv_isi ? fmt::format("{:.3f}", *p.cv_isi) : "-");
  return out;
}

}  // namespace neuro::driver
