// Dendritic segments: the temporal-memory unit cases of models.md §1 (htm.core's
// TemporalMemory tests), written with stdlib.temporal_memory; group
// reductions; and the segment API's checks.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "interpreter/build_simulation.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/shell.h"

namespace {

using neuro::build_simulation;
using neuro::module_of;
using neuro::Simulation;

// 32 columns × 4 cells (cell = column·4 + i) with the dendrite's parameters
// in the order of models.md: activationThreshold, initialPermanence,
// connectedPermanence, minThreshold, maxNewSynapseCount, increment,
// decrement, predictedSegmentDecrement.
struct Tm {
  std::unique_ptr<Simulation> sim;
  std::vector<uint32_t> active;  // cells that fired in the last compute

  Tm(int act, double init, double conn, int min, int max_new, double inc, double dec,
     double punish) {
    auto mod =
        neuro::testing::compile_text(fmt::format(R"(
import stdlib.temporal_memory
circuit C {{
  cells = TMCell[128] {{ cells_per_column = 4 }}
  connect cells -> cells.distal via Distal {{
    activation_threshold = {}, initial = {}, connected = {}, matching_threshold = {},
    max_new = {}, increment = {}, decrement = {}, punish = {}
  }}
  record predictive of cells
}}
run C for 1 ms
)",
                                                 act, init, conn, min, max_new, inc, dec, punish));
    sim = build_simulation(mod);
    sim->set_spike_listener([this](const std::string&, const uint32_t* ids, size_t n, double) {
      active.assign(ids, ids + n);
    });
  }
  void compute(std::set<uint32_t> columns) {
    double* col = sim->state_array("cells", "column");
    for (uint32_t c = 0; c < 128; ++c) col[c] = columns.count(c / 4) ? 1 : 0;
    active.clear();
    sim->run(1);
  }
  std::vector<uint32_t> predictive() const {
    const auto rec = sim->state_recordings().at(0);
    std::vector<uint32_t> out;
    const size_t row = rec.times.size() - 1;
    for (size_t k = 0; k < rec.ids.size(); ++k)
      if (rec.values[row * rec.ids.size() + k] != 0) out.push_back(rec.ids[k]);
    return out;
  }
  std::vector<Simulation::Segment> segments() const { return sim->segments(0); }
};

double perm_of(const Simulation::Segment& s, uint32_t pre) {
  for (size_t k = 0; k < s.pre.size(); ++k)
    if (s.pre[k] == pre) return s.permanence[k];
  return -1;
}

}  // namespace

TEST_CASE("temporal memory: an active segment makes its cell predictive, then alone active") {
  Tm tm(3, 0.21, 0.5, 2, 3, 0.1, 0.1, 0);
  tm.sim->add_segment(0, 4, {0, 1, 2, 3}, {0.5, 0.5, 0.5, 0.5});
  tm.compute({0});
  CHECK(tm.predictive() == std::vector<uint32_t>{4});
  tm.compute({1});
  CHECK(tm.active == std::vector<uint32_t>{4});
}

TEST_CASE("temporal memory: an unpredicted column bursts with one winner") {
  Tm tm(3, 0.21, 0.5, 2, 3, 0.1, 0.1, 0);
  tm.compute({0});
  CHECK(tm.active == std::vector<uint32_t>{0, 1, 2, 3});
  CHECK(tm.predictive().empty());
  // The single winner shows as the only cell the next burst's new segment
  // grows toward: the cell with the fewest segments, lowest index (cell 0).
  tm.compute({1});
  auto segs = tm.segments();
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].cell == 4);
  CHECK(segs[0].pre == std::vector<uint32_t>{0});
  CHECK(segs[0].permanence[0] == doctest::Approx(0.21).epsilon(1e-12));
}

TEST_CASE("temporal memory: a correctly predicting segment is reinforced") {
  Tm tm(3, 0.2, 0.5, 2, 4, 0.10, 0.08, 0.02);
  tm.sim->add_segment(0, 5, {0, 1, 2, 81}, {0.5, 0.5, 0.5, 0.5});
  tm.compute({0});
  tm.compute({1});
  CHECK(tm.active == std::vector<uint32_t>{5});
  auto segs = tm.segments();
  REQUIRE(segs.size() == 1);
  // Growth toward the previous winner (cell 0) adds nothing: it is already there.
  CHECK(segs[0].pre.size() == 4);
  for (uint32_t c : {0u, 1u, 2u}) CHECK(perm_of(segs[0], c) == doctest::Approx(0.6).epsilon(1e-12));
  CHECK(perm_of(segs[0], 81) == doctest::Approx(0.42).epsilon(1e-12));
}

