// Sparsey (stdlib.sparsey): the Code Selection Algorithm's properties and the
// invariants case of models.md §2, checked against the CSA's closed forms
// (Rinkus 2014) computed here independently of the model.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>

#include "interpreter/build_simulation.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/shell.h"

namespace {

using neuro::build_simulation;
using neuro::module_of;
using neuro::Simulation;

// The CSA's defaults (docs/stdlib.md).
constexpr double kGMinus = 0.1, kGamma = 2, kChi = 100;
constexpr double kS1 = 0.1, kS2 = 4, kS3 = 1, kS4 = 8;

double eta_of(double G, int K) {
  return 1 + std::pow(std::max(0.0, (G - kGMinus) / (1 - kGMinus)), kGamma) * kChi * K;
}
double mu_of(double V, double eta) {
  return (eta - 1) / std::pow(1 + kS1 * std::exp(-kS2 * (V - kS3)), kS4) + 1;
}

// One level: `inputs` input bits, `macs` macs of Q CMs × K cells, every cell
// connected to every input bit. `extra` goes into the cells' initialiser.
struct Mac {
  std::unique_ptr<Simulation> sim;
  int Q, K;
  std::vector<uint32_t> code;  // the cells that won in the last step
  Mac(int inputs, int Q_, int K_, uint64_t seed, const std::string& extra = "", int macs = 1)
      : Q(Q_), K(K_) {
    auto mod = neuro::testing::compile_text(fmt::format(R"(
import stdlib.sparsey
circuit C {{
  In = SparseyInput[{0}]
  M = SparseyCell[{1}] {{ Q = {2}, K = {3}, inputs = {0}{4} }}
  connect In -> M via SparseyAfferent
  select M by score  group = {3}  draw
  record G of M every 2 ms
}}
run C for 1 ms  dt = 1 ms  seed = {5}
)",
                                                        inputs, macs * Q * K, Q, K, extra, seed));
    sim = build_simulation(mod);
    sim->set_spike_listener([this](const std::string& pop, const uint32_t* ids, size_t n, double) {
      if (pop == "M") code.assign(ids, ids + n);
    });
  }
  // One presentation (two steps): the input bits spike, then the mac chooses.
  std::vector<uint32_t> present(const std::vector<uint32_t>& bits, bool learn) {
    *sim->modulator("sparsey_learn") = learn ? 1 : 0;
    code.clear();
    sim->inject_spikes("In", bits);
    sim->run(2);
    return code;
  }
  // G of mac `m` at the last presentation (recorded every second step).
  double G(int m = 0) const {
    const auto rec = sim->state_recordings().at(0);
    const size_t row = rec.times.size() - 1;
    return rec.values[row * rec.ids.size() + static_cast<size_t>(m * Q * K)];
  }
  size_t weights_set() const {
    auto w = sim->synapse_values(0, "w");
    return static_cast<size_t>(std::count(w.begin(), w.end(), 1.0));
  }
};

std::vector<uint32_t> range_bits(uint32_t lo, uint32_t n) {
  std::vector<uint32_t> b(n);
  std::iota(b.begin(), b.end(), lo);
  return b;
}

size_t overlap(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::set<uint32_t> s(a.begin(), a.end());
  size_t n = 0;
  for (uint32_t x : b) n += s.count(x);
  return n;
}

}  // namespace

TEST_CASE("sparsey: the invariants case of models.md (Q 5, K 8, 16 bits, four inputs)") {
  const std::vector<std::vector<uint32_t>> inputs = {
      {0, 1, 2}, {6, 7, 8}, {11, 12, 13}, {3, 4, 14}};
  const std::vector<uint32_t> novel = {5, 9, 10, 15};
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    INFO("seed " << seed);
    Mac mac(16, 5, 8, seed);
    std::vector<std::vector<uint32_t>> codes;
    for (const auto& x : inputs) {
      codes.push_back(mac.present(x, true));
      REQUIRE(codes.back().size() == 5);
      for (int q = 0; q < 5; ++q) CHECK(codes.back()[q] / 8 == static_cast<uint32_t>(q));
      CHECK(mac.G() == 0);  // nothing stored answers a new input's bits
    }
    CHECK(std::set<std::vector<uint32_t>>(codes.begin(), codes.end()).size() == 4);
    std::vector<double> G;
    for (size_t k = 0; k < inputs.size(); ++k) {
      CHECK(mac.present(inputs[k], false) == codes[k]);
      G.push_back(mac.G());
      CHECK(G.back() >= 0.99);
    }
    mac.present(novel, false);
    for (double g : G) CHECK(mac.G() < g);
  }
}

