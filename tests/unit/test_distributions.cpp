// Draws from distributions (numeric/distributions.h; `poisson`, `binomial`,
// `normal`, `uniform`, `lognormal` in model code) against their exact
// moments and probability mass functions, the normal quantile against
// libm's erfc, and the same bits on both backends.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "interpreter/build_simulation.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"
#include "numeric/distributions.h"
#include "tests/unit/compile_text.h"

using namespace neuro;
using neuro::testing::compile_text;

namespace {

constexpr uint64_t kDistKey = 0x5eed5eedULL;

// Pearson's χ² of `counts` (n draws) against the pmf, over the values
// whose expected count is at least 5 (the rest pooled into one cell);
// returns χ² / degrees of freedom, which stays near 1 for a right sampler.
double chi2_per_dof(const std::map<long, long>& counts, long n,
                    const std::function<double(long)>& pmf, long lo, long hi) {
  double chi2 = 0, rest_expected = n, rest_seen = n;
  int cells = 0;
  for (long k = lo; k <= hi; ++k) {
    const double e = n * pmf(k);
    if (e < 5) continue;
    const auto it = counts.find(k);
    const double o = it == counts.end() ? 0 : static_cast<double>(it->second);
    chi2 += (o - e) * (o - e) / e;
    rest_expected -= e;
    rest_seen -= o;
    ++cells;
  }
  if (rest_expected >= 5) {
    chi2 += (rest_seen - rest_expected) * (rest_seen - rest_expected) / rest_expected;
    ++cells;
  }
  return chi2 / (cells - 1);
}

double poisson_pmf(double lam, long k) {
  return std::exp(-lam + k * std::log(lam) - std::lgamma(k + 1.0));
}

double binomial_pmf(double n, double p, long k) {
  return std::exp(std::lgamma(n + 1) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1) +
                  k * std::log(p) + (n - k) * std::log1p(-p));
}

}  // namespace

TEST_CASE("distributions: the normal quantile inverts erfc's distribution function") {
  for (double u : {1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575,
                   0.999, 1 - 1e-9}) {
    CAPTURE(u);
    const double x = num::normal_quantile(u);
    const double back = 0.5 * std::erfc(-x / std::sqrt(2.0));
    // Near 1 the representable u are 1.1e-16 apart: compare the complement there.
    if (u > 0.5)
      CHECK(0.5 * std::erfc(x / std::sqrt(2.0)) == doctest::Approx(1 - u).epsilon(1e-9));
    else
      CHECK(back == doctest::Approx(u).epsilon(1e-13));
  }
  CHECK(std::abs(num::normal_quantile(0.5)) < 1e-16);
}