TEST_CASE("temporal memory: in a bursting column only the best matching segment learns") {
  Tm tm(3, 0.21, 0.5, 2, 3, 0.10, 0.08, 0);
  tm.sim->add_segment(0, 4, {0, 1, 2, 81}, {0.3, 0.3, 0.3, 0.3});
  tm.sim->add_segment(0, 5, {0, 1, 81}, {0.3, 0.3, 0.3});
  tm.compute({0});
  tm.compute({1});
  CHECK(tm.active == std::vector<uint32_t>{4, 5, 6, 7});  // nothing was predicted: a burst
  auto segs = tm.segments();
  REQUIRE(segs.size() == 2);
  REQUIRE(segs[0].cell == 4);
  for (uint32_t c : {0u, 1u, 2u}) CHECK(perm_of(segs[0], c) == doctest::Approx(0.4).epsilon(1e-12));
  CHECK(perm_of(segs[0], 81) == doctest::Approx(0.22).epsilon(1e-12));
  REQUIRE(segs[1].cell == 5);
  for (double p : segs[1].permanence) CHECK(p == 0.3);
}

TEST_CASE("temporal memory: matching segments in inactive columns are punished") {
  Tm tm(3, 0.2, 0.5, 2, 4, 0.1, 0.1, 0.02);
  tm.sim->add_segment(0, 5, {0, 1, 2, 81}, {0.5, 0.5, 0.5, 0.5});
  tm.compute({0});
  tm.compute({2});
  auto segs = tm.segments();
  // Column 2 burst and its winner (cell 8) grew a segment toward cell 0.
  REQUIRE(segs.size() == 2);
  CHECK(segs[1].cell == 8);
  REQUIRE(segs[0].cell == 5);
  for (uint32_t c : {0u, 1u, 2u})
    CHECK(perm_of(segs[0], c) == doctest::Approx(0.48).epsilon(1e-12));
  CHECK(perm_of(segs[0], 81) == 0.5);
}

TEST_CASE("temporal memory: new segments grow toward the previous winners, at most max_new") {
  SUBCASE("max_new 2: two of the three winners") {
    Tm tm(3, 0.21, 0.5, 2, 2, 0.1, 0.1, 0);
    tm.compute({0, 1, 2});
    tm.compute({4});
    auto segs = tm.segments();
    REQUIRE(segs.size() == 1);
    CHECK(segs[0].cell / 4 == 4);
    REQUIRE(segs[0].pre.size() == 2);
    for (size_t k = 0; k < 2; ++k) {
      CHECK(std::set<uint32_t>{0, 4, 8}.count(segs[0].pre[k]) == 1);
      CHECK(segs[0].permanence[k] == doctest::Approx(0.21).epsilon(1e-12));
    }
    CHECK(segs[0].pre[0] != segs[0].pre[1]);
  }
  SUBCASE("max_new 4: exactly the three winners") {
    Tm tm(3, 0.21, 0.5, 2, 4, 0.1, 0.1, 0);
    tm.compute({0, 1, 2});
    tm.compute({4});
    auto segs = tm.segments();
    REQUIRE(segs.size() == 1);
    std::set<uint32_t> pre(segs[0].pre.begin(), segs[0].pre.end());
    CHECK(pre == std::set<uint32_t>{0, 4, 8});
  }
  SUBCASE("no previous winners: no segment at all") {
    Tm tm(3, 0.21, 0.5, 2, 2, 0.1, 0.1, 0);
    tm.compute({});
    tm.compute({1});
    CHECK(tm.segments().empty());
  }
}

TEST_CASE("temporal memory: the connected threshold has a 1e-6 tolerance") {
  // 0.5 − 1e-7 counts as connected (as htm.core's epsilon makes it), 0.5 − 1e-5 does not.
  for (auto [perm, predicted] : {std::pair{0.5 - 1e-7, true}, std::pair{0.5 - 1e-5, false}}) {
    Tm tm(3, 0.21, 0.5, 2, 3, 0.1, 0.1, 0);
    tm.sim->add_segment(0, 4, {0, 1, 2}, {perm, perm, perm});
    tm.compute({0});
    CHECK(tm.predictive().empty() != predicted);
  }
}

