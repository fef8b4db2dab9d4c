// Rate layers (`layer`, `via dense`, `learn`) and the homeostatic learner
// built on them: gradients against finite differences, the learning-rate
// rule case by case, training that lowers the loss, the IDX reader.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "interpreter/build_simulation.h"
#include "io/idx.h"
#include "neuro/homeostatic.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"

using neuro::build_simulation;
using neuro::module_of;
using neuro::Simulation;
using neuro::testing::compile_text;

namespace {

// A small net with every activation on the way; `out_act` and `loss` vary.
std::string small_net(const std::string& hidden, const std::string& out_act,
                      const std::string& loss) {
  return "modulator rate = 0\n"
         "circuit Net {\n"
         "  In = layer[3]\n"
         "  H = layer[4] { activation = " +
         hidden +
         ", bias = randn() }\n"
         "  G = layer[3] { activation = tanh, bias = randn() }\n"
         "  Out = layer[3] { activation = " +
         out_act +
         ", bias = randn() }\n"
         "  connect In -> H via dense { w = randn() }\n"
         "  connect H -> G via dense { w = randn() }\n"
         "  connect H -> Out via dense { w = randn() * 0.5 }\n"
         "  connect G -> Out via dense { w = randn() }\n"
         "  learn Out  loss = " +
         loss +
         "  rate = rate\n"
         "}\nrun Net for 1 ms seed = 3\n";
}

const double kX[] = {0.5, -1.2, 0.3, 1.5, 0.2, -0.7};  // two samples
const double kY[] = {0, 1, 0, 1, 0, 0};

// The loss of one step on the fixed minibatch with rate 0 (no change).
double loss_now(Simulation& sim) {
  sim.set_layer_input("In", kX, 2);
  sim.set_layer_targets("Out", kY, 2);
  *sim.modulator("rate") = 0;
  sim.run(1);
  return sim.layer_loss("Out");
}

void check_gradients(const std::string& text) {
  auto sim_owned = build_simulation(compile_text(text));
  Simulation& sim = *sim_owned;
  const auto& m = module_of(sim);
  // With rate 1, one step moves every trained value by minus its gradient.
  std::vector<std::vector<double>> before, grad;
  auto arrays = [&] {
    std::vector<std::pair<double*, size_t>> a;
    for (size_t d = 0; d < m.dense.size(); ++d)
      a.push_back(
          {sim.dense_weights(d), m.layers[m.dense[d].src].size * m.layers[m.dense[d].dst].size});
    for (const char* l : {"H", "G", "Out"}) a.push_back({sim.layer_bias(l), l[0] == 'H' ? 4u : 3u});
    return a;
  };
  for (auto [p, n] : arrays()) before.emplace_back(p, p + n);
  sim.set_layer_input("In", kX, 2);
  sim.set_layer_targets("Out", kY, 2);
  *sim.modulator("rate") = 1;
  sim.run(1);
  size_t k = 0;
  for (auto [p, n] : arrays()) {
    grad.emplace_back(n);
    for (size_t q = 0; q < n; ++q) {
      grad[k][q] = before[k][q] - p[q];
      p[q] = before[k][q];
    }
    ++k;
  }
  const double h = 1e-6;
  k = 0;
  size_t checked = 0;
  for (auto [p, n] : arrays()) {
    for (size_t q = 0; q < n; ++q) {
      p[q] = before[k][q] + h;
      double up = loss_now(sim);
      p[q] = before[k][q] - h;
      double down = loss_now(sim);
      p[q] = before[k][q];
      double fd = (up - down) / (2 * h);
      INFO("array " << k << " element " << q);
      CHECK(grad[k][q] == doctest::Approx(fd).epsilon(1e-5).scale(1e-3));
      ++checked;
    }
    ++k;
  }
  CHECK(checked == 12 + 12 + 12 + 9 + 4 + 3 + 3);
}

}  // namespace

TEST_CASE("rate layers: backpropagation matches finite differences of the loss") {
  SUBCASE("elu, cross-entropy on softmax") {
    check_gradients(small_net("elu", "softmax", "cross_entropy"));
  }
  SUBCASE("relu, squared error on sigmoid") {
    check_gradients(small_net("relu", "sigmoid", "mse"));
  }
  SUBCASE("sigmoid, squared error on softmax") {
    check_gradients(small_net("sigmoid", "softmax", "mse"));
  }
  SUBCASE("identity, squared error on identity") {
    check_gradients(small_net("identity", "identity", "mse"));
  }
}

