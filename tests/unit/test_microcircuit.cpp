// The rules the Potjans–Diesmann microcircuit needs — a fixed total number
// of synapses and a fixed out-degree — against exact counts and uniform
// statistics, and examples/microcircuit.neuro at scale 0.02 against the
// reference implementation's synapse-count formula, its weight and delay
// distributions, and loose activity bounds.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "interpreter/connectivity.h"
#include "interpreter/engine_state.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace {

using neuro::interp::build_csr;
using neuro::interp::Csr;
using neuro::ir::Projection;
using neuro::ir::Rule;

Projection mc_projection(Rule rule, size_t ns, size_t nt, size_t k) {
  Projection pr;
  pr.rule = rule;
  pr.src = {0, 0, ns};
  pr.dst = {1, 10, 10 + nt};
  pr.k = k;
  pr.id = 3;
  return pr;
}

Csr mc_build(const Projection& pr, uint64_t seed, const neuro::interp::PairFilter& when = {}) {
  Csr csr;
  std::string error;
  const bool ok = build_csr(pr, seed, when, csr, error);
  INFO(error);
  REQUIRE(ok);
  return csr;
}

// Pearson's χ² of counts against equal expected counts, per degree of freedom.
double uniform_chi2(const std::vector<double>& counts) {
  double total = 0, chi2 = 0;
  for (double c : counts) total += c;
  const double e = total / static_cast<double>(counts.size());
  for (double c : counts) chi2 += (c - e) * (c - e) / e;
  return chi2 / static_cast<double>(counts.size() - 1);
}

}  // namespace

TEST_CASE("microcircuit rules: fixed_total_number makes exactly N synapses, uniform at both ends") {
  const size_t ns = 200, nt = 300, n = 600000;
  const Csr c = mc_build(mc_projection(Rule::TotalNumber, ns, nt, n), 9);
  REQUIRE(c.size() == n);
  REQUIRE(c.rows() == ns);
  std::vector<double> per_source(ns), per_target(nt);
  size_t multapses = 0, unsorted = 0;
  for (size_t i = 0; i < ns; ++i) {
    per_source[i] = static_cast<double>(c.row[i + 1] - c.row[i]);
    for (uint64_t s = c.row[i]; s < c.row[i + 1]; ++s) {
      REQUIRE(c.col[s] >= 10);
      REQUIRE(c.col[s] < 10 + nt);
      per_target[c.col[s] - 10]++;
      if (s > c.row[i]) {
        multapses += c.col[s] == c.col[s - 1];
        unsorted += c.col[s] < c.col[s - 1];
      }
    }
  }
  CHECK(unsorted == 0);
  // 600000 draws into 60000 pairs: a pair holds Poisson(10) synapses, so
  // nearly every occupied pair is a multapse — multapses are kept.
  CHECK(multapses > n / 2);
  // Row and column totals are multinomial: χ²/dof near 1.
  CHECK(uniform_chi2(per_source) < 1.5);
  CHECK(uniform_chi2(per_target) < 1.5);
  // The network depends on the seed alone.
  CHECK(mc_build(mc_projection(Rule::TotalNumber, ns, nt, n), 9).col == c.col);
  CHECK(mc_build(mc_projection(Rule::TotalNumber, ns, nt, n), 10).col != c.col);
}

TEST_CASE("microcircuit rules: fixed_out_degree gives every source K distinct targets") {
  const size_t ns = 400, nt = 50, k = 10;
  const Csr c = mc_build(mc_projection(Rule::OutDegree, ns, nt, k), 4);
  REQUIRE(c.size() == ns * k);
  std::vector<double> per_target(nt);
  for (size_t i = 0; i < ns; ++i) {
    REQUIRE(c.row[i + 1] - c.row[i] == k);
    for (uint64_t s = c.row[i] + 1; s < c.row[i + 1]; ++s) REQUIRE(c.col[s - 1] < c.col[s]);
    for (uint64_t s = c.row[i]; s < c.row[i + 1]; ++s) per_target[c.col[s] - 10]++;
  }
  CHECK(uniform_chi2(per_target) < 1.6);
  // With a condition, only targets that pass are drawn; too few is an error.
  auto even = [](uint32_t, const uint32_t* j, size_t n, uint8_t* keep) {
    for (size_t q = 0; q < n; ++q) keep[q] = j[q] % 2 == 0;
  };
  const Csr e = mc_build(mc_projection(Rule::OutDegree, ns, nt, k), 4, even);
  for (uint32_t j : e.col) CHECK(j % 2 == 0);
  Csr bad;
  std::string error;
  CHECK_FALSE(build_csr(mc_projection(Rule::OutDegree, ns, nt, 26), 4, even, bad, error));
  CHECK(error.find("has only 25 possible targets") != std::string::npos);
}