TEST_CASE("temporal memory: adapting prunes synapses below 1e-6 and then thin segments") {
  Tm tm(3, 0.21, 0.5, 2, 3, 0.1, 0.1, 0);
  // Synapses from 81, 82 lose 0.1 and vanish; 3 synapses remain ≥ matching 2.
  tm.sim->add_segment(0, 4, {0, 1, 2, 81, 82}, {0.5, 0.5, 0.5, 0.05, 0.1});
  // A second segment keeps 1 of its 2 synapses: fewer than 2, destroyed.
  tm.sim->add_segment(0, 4, {0, 1, 2, 83}, {0.3, 0.3, 0.3, 0.3});
  tm.compute({0});
  tm.compute({1});
  auto segs = tm.segments();
  REQUIRE(segs.size() == 2);
  CHECK(segs[0].pre.size() == 3);  // 82 at 0.1 − 0.1 = 0 < 1e-6 went too
}

TEST_CASE("segments: the API rejects bad fixtures with a reason") {
  Tm tm(3, 0.21, 0.5, 2, 3, 0.1, 0.1, 0);
  CHECK_THROWS_WITH_AS(tm.sim->add_segment(1, 0, {1}, {0.5}), doctest::Contains("no dendrite #1"),
                       neuro::SimulationError);
  CHECK_THROWS_WITH_AS(tm.sim->add_segment(0, 500, {1}, {0.5}), doctest::Contains("outside"),
                       neuro::SimulationError);
  CHECK_THROWS_WITH_AS(tm.sim->add_segment(0, 0, {1}, {1.5}), doctest::Contains("[0, 1]"),
                       neuro::SimulationError);
  CHECK_THROWS_WITH_AS(tm.sim->add_segment(0, 0, {1, 1}, {0.5, 0.5}),
                       doctest::Contains("at most one synapse"), neuro::SimulationError);
  CHECK_THROWS_AS(tm.sim->snapshot(), neuro::SimulationError);
  CHECK(tm.segments().empty());
}

TEST_CASE("group reductions: max, argmax (first on ties) and sum over consecutive groups") {
  auto mod = neuro::testing::compile_text(R"(
neuron U {
  state x = if i % 4 == 1 or i % 4 == 2 then 5 else i
  let m = group_max(x, 4)
  let first = group_argmax(x, 4)
  let s = group_sum(x, 4)
}
circuit C {
  P = U[10]
  record m, first, s of P
}
run C for 0.1 ms
)");
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  sim.run(1);
  auto recs = sim.state_recordings();
  // x = 0 5 5 3 | 4 5 5 7 | 8 5   (the last group has 2 neurons)
  std::vector<double> m, first, s;
  for (const auto& r : recs) {
    std::vector<double> row(r.values.end() - 10, r.values.end());
    (r.variable == "m" ? m : r.variable == "first" ? first : s) = row;
  }
  CHECK(m == std::vector<double>{5, 5, 5, 5, 7, 7, 7, 7, 8, 8});
  CHECK(first == std::vector<double>{0, 1, 0, 0, 0, 0, 0, 1, 1, 0});
  CHECK(s == std::vector<double>{13, 13, 13, 13, 21, 21, 21, 21, 13, 13});
}