TEST_CASE("rate layers: the forward pass is f(bias + W·x), column by column") {
  auto sim_owned = build_simulation(compile_text(
      "circuit C {\n  In = layer[2]\n  Out = layer[2] { activation = softmax, bias = i }\n"
      "  connect In -> Out via dense { w = i + 2 * j }\n}\nrun C for 1 ms\n"));
  Simulation& sim = *sim_owned;
  // W = [[0, 1], [2, 3]], bias = (0, 1).
  const double x[] = {1, 2, -1, 0.5};
  sim.set_layer_input("In", x, 2);
  sim.run(1);
  auto out = sim.layer_output("Out");
  REQUIRE(out.size() == 4);
  CHECK(sim.layer_batch() == 2);
  for (int b = 0; b < 2; ++b) {
    double z0 = 0 * x[2 * b] + 1 * x[2 * b + 1], z1 = 1 + 2 * x[2 * b] + 3 * x[2 * b + 1];
    double e0 = std::exp(z0), e1 = std::exp(z1);
    CHECK(out[2 * b] == doctest::Approx(e0 / (e0 + e1)));
    CHECK(out[2 * b + 1] == doctest::Approx(e1 / (e0 + e1)));
  }
  CHECK(std::isnan(sim.layer_loss("Out")));
  // Mistakes of the host are errors, not silence.
  CHECK_THROWS_AS(sim.set_layer_input("Out", x, 2), neuro::SimulationError);
  CHECK_THROWS_AS(sim.set_layer_targets("Out", x, 2), neuro::SimulationError);
  CHECK_THROWS_AS(sim.set_layer_input("Nope", x, 2), neuro::SimulationError);
  CHECK_THROWS_AS(sim.set_layer_input("In", x, 0), neuro::SimulationError);
}

TEST_CASE("rate layers: snapshots carry the weights") {
  auto sim_owned = build_simulation(compile_text(small_net("elu", "softmax", "cross_entropy")));
  Simulation& sim = *sim_owned;
  auto snap = sim.snapshot();
  double w0 = sim.dense_weights(0)[0];
  sim.set_layer_input("In", kX, 2);
  sim.set_layer_targets("Out", kY, 2);
  *sim.modulator("rate") = 0.5;
  sim.run(1);
  CHECK(sim.dense_weights(0)[0] != w0);
  sim.restore(snap);
  CHECK(sim.dense_weights(0)[0] == w0);
}

namespace hs = neuro::homeostatic;

TEST_CASE("homeostatic learner: η moves by Δ toward the label's side, floored at 1e-8") {
  hs::Config c;  // η0 = 0.001, Δ = 0.0001, excitatory from 5
  for (int label = 0; label < 10; ++label) {
    double want = label >= 5 ? 0.0011 : 0.0009;
    CHECK(hs::moved(0.001, label, c) == doctest::Approx(want));
  }
  CHECK(hs::moved(0.00005, 4, c) == 1e-8);  // below zero: the floor
  CHECK(hs::moved(1e-8, 0, c) == 1e-8);     // stays at the floor
  CHECK(hs::moved(1e-8, 9, c) == doctest::Approx(1e-8 + 1e-4));
  CHECK(hs::moved(0.0001, 3, c) == 0.0);  // exactly 0 is not below zero: kept
}

namespace {

// Synthetic 784-pixel images: class k lights a band of pixels, plus noise.
hs::Data synthetic(size_t n, uint64_t seed) {
  hs::Data d;
  d.images.assign(n * 784, 0);
  d.labels.resize(n);
  uint64_t s = seed;
  auto u = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  };
  for (size_t k = 0; k < n; ++k) {
    int c = static_cast<int>(u() * 10);
    d.labels[k] = c;
    for (size_t p = 0; p < 784; ++p) d.images[k * 784 + p] = 0.2 * u();
    for (size_t p = 78 * static_cast<size_t>(c); p < 78 * static_cast<size_t>(c) + 78; ++p)
      d.images[k * 784 + p] += 0.8;
  }
  return d;
}

std::unique_ptr<Simulation> mlp(uint64_t seed) {
  return build_simulation(compile_text(
      "import stdlib.homeostatic\nrun HomeostaticMLP for 1 ms seed = " + std::to_string(seed) +
      "\n"));
}

}  // namespace

TEST_CASE("homeostatic learner: each decision compares leave and take as the rule says") {
  auto sim = mlp(5);
  hs::Config c;  // large steps, so that one sample's update changes predictions
  c.eta0 = 2, c.delta = 1;
  hs::Learner learner(*sim, c);
  hs::Data data = synthetic(400, 7);
  std::vector<size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  size_t takes = 0, leaves = 0;
  for (size_t s = 30; s + 10 <= order.size(); s += 10) {
    // The independent truth: both simulated updates done here through the
    // simulation's own snapshots, scored on the 20 samples before s.
    const auto snap = sim->snapshot();
    std::vector<size_t> one{order[s]}, recent(order.begin() + s - 20, order.begin() + s);
    auto score = [&] {
      auto g = learner.predict(data, recent);
      size_t ok = 0;
      for (size_t k = 0; k < 20; ++k) ok += g[k] == data.labels[recent[k]];
      return ok;
    };
    double eta = learner.eta();
    learner.train_step(data, one, eta / 10);
    auto out = sim->layer_output("Out");
    int guess = static_cast<int>(std::max_element(out.begin(), out.end()) - out.begin());
    size_t leave = score();
    sim->restore(snap);
    learner.train_step(data, one, hs::moved(eta, guess, c) / 10);
    size_t take = score();
    sim->restore(snap);
    const double w = sim->dense_weights(2)[7];

    bool took = false;
    double got = learner.decide(data, order, s, &took);
    CHECK(sim->dense_weights(2)[7] == w);  // the simulations leave no trace
    CHECK(took == (take > leave));
    if (take > leave) {
      ++takes;
      CHECK(got == doctest::Approx(hs::moved(eta, data.labels[order[s]], c)));
    } else {
      ++leaves;
      CHECK(got == eta);
    }
    // Train on the minibatch so the next decision sees a new state.
    std::vector<size_t> batch(order.begin() + s, order.begin() + s + 10);
    learner.train_step(data, batch, 0.05);
  }
  CHECK(takes > 0);
  CHECK(leaves > 0);
}