// The reference implementation's counts: K = ln(1 − p)/ln(1 − 1/(N_pre·N_post))
// at full scale; at `scale`, the full in-degree K/N_post times `scale`,
// times the scaled target size, rounded (PyNEST microcircuit, network.py).
TEST_CASE("microcircuit: scale 0.02 has the reference counts, weights, delays and activity") {
  const double scale = 0.02, dt = 1e-4;
  const std::vector<std::string> names = {"L23E", "L23I", "L4E", "L4I",
                                          "L5E",  "L5I",  "L6E", "L6I"};
  const double full[8] = {20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948};
  const double p[8][8] = {{0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0., 0.0076, 0.},
                          {0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0., 0.0042, 0.},
                          {0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.},
                          {0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0., 0.1057, 0.},
                          {0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.},
                          {0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.},
                          {0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252},
                          {0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443}};
  auto c = neuro::driver::compile_file(NEURO_SOURCE_DIR "/examples/microcircuit.neuro", {}, false,
                                       {{"scale", "0.02"}});
  REQUIRE(c->module);
  auto sim = neuro::build_simulation(c->module);
  for (int t = 0; t < 8; ++t)
    CHECK(sim->population_size(names[t]) == static_cast<size_t>(std::floor(full[t] * scale + 0.5)));

  // The PSC of a 0.15 mV PSP for iaf_psc_exp (C_m 250 pF, τ_m 10 ms, τ_s 0.5 ms).
  const double tm = 10e-3, ts = 0.5e-3, cm = 250e-12;
  const double psc_per_psp =
      1 / (tm * ts / (cm * (ts - tm)) *
           (std::pow(tm / ts, tm / (ts - tm)) - std::pow(tm / ts, ts / (ts - tm))));
  const double w_e = 0.15e-3 * psc_per_psp;
  CHECK(w_e == doctest::Approx(87.81e-12).epsilon(1e-3));

  const auto& engine = neuro::SimulationAccess::engine(*sim);
  size_t index = 0, total = 0;
  for (int t = 0; t < 8; ++t)
    for (int s = 0; s < 8; ++s) {
      if (p[t][s] == 0) continue;
      CAPTURE(names[s] + " -> " + names[t]);
      const double k_full = std::log(1 - p[t][s]) / std::log((full[s] * full[t] - 1) /
                                                               (full[s] * full[t]));
      const double k = std::floor(k_full / full[t] * scale * std::floor(full[t] * scale + 0.5) + 0.5);
      const std::vector<double> w = sim->synapse_values(index, "w");
      REQUIRE(static_cast<double>(w.size()) == k);
      total += w.size();
      const bool exc = s % 2 == 0;
      const double mean = (exc ? (t == 0 && s == 2 ? 2 : 1) : -4) * w_e / std::sqrt(scale);
      // Truncation at 0 lies 10 sd from the mean: it leaves the moments.
      double sum = 0, sum2 = 0;
      for (double x : w) {
        CHECK((exc ? x > 0 : x < 0));
        sum += x;
        sum2 += x * x;
      }
      const double n = static_cast<double>(w.size()), sd = 0.1 * std::abs(mean);
      if (n >= 200) {
        CHECK(std::abs(sum / n - mean) < 5 * sd / std::sqrt(n));
        CHECK(std::sqrt(sum2 / n - (sum / n) * (sum / n)) == doctest::Approx(sd).epsilon(0.15));
      }
      // Delays: normal(d, d/2) truncated below at dt, in whole steps.
      const auto& pj = engine.projs[index];
      REQUIRE(pj.syn_delay.size() == w.size());
      const double d = exc ? 1.5e-3 : 0.75e-3, a = (dt - d) / (d / 2);
      const double phi = std::exp(-a * a / 2) / std::sqrt(2 * M_PI);
      const double expected = d + d / 2 * phi / (0.5 * std::erfc(a / std::sqrt(2.0)));
      double dsum = 0;
      for (size_t q = 0; q < pj.syn_delay.size(); ++q) {
        const uint32_t steps = pj.syn_delay[q];
        CHECK(steps >= 1);
        dsum += steps * dt;
      }
      // Rounding to whole steps moves the mean by less than dt/2.
      if (n >= 200) CHECK(std::abs(dsum / n - expected) < 5 * (d / 2) / std::sqrt(n) + dt / 2);
      ++index;
    }
  CHECK(total == sim->synapse_count());

  // Activity, loosely: over the 1 s after the 500 ms start-up the network
  // is neither silent nor runaway. (At scale 0.02 layer 2/3 and L6E are
  // nearly silent — 0–0.1 Hz over seeds 1 and 2 — while layers 4 and 5 and
  // L6I fire at 1–4 Hz: a network 50 times smaller than the reference's
  // scale-0.1 one is a different network, so only ranges are checked.)
  sim->run(15000);
  double spikes = 0, neurons = 0;
  for (const auto& r : sim->spike_recordings()) {
    CAPTURE(r.population);
    const double n = static_cast<double>(sim->population_size(r.population));
    const double rate = static_cast<double>(r.ids.size()) / n / 1.0;
    for (double t : r.times) REQUIRE(t >= 0.5 - 1e-12);
    CHECK(rate < 30);
    if (r.population == "L4E" || r.population == "L4I" || r.population == "L5E" ||
        r.population == "L5I" || r.population == "L6I")
      CHECK(rate > 0.3);
    spikes += static_cast<double>(r.ids.size());
    neurons += n;
  }
  CHECK(spikes / neurons > 0.2);
  CHECK(spikes / neurons < 5);
}
