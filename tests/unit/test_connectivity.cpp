// Connection rules, checked against exact combinatorics and binomial
// statistics: interp::build_csr on hand-made projections, and whole models
// through compile_file + Simulation.
//
// To see *which* synapses a whole model built (Simulation exposes only the
// count), the models below use a neuron that fires once, in the first step,
// and a synapse whose handler adds its weight to a counter of the target:
// after the spikes are delivered, counter[j] = Σ over the synapses (i → j)
// of w(i, j), where w is initialised from i and j in the connect block.
#include <doctest/doctest.h>

#include "tests/unit/compile_text.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "interpreter/connectivity.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace {

namespace fs = std::filesystem;
using neuro::interp::build_csr;
using neuro::interp::Csr;
using neuro::ir::Projection;
using neuro::ir::Rule;

Projection projection(Rule rule, size_t src_lo, size_t ns, size_t dst_lo, size_t nt,
                      uint32_t id = 0) {
  Projection pr;
  pr.rule = rule;
  pr.src = {0, src_lo, src_lo + ns};
  pr.dst = {0, dst_lo, dst_lo + nt};
  pr.id = id;
  return pr;
}

Csr build(const Projection& pr, uint64_t seed, const neuro::interp::PairFilter& when = {}) {
  Csr csr;
  std::string error;
  bool ok = build_csr(pr, seed, when, csr, error);
  INFO(error);
  REQUIRE(ok);
  return csr;
}

// Structural invariants of every CSR.
void check_shape(const Csr& c, const Projection& pr) {
  REQUIRE(c.row.size() == pr.src.size() + 1);
  CHECK(c.row.front() == 0);
  CHECK(c.row.back() == c.col.size());
  size_t decreasing = 0, outside = 0;
  for (size_t i = 0; i + 1 < c.row.size(); ++i) decreasing += c.row[i] > c.row[i + 1];
  for (uint32_t j : c.col) outside += j < pr.dst.lo || j >= pr.dst.hi;
  CHECK(decreasing == 0);
  CHECK(outside == 0);  // every target inside the target slice
}

// Rows strictly increasing: sorted, no duplicate (i, j).
bool rows_strictly_sorted(const Csr& c) {
  for (size_t i = 0; i < c.rows(); ++i)
    for (uint64_t s = c.row[i] + 1; s < c.row[i + 1]; ++s)
      if (c.col[s - 1] >= c.col[s]) return false;
  return true;
}

// in_degree[j - dst.lo]
std::vector<size_t> in_degrees(const Csr& c, const Projection& pr) {
  std::vector<size_t> d(pr.dst.size(), 0);
  for (uint32_t j : c.col) ++d[j - pr.dst.lo];
  return d;
}

bool same(const Csr& a, const Csr& b) {
  return a.row == b.row && a.col == b.col;
}

// ---------------------------------------------------------------------------
// Whole models.

using neuro::testing::compile_text;

// A neuron that spikes once, in step 0, and counts weighted input in x
// (and y, for a second projection).
const char* kOnce = R"(
neuron Once {
  state fired = 0
  state x = 0
  state y = 0
  spike when fired < 0.5 { fired = 1 }
}
synapse Sx { param w = 1;  on pre { post.x += w } }
synapse Sy { param w = 1;  on pre { post.y += w } }
)";

struct Counted {
  size_t synapses = 0;
  std::vector<double> x, y;  // final values per neuron of P
};

// `body` goes inside the circuit, after `P = Once[n]`.
Counted run_counted(size_t n, const std::string& body, uint64_t seed = 1) {
  auto mod = compile_text(
      std::string(kOnce) + "circuit C {\n  P = Once[" + std::to_string(n) + "]\n" + body +
      "\n  record x, y of P every 1 ms\n}\nrun C for 1 ms  dt = 0.1 ms  seed = " +
      std::to_string(seed) + "\n");
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));  // spikes in step 0, delivered in step 1
  Counted out;
  out.synapses = sim.synapse_count();
  for (const auto& r : sim.state_recordings()) {
    REQUIRE(r.ids.size() == n);
    REQUIRE(r.times.size() == 2);  // t = 0 and t = 1 ms
    std::vector<double> last(r.values.end() - n, r.values.end());
    (r.variable == "x" ? out.x : out.y) = last;
  }
  REQUIRE(out.x.size() == n);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Deterministic rules: exact structure.