TEST_CASE("distributions: Poisson counts have the Poisson law at 1 Hz, 1 kHz and 23 kHz per step") {
  // dt = 0.1 ms: λ = rate·dt; 25 and 400 take the PTRS path.
  for (double lam : {1e-4, 0.1, 2.3, 9.99, 25.0, 400.0}) {
    CAPTURE(lam);
    const long n = 200000;
    std::map<long, long> counts;
    double sum = 0, sum2 = 0;
    for (long e = 0; e < n; ++e) {
      const double k = num::draw_poisson(kDistKey, e, 7, lam);
      REQUIRE(k == std::floor(k));
      REQUIRE(k >= 0);
      counts[static_cast<long>(k)]++;
      sum += k;
      sum2 += k * k;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    // The sample mean's sd is sqrt(λ/n); 5 of them.
    CHECK(std::abs(mean - lam) < 5 * std::sqrt(lam / n));
    CHECK(var / mean == doctest::Approx(1).epsilon(0.03 + 5 * std::sqrt(2.0 / n)));
    if (lam >= 0.1) {
      const double c = chi2_per_dof(
          counts, n, [&](long k) { return poisson_pmf(lam, k); }, 0,
          static_cast<long>(lam + 10 * std::sqrt(lam) + 10));
      CHECK(c < 2.0);
    }
  }
  CHECK(num::draw_poisson(kDistKey, 1, 1, 0.0) == 0);
  CHECK(std::isnan(num::draw_poisson(kDistKey, 1, 1, -1.0)));
}

TEST_CASE("distributions: binomial counts have the binomial law, by inversion and by BTRS") {
  struct Case {
    double n, p;
  };
  for (Case c : {Case{20, 0.1}, Case{100, 0.3}, Case{100, 0.9}, Case{5000, 0.02}, Case{7, 0.5}}) {
    CAPTURE(c.n);
    CAPTURE(c.p);
    const long n = 200000;
    std::map<long, long> counts;
    double sum = 0, sum2 = 0;
    for (long e = 0; e < n; ++e) {
      const double k = num::draw_binomial(kDistKey, e, 3, c.n, c.p);
      REQUIRE(k >= 0);
      REQUIRE(k <= c.n);
      counts[static_cast<long>(k)]++;
      sum += k;
      sum2 += k * k;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    const double mu = c.n * c.p, v = c.n * c.p * (1 - c.p);
    CHECK(std::abs(mean - mu) < 5 * std::sqrt(v / n));
    CHECK(var == doctest::Approx(v).epsilon(0.03));
    CHECK(chi2_per_dof(
              counts, n, [&](long k) { return binomial_pmf(c.n, c.p, k); }, 0,
              static_cast<long>(c.n)) < 2.0);
  }
  CHECK(num::draw_binomial(kDistKey, 1, 1, 10, 1.0) == 10);
  CHECK(std::isnan(num::draw_binomial(kDistKey, 1, 1, 2.5, 0.5)));
}

// A standard normal truncated to [a, b]: with φ, Φ its density and
// distribution function and Z = Φ(b) − Φ(a), mean (φ(a) − φ(b))/Z and
// variance 1 + (aφ(a) − bφ(b))/Z − mean².
TEST_CASE("distributions: the truncated normal has the closed-form mean and variance") {
  auto phi = [](double x) {
    return std::isinf(x) ? 0 : std::exp(-x * x / 2) / std::sqrt(2 * M_PI);
  };
  auto Phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  struct Case {
    double a, b;
  };
  for (Case c : {Case{-1.8667, INFINITY}, Case{-1, 2}, Case{0.5, 1.5}, Case{5, 6},
                 Case{-INFINITY, -3}, Case{-0.1, 0.1}}) {
    CAPTURE(c.a);
    CAPTURE(c.b);
    const double Z = Phi(c.b) - Phi(c.a);
    const double mu = (phi(c.a) - phi(c.b)) / Z;
    const double ta = std::isinf(c.a) ? 0 : c.a * phi(c.a),
                 tb = std::isinf(c.b) ? 0 : c.b * phi(c.b);
    const double var = 1 + (ta - tb) / Z - mu * mu;
    const long n = 200000;
    double sum = 0, sum2 = 0;
    for (long e = 0; e < n; ++e) {
      const double x = num::draw_normal_trunc(kDistKey, e, 11, c.a, c.b);
      REQUIRE(x >= c.a);
      REQUIRE(x <= c.b);
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n, v = sum2 / n - mean * mean;
    CHECK(std::abs(mean - mu) < 5 * std::sqrt(var / n));
    CHECK(v == doctest::Approx(var).epsilon(0.03));
  }
}

// 23 kHz of Poisson input per neuron at dt = 0.1 ms is λ = 2.3 events per
// step; `drive P.k += poisson(rate·dt)` adds one count per step, so after
// 200 steps each neuron holds a Poisson count with mean 460.
TEST_CASE("distributions: an additive Poisson drive gives Poisson counts with Fano factor 1") {
  for (const char* rate : {"1 Hz", "1 kHz", "23 kHz"}) {
    CAPTURE(rate);
    auto mod = compile_text(std::string(R"(
neuron Counter { state k = 0 }
circuit C {
  P = Counter[4000]
  drive P.k += poisson()") + rate +
                            R"( * dt)
}
run C for 20 ms  dt = 0.1 ms
)");
    auto sim = build_simulation(mod);
    sim->run(200);
    const double* k = sim->state_array("P", "k");
    REQUIRE(k);
    const double lam = 200 * 1e-4 *
                       (std::strcmp(rate, "1 Hz") == 0    ? 1
                        : std::strcmp(rate, "1 kHz") == 0 ? 1e3
                                                          : 23e3);
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < 4000; ++i) {
      sum += k[i];
      sum2 += k[i] * k[i];
    }
    const double mean = sum / 4000, var = sum2 / 4000 - mean * mean;
    CHECK(std::abs(mean - lam) < 5 * std::sqrt(lam / 4000));
    if (lam > 1) CHECK(var / mean == doctest::Approx(1).epsilon(0.1));
  }
}

TEST_CASE(
    "distributions: draws in equations, resets and handlers give the same bits on both "
    "backends") {
  auto mod = compile_text(R"(
neuron Noisy {
  state v = normal(-60 mV, 3 mV, -70 mV, -52 mV)
  state n = 0
  param I = 0 nA
  dv/dt = (-65 mV - v) / 10 ms + normal(0 mV, 1 mV) / 1 ms + I * 40 Mohm / 10 ms
  dn/dt = poisson(0.3) / 1 ms
  spike when v > -50 mV { v = -65 mV + lognormal(0, 0.2) * 1 mV }
  refractory 1 ms
}
synapse S {
  param w = 0.2 mV
  on pre { post.v += w * binomial(4, 0.3) + normal(0 mV, 0.1 mV, -0.05 mV, 0.05 mV) }
}
circuit C {
  P = Noisy[300] { I = uniform(0 nA, 0.5 nA) }
  connect P -> P via S p = 0.05
}
run C for 50 ms  dt = 0.1 ms
)");
  std::vector<double> v[2], n[2];
  int k = 0;
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    CAPTURE(backend_name(b));
    auto sim = build_simulation(mod);
    if (b == Backend::Jit) REQUIRE(use_backend(*sim, b, 500).jit);
    sim->run(500);
    v[k].assign(sim->state_array("P", "v"), sim->state_array("P", "v") + 300);
    n[k].assign(sim->state_array("P", "n"), sim->state_array("P", "n") + 300);
    ++k;
  }
  CHECK(std::memcmp(v[0].data(), v[1].data(), 300 * sizeof(double)) == 0);
  CHECK(std::memcmp(n[0].data(), n[1].data(), 300 * sizeof(double)) == 0);
  // n integrates poisson(0.3)/ms: each step adds a count · dt/1 ms.
  double sum = 0;
  for (double x : n[0]) sum += x;
  CHECK(sum / 300 == doctest::Approx(500 * 0.3 * 0.1).epsilon(0.05));
}

// The interpreter draws a Poisson mean shared by every lane with e^{−λ}
// computed once (vm_run.cpp); a mean that varies per lane takes the general
// path. The two models differ only there, so their draws must be the same.
TEST_CASE("distributions: a shared Poisson mean draws the bits of a per-neuron one") {
  auto counts = [](const char* mean) {
    auto mod = compile_text(std::string(R"(
neuron Counter { state k = 0 }
circuit C {
  P = Counter[500]
  drive P.k += poisson()") + mean +
                            R"()
}
run C for 2 ms  dt = 0.1 ms
)");
    auto sim = build_simulation(mod);
    sim->run(20);
    const double* k = sim->state_array("P", "k");
    return std::vector<double>(k, k + 500);
  };
  const std::vector<double> shared = counts("1.3"), per_neuron = counts("1.3 + 0 * i");
  CHECK(std::memcmp(shared.data(), per_neuron.data(), 500 * sizeof(double)) == 0);
  double sum = 0;
  for (double x : shared) sum += x;
  CHECK(sum / 500 == doctest::Approx(20 * 1.3).epsilon(0.05));
}