namespace {

// A temporal memory of 100 columns for sequence learning; `compute` returns
// whether every active column was predicted (anomaly 0).
struct SeqTm {
  std::unique_ptr<Simulation> sim;
  size_t cpc;
  explicit SeqTm(size_t cells_per_column, double punish = 0) : cpc(cells_per_column) {
    auto mod = neuro::testing::compile_text(fmt::format(R"(
import stdlib.temporal_memory
circuit C {{
  cells = TMCell[{}] {{ cells_per_column = {} }}
  connect cells -> cells.distal via Distal {{
    initial = 0.8, connected = 0.7, activation_threshold = 11, matching_threshold = 11,
    max_new = 11, increment = 0.4, decrement = 0.1, punish = {}
  }}
  record predictive of cells
}}
run C for 1 ms
)",
                                                        100 * cpc, cpc, punish));
    sim = build_simulation(mod);
  }
  std::set<uint32_t> predicted_columns() const {
    const auto rec = sim->state_recordings().at(0);
    std::set<uint32_t> out;
    const size_t row = rec.times.size() - 1;
    for (size_t k = 0; k < rec.ids.size(); ++k)
      if (rec.values[row * rec.ids.size() + k] != 0) out.insert(rec.ids[k] / cpc);
    return out;
  }
  // Presents `columns`; returns the fraction of them that were not predicted.
  double compute(const std::vector<uint32_t>& columns, bool learn) {
    *sim->modulator("learn") = learn ? 1 : 0;
    auto before = predicted_columns();
    double* col = sim->state_array("cells", "column");
    std::fill(col, col + 100 * cpc, 0.0);
    size_t missed = 0;
    for (uint32_t c : columns) {
      for (size_t k = 0; k < cpc; ++k) col[c * cpc + k] = 1;
      missed += !before.count(c);
    }
    sim->run(1);
    return columns.empty() ? 0 : static_cast<double>(missed) / columns.size();
  }
  void reset() { compute({}, false); }
};

std::vector<std::vector<uint32_t>> random_patterns(size_t count, uint64_t seed) {
  std::vector<std::vector<uint32_t>> out;
  uint64_t x = seed;
  for (size_t p = 0; p < count; ++p) {
    std::vector<uint32_t> cols(100);
    for (uint32_t c = 0; c < 100; ++c) cols[c] = c;
    for (size_t k = 0; k < 20; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      std::swap(cols[k], cols[k + (x >> 33) % (100 - k)]);
    }
    cols.resize(20);
    std::sort(cols.begin(), cols.end());
    out.push_back(cols);
  }
  return out;
}

}  // namespace

TEST_CASE("temporal memory: one pass learns a sequence of 20 patterns; the second predicts it") {
  SeqTm tm(1);
  auto seq = random_patterns(20, 7);
  for (const auto& p : seq) tm.compute(p, true);
  tm.reset();
  for (size_t k = 0; k < seq.size(); ++k) {
    double anomaly = tm.compute(seq[k], false);
    INFO("element " << k);
    if (k == 0)
      CHECK(anomaly == 1);  // nothing predicts the first element after a reset
    else
      CHECK(anomaly == 0);
  }
}

// Telling them apart needs the punishment of wrong predictions
// (predictedSegmentDecrement): without it, A B C keeps predicting Y as well
// as D, because the Y segment first grew toward the bursting C cells.
TEST_CASE("temporal memory: high-order sequences sharing a middle part are told apart") {
  SeqTm tm(4, 0.1);
  auto pats = random_patterns(6, 11);
  const std::vector<uint32_t>&A = pats[0], &B = pats[1], &C = pats[2], &D = pats[3], &X = pats[4],
        &Y = pats[5];
  for (int pass = 0; pass < 10; ++pass) {
    for (const auto* p : {&A, &B, &C, &D}) tm.compute(*p, true);
    tm.reset();
    for (const auto* p : {&X, &B, &C, &Y}) tm.compute(*p, true);
    tm.reset();
  }
  auto ends_with = [&](const std::vector<uint32_t>& first) {
    for (const auto* p : {&first, &B, &C}) tm.compute(*p, false);
    auto pred = tm.predicted_columns();
    tm.reset();
    return pred;
  };
  auto after_abc = ends_with(A), after_xbc = ends_with(X);
  CHECK(after_abc == std::set<uint32_t>(D.begin(), D.end()));
  CHECK(after_xbc == std::set<uint32_t>(Y.begin(), Y.end()));
}

TEST_CASE("examples/tm_letters: the anomaly falls from 1 to 0 as the letters are learned") {
  auto r = neuro::testing::run_shell(std::string(NEURO_TM_LETTERS) + " 4");
  REQUIRE(r.status == 0);
  std::vector<double> means;
  for (size_t at = r.out.find("mean "); at != std::string::npos; at = r.out.find("mean ", at + 1))
    means.push_back(std::stod(r.out.substr(at + 5)));
  INFO(r.out);
  REQUIRE(means.size() == 4);
  CHECK(means[0] == 1);  // nothing is known on the first pass
  CHECK(means[3] == 0);  // every letter predicted, the repeated L and O by their context
  auto bad = neuro::testing::run_shell(std::string(NEURO_TM_LETTERS) + " 1 hello");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("capital letters") != std::string::npos);
}