TEST_CASE("connectivity: all_to_all gives ns*nt synapses with every row the whole target slice") {
  for (auto [ns, nt] : {std::pair<size_t, size_t>{7, 5}, {1, 1}, {0, 4}, {4, 0}, {13, 29}}) {
    CAPTURE(ns);
    CAPTURE(nt);
    auto pr = projection(Rule::AllToAll, 3, ns, 11, nt);
    Csr c = build(pr, 1);
    check_shape(c, pr);
    CHECK(c.size() == ns * nt);
    for (size_t i = 0; i < ns; ++i) {
      REQUIRE(c.row[i + 1] - c.row[i] == nt);
      for (size_t k = 0; k < nt; ++k) CHECK(c.col[c.row[i] + k] == 11 + k);
    }
  }
}

TEST_CASE("connectivity: one_to_one connects i to lo + i") {
  auto pr = projection(Rule::OneToOne, 2, 9, 4, 9);
  Csr c = build(pr, 1);
  check_shape(c, pr);
  REQUIRE(c.size() == 9);
  for (size_t i = 0; i < 9; ++i) {
    CHECK(c.row[i] == i);
    CHECK(c.col[i] == 4 + i);
  }
}

TEST_CASE("connectivity: pairs reproduces the list grouped by source with duplicates kept") {
  // Relative to the slices: source 3.., target 10..
  std::vector<std::pair<uint32_t, uint32_t>> list = {{2, 1}, {0, 3}, {2, 1}, {1, 0},
                                                     {0, 0}, {2, 3}, {0, 3}};
  auto pr = projection(Rule::Pairs, 3, 4, 10, 4);
  pr.pairs = list;
  Csr c = build(pr, 1);
  check_shape(c, pr);
  REQUIRE(c.size() == list.size());
  std::vector<std::multiset<uint32_t>> want(4);
  for (auto [i, j] : list) want[i].insert(10 + j);
  for (size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    std::multiset<uint32_t> got(c.col.begin() + c.row[i], c.col.begin() + c.row[i + 1]);
    CHECK(got == want[i]);
  }
  CHECK(c.row[4] - c.row[3] == 0);  // source 3 has no pair
  // Empty list: no synapses.
  pr.pairs.clear();
  CHECK(build(pr, 1).size() == 0);
}

// ---------------------------------------------------------------------------
// Fixed in-degree.

TEST_CASE("connectivity: in_degree k gives every target exactly k distinct sources") {
  for (size_t k : {size_t{0}, size_t{1}, size_t{7}, size_t{49}, size_t{50}}) {
    CAPTURE(k);
    auto pr = projection(Rule::InDegree, 5, 50, 100, 40, 3);
    pr.k = k;
    Csr c = build(pr, 42);
    check_shape(c, pr);
    CHECK(c.size() == k * 40);
    CHECK(rows_strictly_sorted(c));  // distinct (i, j)
    std::vector<std::set<uint32_t>> sources(40);
    for (size_t i = 0; i < c.rows(); ++i)
      for (uint64_t s = c.row[i]; s < c.row[i + 1]; ++s)
        sources[c.col[s] - 100].insert(static_cast<uint32_t>(i));
    for (size_t j = 0; j < 40; ++j) CHECK(sources[j].size() == k);
  }
}

TEST_CASE("connectivity: in_degree is deterministic per seed and uniform over sources") {
  auto pr = projection(Rule::InDegree, 0, 50, 0, 2000, 0);
  pr.k = 5;
  Csr a = build(pr, 7), b = build(pr, 7), other = build(pr, 8);
  CHECK(same(a, b));
  CHECK_FALSE(same(a, other));
  // Each target picks a uniform k-subset, so source i is chosen by each target
  // independently with probability k/ns = 0.1: out-degree ~ Binomial(2000, 0.1),
  // mean 200, variance 180. Pearson's statistic over the 50 sources is ≈ χ²(49)
  // (mean 49, sd ≈ 10); allow 5 sd.
  double chi2 = 0;
  for (size_t i = 0; i < 50; ++i) {
    double d = static_cast<double>(a.row[i + 1] - a.row[i]) - 200;
    chi2 += d * d / 180;
  }
  MESSAGE("in_degree out-degree chi2 = " << chi2 << " (49 dof)");
  CHECK(chi2 < 49 + 5 * std::sqrt(2 * 49.0));
}