TEST_CASE("sparsey: with eta = 1 (a novel input) every cell of a CM is equally likely") {
  // Frozen from the start (freeze = -1), so no weight is ever set: every
  // presentation is novel, G = 0, η = 1, μ = 1 for every cell.
  Mac mac(16, 5, 8, 7, ", freeze = -1");
  std::vector<int> wins(40, 0);
  const int n = 800;
  for (int r = 0; r < n; ++r) {
    auto code = mac.present({0, 1, 2, 3}, true);
    REQUIRE(code.size() == 5);
    for (uint32_t c : code) wins[c]++;
  }
  CHECK(mac.G() == 0);
  CHECK(mac.weights_set() == 0);
  // χ² over the 40 cells against n/8 each: 35 degrees of freedom (mean 35, sd 8.4).
  double chi2 = 0;
  for (int w : wins) chi2 += (w - n / 8.0) * (w - n / 8.0) / (n / 8.0);
  INFO("chi2 = " << chi2);
  CHECK(chi2 < 35 + 4 * std::sqrt(70.0));
}

TEST_CASE("sparsey: a familiar input (G = 1) reactivates its code with the CSA's probability") {
  // 50 disjoint inputs of 4 bits, each learned, then each presented again
  // while learning: per CM the stored cell wins with ρ = μ(1)/(μ(1) + 7·μ(0)).
  Mac mac(200, 5, 8, 3);
  std::vector<std::vector<uint32_t>> codes;
  for (uint32_t p = 0; p < 50; ++p) codes.push_back(mac.present(range_bits(4 * p, 4), true));
  size_t same = 0, total = 0;
  for (uint32_t p = 0; p < 50; ++p) {
    auto again = mac.present(range_bits(4 * p, 4), true);
    CHECK(mac.G() == 1);
    same += overlap(codes[p], again);
    total += 5;
  }
  const double eta = eta_of(1, 8), rho = mu_of(1, eta) / (mu_of(1, eta) + 7 * mu_of(0, eta));
  const double measured = static_cast<double>(same) / total;
  INFO("measured " << measured << ", expected " << rho);
  CHECK(std::abs(measured - rho) < 4 * std::sqrt(rho * (1 - rho) / total) + 1e-9);
}

TEST_CASE("sparsey: similar inputs get overlapping codes; overlap falls with input overlap") {
  // Trial: learn X (20 bits), then present X' sharing k of X's bits (the
  // rest new) while learning. Per CM the stored cell has V = U = k/20, the
  // others V = 0, and G = k/20, so it wins with a probability known in closed
  // form. Trials use disjoint bits, so they do not interact.
  const int Q = 8, K = 8, per_sim = 40;
  std::vector<double> mean;
  for (uint32_t k : {20u, 16u, 12u, 8u, 0u}) {
    size_t same = 0, total = 0;
    for (uint64_t seed : {11, 12}) {
      Mac mac(per_sim * 40, Q, K, seed);
      for (uint32_t trial = 0; trial < per_sim; ++trial) {
        const uint32_t base = trial * 40;
        auto x = range_bits(base, 20);
        auto code_x = mac.present(x, true);
        std::vector<uint32_t> y(x.begin(), x.begin() + k);
        for (uint32_t b = 20; b < 40 - k; ++b) y.push_back(base + b);
        auto code_y = mac.present(y, true);
        CHECK(mac.G() == doctest::Approx(k / 20.0).epsilon(1e-12));
        same += overlap(code_x, code_y);
        total += Q;
      }
    }
    const double V = k / 20.0, eta = eta_of(V, K);
    const double rho = mu_of(V, eta) / (mu_of(V, eta) + (K - 1) * mu_of(0, eta));
    mean.push_back(static_cast<double>(same) / total);
    INFO("input overlap " << k << "/20: code overlap " << mean.back() << ", expected " << rho);
    CHECK(std::abs(mean.back() - rho) < 4 * std::sqrt(rho * (1 - rho) / total) + 1e-9);
  }
  // 20 → 16 → 12 → 8 shared bits: strictly less code overlap each time;
  // 8 shared bits is already close to chance (1/K), where 0 shared bits is.
  CHECK(mean[0] > mean[1]);
  CHECK(mean[1] > mean[2]);
  CHECK(mean[2] > mean[3]);
  CHECK(mean[3] >= mean[4] - 0.05);
  CHECK(mean[4] == doctest::Approx(1.0 / K).epsilon(0.5));
}