TEST_CASE("homeostatic learner: training lowers the loss, and concept shift swaps labels") {
  hs::Data train = synthetic(600, 11), val = synthetic(200, 12);
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  for (auto reg : {hs::Regulation::Homeostatic, hs::Regulation::Random, hs::Regulation::Constant}) {
    auto sim = mlp(2);
    hs::Config c;
    c.regulation = reg;
    c.eta0 = 0.02, c.delta = 0.002;
    hs::Learner learner(*sim, c);
    hs::Data tr = train, va = val;
    auto first = learner.epoch(tr, order, va, 0);
    auto second = learner.epoch(tr, order, va, 0);
    auto third = learner.epoch(tr, order, va, 0);
    INFO(hs::regulation_name(reg));
    CHECK(third.mean_loss < first.mean_loss);
    CHECK(second.mean_loss < first.mean_loss);
    CHECK(third.validation_accuracy > 0.5);
    CHECK(third.eta >= 1e-8);
    if (reg == hs::Regulation::Constant) CHECK(third.eta == 0.02);
    if (reg == hs::Regulation::Homeostatic) CHECK(first.take + first.leave == 57u);  // s = 30 … 590
  }
  // Swaps: the same two classes exchange labels in both sets, counts preserved.
  hs::Data a = train, b = val;
  auto [x, y] = hs::swap_labels(a, b, 1, 0);
  CHECK(x != y);
  for (size_t k = 0; k < a.size(); ++k) {
    int l = train.labels[k];
    CHECK(a.labels[k] == (l == x ? y : l == y ? x : l));
  }
}

TEST_CASE("homeostatic learner: Fashion-MNIST subset trains (skipped without the dataset)") {
  neuro::io::LabelledImages tr, va;
  try {
    tr = neuro::io::load_fashion_mnist("train", 1000);
    va = neuro::io::load_fashion_mnist("t10k", 300);
  } catch (const neuro::io::IdxError& e) {
    MESSAGE("skipped: " << e.what());
    return;
  }
  hs::Data train, val;
  train.images = tr.images;
  train.labels.assign(tr.labels.begin(), tr.labels.end());
  val.images = va.images;
  val.labels.assign(va.labels.begin(), va.labels.end());
  auto sim = mlp(1);
  hs::Config c;
  c.eta0 = 0.01, c.delta = 0.001;
  hs::Learner learner(*sim, c);
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  double before = learner.accuracy(val);
  auto e1 = learner.epoch(train, order, val, 0);
  auto e2 = learner.epoch(train, order, val, 0);
  CHECK(e2.mean_loss < e1.mean_loss);
  CHECK(e2.validation_accuracy > before + 0.2);
}

namespace {

std::string write_bytes(const std::string& name, const std::vector<uint8_t>& bytes) {
  auto p = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return p;
}

}  // namespace

TEST_CASE("idx: plain and gzip files read; missing, truncated and foreign files are errors") {
  std::vector<uint8_t> ok = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};
  auto a = neuro::io::read_idx(write_bytes("neuro_idx_ok", ok));
  CHECK(a.dims == std::vector<uint32_t>{2, 3});
  CHECK(a.data == std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
  // The same through gzip.
  auto gz = (std::filesystem::temp_directory_path() / "neuro_idx_ok.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, ok.data(), static_cast<unsigned>(ok.size()));
  gzclose(f);
  CHECK(neuro::io::read_idx(gz).data == a.data);

  auto fails = [](const std::string& path, const std::string& part) {
    try {
      neuro::io::read_idx(path);
      FAIL("no error for " << path);
    } catch (const neuro::io::IdxError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(part) != std::string::npos);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
  };
  fails("/nonexistent/train-images-idx3-ubyte.gz", "no such file");
  fails(write_bytes("neuro_idx_short", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2}), "truncated");
  fails(write_bytes("neuro_idx_magic", {'P', 'K', 3, 4, 0, 0}), "not an IDX file");
  fails(write_bytes("neuro_idx_type", {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}), "not supported");
  fails(write_bytes("neuro_idx_long", {0, 0, 8, 1, 0, 0, 0, 1, 7, 8}), "after the data");
  CHECK_THROWS_AS(neuro::io::load_fashion_mnist("train", 10, "/nonexistent"), neuro::io::IdxError);
}