TEST_CASE("connectivity: in_degree reports a rule that a condition makes impossible") {
  auto pr = projection(Rule::InDegree, 0, 10, 0, 10, 0);
  pr.k = 3;
  // Only sources i < j: target 0 has none, target 2 has two.
  neuro::interp::PairFilter lower = [](uint32_t i, const uint32_t* j, size_t n, uint8_t* keep) {
    for (size_t q = 0; q < n; ++q) keep[q] = i < j[q];
  };
  Csr c;
  std::string error;
  CHECK_FALSE(build_csr(pr, 1, lower, c, error));
  CHECK_FALSE(error.empty());
  // With k = 0 it is always possible.
  pr.k = 0;
  CHECK(build_csr(pr, 1, lower, c, error));
  CHECK(c.size() == 0);
}

// ---------------------------------------------------------------------------
// Probability p: the count is Binomial(ns·nt, p).

TEST_CASE("connectivity: p gives a binomial synapse count with sorted rows and no duplicates") {
  const size_t ns = 400, nt = 300;
  const double n = static_cast<double>(ns * nt);
  for (double p : {0.0, 0.001, 0.02, 0.3, 0.5, 0.97, 1.0}) {
    CAPTURE(p);
    auto pr = projection(Rule::Probability, 17, ns, 5, nt, 2);
    pr.p = p;
    Csr c = build(pr, 12345);
    check_shape(c, pr);
    CHECK(rows_strictly_sorted(c));
    const double mean = n * p, sd = std::sqrt(n * p * (1 - p));
    const double count = static_cast<double>(c.size());
    CHECK(std::fabs(count - mean) <= 4 * sd);  // exact for p = 0 and p = 1
    if (p == 0.0) CHECK(c.size() == 0);
    if (p == 1.0) CHECK(c.size() == ns * nt);
    if (p == 0.0 || p == 1.0) continue;
    // In-degree of each target ~ Binomial(ns, p): mean ns·p, variance ns·p(1-p).
    auto d = in_degrees(c, pr);
    const double var1 = ns * p * (1 - p);
    double m = 0, chi2 = 0;
    for (size_t x : d) m += static_cast<double>(x);
    m /= static_cast<double>(nt);
    for (size_t x : d) chi2 += (x - ns * p) * (x - ns * p) / var1;
    MESSAGE("p = " << p << ": " << count << " synapses (mean " << mean << "), in-degree mean " << m
                   << ", chi2 " << chi2 << " (" << nt << " dof)");
    CHECK(std::fabs(m - ns * p) <= 4 * std::sqrt(var1 / nt));
    // Pearson's statistic ≈ χ²(nt): mean nt, sd √(2·nt); 5 sd either way.
    CHECK(std::fabs(chi2 - nt) <= 5 * std::sqrt(2.0 * nt));
    // Out-degree of each source ~ Binomial(nt, p) likewise.
    const double var2 = nt * p * (1 - p);
    double chi2_out = 0;
    for (size_t i = 0; i < ns; ++i) {
      double x = static_cast<double>(c.row[i + 1] - c.row[i]) - nt * p;
      chi2_out += x * x / var2;
    }
    CHECK(std::fabs(chi2_out - ns) <= 5 * std::sqrt(2.0 * ns));
  }
}