TEST_CASE("sparsey: a mac stops learning once more than half its weights are set") {
  // 64 bits × 4 cells (Q 2, K 2) = 256 weights; each learned input of 6
  // random bits sets at most 12 of them.
  Mac mac(64, 2, 2, 9);
  size_t frozen_at = 0;
  uint64_t x = 5;
  for (int r = 0; r < 60; ++r) {
    std::set<uint32_t> bits;
    while (bits.size() < 6) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      bits.insert(static_cast<uint32_t>((x >> 33) % 64));
    }
    const size_t before = mac.weights_set();
    mac.present(std::vector<uint32_t>(bits.begin(), bits.end()), true);
    const size_t after = mac.weights_set();
    if (before > 128) {
      CHECK(after == before);  // frozen: nothing changes any more
      if (!frozen_at) frozen_at = before;
    }
    // The cells' own count of their set weights agrees with the synapses.
    double* ws = mac.sim->state_array("M", "weights_set");
    CHECK(std::accumulate(ws, ws + 4, 0.0) == static_cast<double>(after));
  }
  CHECK(frozen_at > 128);
  CHECK(frozen_at <= 128 + 12);  // at most one presentation past half
}

TEST_CASE("sparsey: a two-level hierarchy learns codes of codes") {
  // Level 1 (Q 5, K 8) sees 16 bits; level 2 (Q 3, K 4) sees level 1's 40
  // cells, one step later. Each presentation is three steps.
  auto mod = neuro::testing::compile_text(R"(
import stdlib.sparsey
circuit H {
  In = SparseyInput[16]
  L1 = SparseyCell[40] { Q = 5, K = 8, inputs = 16 }
  L2 = SparseyCell[12] { Q = 3, K = 4, inputs = 40 }
  connect In -> L1 via SparseyAfferent
  connect L1 -> L2 via SparseyAfferent
  select L1 by score  group = 8  draw
  select L2 by score  group = 4  draw
  record G of L2[0] every 3 ms
}
run H for 1 ms  dt = 1 ms  seed = 4
)");
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  std::vector<uint32_t> l1, l2;
  sim.set_spike_listener([&](const std::string& pop, const uint32_t* ids, size_t n, double) {
    (pop == "L1" ? l1 : l2).assign(ids, ids + n);
  });
  auto present = [&](const std::vector<uint32_t>& bits, bool learn) {
    *sim.modulator("sparsey_learn") = learn ? 1 : 0;
    l1.clear(), l2.clear();
    sim.inject_spikes("In", bits);
    sim.run(2);
    auto code1 = l1;
    sim.run(1);
    return std::pair{code1, l2};
  };
  const std::vector<std::vector<uint32_t>> inputs = {
      {0, 1, 2}, {6, 7, 8}, {11, 12, 13}, {3, 4, 14}};
  std::vector<std::pair<std::vector<uint32_t>, std::vector<uint32_t>>> learned;
  for (const auto& x : inputs) {
    learned.push_back(present(x, true));
    CHECK(learned.back().first.size() == 5);
    CHECK(learned.back().second.size() == 3);
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    CHECK(present(inputs[k], false) == learned[k]);
    const auto rec = sim.state_recordings().at(0);
    CHECK(rec.values.back() >= 0.99);  // level 2 knows level 1's code
  }
}

// The Fashion-MNIST example on a few images (its full run is in docs/stdlib.md).
TEST_CASE("examples/sparsey_fashion: learns 10 images per class and beats chance") {
  SUBCASE("a missing dataset is a clear error") {
    auto r = neuro::testing::run_shell("NEURO_FASHION_MNIST=/nonexistent " +
                                       std::string(NEURO_SPARSEY_FASHION) + " 2 10");
    CHECK(r.status == 1);
    CHECK(r.err.find("/nonexistent/train-images-idx3-ubyte.gz: no such file") != std::string::npos);
  }
  SUBCASE("a few images") {
    if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz") &&
        !std::getenv("NEURO_FASHION_MNIST")) {
      MESSAGE("Fashion-MNIST is not installed (dataset-fashion-mnist): skipped");
      return;
    }
    auto r = neuro::testing::run_shell(std::string(NEURO_SPARSEY_FASHION) + " 10 100 1");
    REQUIRE(r.status == 0);
    auto at = r.out.find("cell-class counts: ");
    REQUIRE(at != std::string::npos);
    const double accuracy = std::atof(r.out.c_str() + at + 19);
    // Chance is 10 %: 20 of 100 right has a probability below 1e-3 by chance.
    CHECK(accuracy >= 20);
    CHECK(r.out.find("ms per image") != std::string::npos);
  }
}