TEST_CASE("connectivity: p with a condition keeps only allowed pairs (binomial over them)") {
  const size_t ns = 200, nt = 200;
  auto pr = projection(Rule::Probability, 0, ns, 0, nt, 1);
  pr.p = 0.5;
  neuro::interp::PairFilter upper = [](uint32_t i, const uint32_t* j, size_t n, uint8_t* keep) {
    for (size_t q = 0; q < n; ++q) keep[q] = j[q] > i;
  };
  Csr c = build(pr, 99, upper);
  check_shape(c, pr);
  CHECK(rows_strictly_sorted(c));
  size_t violating = 0;
  for (size_t i = 0; i < c.rows(); ++i)
    for (uint64_t s = c.row[i]; s < c.row[i + 1]; ++s) violating += !(c.col[s] > i);
  CHECK(violating == 0);
  const double allowed = ns * (ns - 1) / 2.0;  // 19900
  const double mean = allowed * 0.5, sd = std::sqrt(allowed * 0.25);
  CHECK(std::fabs(static_cast<double>(c.size()) - mean) <= 4 * sd);
}

TEST_CASE(
    "connectivity: random rules are deterministic per seed and keyed by projection id and source "
    "neuron") {
  auto pr = projection(Rule::Probability, 0, 60, 0, 80, 4);
  pr.p = 0.1;
  Csr a = build(pr, 5), b = build(pr, 5);
  CHECK(same(a, b));
  CHECK_FALSE(same(a, build(pr, 6)));  // another seed
  auto other_id = pr;
  other_id.id = 5;
  CHECK_FALSE(same(a, build(other_id, 5)));  // another projection's stream
  // The stream of a row belongs to the (absolute) source neuron: the rows of
  // a sub-slice P[20:40] equal rows 20..39 of the whole P[0:60].
  auto sub = projection(Rule::Probability, 20, 20, 0, 80, 4);
  sub.p = 0.1;
  Csr s = build(sub, 5);
  for (size_t i = 0; i < 20; ++i) {
    CAPTURE(i);
    std::vector<uint32_t> whole(a.col.begin() + a.row[20 + i], a.col.begin() + a.row[21 + i]);
    std::vector<uint32_t> part(s.col.begin() + s.row[i], s.col.begin() + s.row[i + 1]);
    CHECK(whole == part);
  }
}

// ---------------------------------------------------------------------------
// Whole models.

TEST_CASE("connectivity (model): all_to_all with `when i != j` removes exactly the diagonal") {
  // w = i + 1, so x[j] = Σ_{i≠j} (i + 1) = n(n+1)/2 − (j + 1).
  const size_t n = 30;
  auto r = run_counted(n, "  connect P -> P via Sx all_to_all when i != j { w = i + 1 }");
  CHECK(r.synapses == n * n - n);
  for (size_t j = 0; j < n; ++j) {
    CAPTURE(j);
    CHECK(r.x[j] == doctest::Approx(n * (n + 1) / 2.0 - (j + 1.0)));
  }
  // Without the condition: the full sum.
  auto full = run_counted(n, "  connect P -> P via Sx all_to_all { w = i + 1 }");
  CHECK(full.synapses == n * n);
  for (size_t j = 0; j < n; ++j) CHECK(full.x[j] == doctest::Approx(n * (n + 1) / 2.0));
}

TEST_CASE(
    "connectivity (model): slices use absolute indices (one_to_one P[0:10] -> P[10:20] joins i to "
    "i+10)") {
  // w = 100·i + j identifies the pair: x[j] = 100·(j − 10) + j for j in 10..19.
  auto r = run_counted(25, "  connect P[0:10] -> P[10:20] via Sx one_to_one { w = 100 * i + j }");
  CHECK(r.synapses == 10);
  for (size_t j = 0; j < 25; ++j) {
    CAPTURE(j);
    double want = j >= 10 && j < 20 ? 100.0 * (j - 10) + j : 0.0;
    CHECK(r.x[j] == doctest::Approx(want));
  }
  // pairs are relative to the slices: (0, 1) → P[5] -> P[13]; (4, 9) → P[9] -> P[21].
  auto q = run_counted(
      25,
      "  connect P[5:10] -> P[12:22] via Sx pairs = [(0, 1), (0, 1), (4, 9)] { w = 100 * i + j }");
  CHECK(q.synapses == 3);
  for (size_t j = 0; j < 25; ++j) {
    CAPTURE(j);
    double want = j == 13 ? 2 * (100.0 * 5 + 13) : j == 21 ? 100.0 * 9 + 21 : 0.0;
    CHECK(q.x[j] == doctest::Approx(want));
  }
  // all_to_all between slices: x[j] = Σ_{i=3}^{7} (i + 1) = 30 on targets 20..24.
  auto a = run_counted(25, "  connect P[3:8] -> P[20:25] via Sx all_to_all { w = i + 1 }");
  CHECK(a.synapses == 25);
  for (size_t j = 0; j < 25; ++j) CHECK(a.x[j] == doctest::Approx(j >= 20 ? 30.0 : 0.0));
}

TEST_CASE("connectivity (model): `when` combined with p and in_degree") {
  // Only pairs with j > i are allowed. A synapse that broke the condition
  // would carry w = 1000, so x[j] counts sources exactly and x[j] ≤ j.
  const size_t n = 200;
  auto r = run_counted(
      n, "  connect P -> P via Sx p = 0.5 when j > i { w = if j > i then 1 else 1000 }", 3);
  const double allowed = n * (n - 1) / 2.0;
  CHECK(std::fabs(static_cast<double>(r.synapses) - allowed / 2) <= 4 * std::sqrt(allowed / 4));
  double total = 0;
  for (size_t j = 0; j < n; ++j) {
    CAPTURE(j);
    CHECK(r.x[j] <= static_cast<double>(j));
    total += r.x[j];
  }
  CHECK(total == doctest::Approx(static_cast<double>(r.synapses)));
  // in_degree with a condition: targets j ≥ 5 have j allowed sources ≥ 5.
  auto k = run_counted(
      n,
      "  connect P -> P[5:200] via Sx in_degree = 5 when i < j { w = if i < j then 1 else 1000 }",
      3);
  CHECK(k.synapses == 5 * (n - 5));
  for (size_t j = 0; j < n; ++j) {
    CAPTURE(j);
    CHECK(k.x[j] == (j >= 5 ? 5.0 : 0.0));
  }
}

TEST_CASE("connectivity (model): in_degree gives every target exactly k sources") {
  auto r = run_counted(100, "  connect P[0:60] -> P[40:100] via Sx in_degree = 12", 9);
  CHECK(r.synapses == 12 * 60);
  for (size_t j = 0; j < 100; ++j) CHECK(r.x[j] == (j >= 40 ? 12.0 : 0.0));
}

TEST_CASE(
    "connectivity (model): same seed gives the same network and a later projection does not change "
    "it") {
  const std::string first = "  connect P -> P via Sx p = 0.1 { w = i + 1 }";
  auto a = run_counted(150, first, 11);
  auto b = run_counted(150, first, 11);
  CHECK(a.x == b.x);
  auto other = run_counted(150, first, 12);
  CHECK(a.x != other.x);
  // A second projection, declared after the first, draws from its own stream.
  auto both = run_counted(150, first + "\n  connect P -> P via Sy p = 0.3", 11);
  CHECK(both.x == a.x);
  double ysum = 0;
  for (double y : both.y) ysum += y;
  CHECK(both.synapses == a.synapses + static_cast<size_t>(std::lround(ysum)));
}

TEST_CASE("connectivity (model): the CUBA example draws a binomial number of synapses") {
  // E (3200) -> P (4000) and I (800) -> P, both p = 0.02: Binomial(16e6, 0.02).
  auto c = neuro::driver::compile_file(std::string(NEURO_SOURCE_DIR) + "/examples/cuba.neuro", {},
                                       false);
  REQUIRE(c->module);
  REQUIRE(c->module->projections.size() == 2);
  CHECK(c->module->projections[0].src.size() == 3200);
  CHECK(c->module->projections[1].src.lo == 3200);
  CHECK(c->module->projections[1].src.hi == 4000);
  auto sim_owned = neuro::build_simulation(c->module);
  neuro::Simulation& sim = *sim_owned;
  const double n = 4000.0 * 4000.0, p = 0.02;
  const double mean = n * p, sd = std::sqrt(n * p * (1 - p));
  MESSAGE("CUBA synapses: " << sim.synapse_count() << " (mean " << mean << ", sd " << sd << ")");
  CHECK(std::fabs(static_cast<double>(sim.synapse_count()) - mean) <= 4 * sd);
}
