// The homeostatic learner of Man, Damasio & Neven (2022) on Fashion-MNIST:
// the MLP of stdlib.homeostatic trained three ways — its learning rate
// regulated homeostatically, regulated at random, and constant — at a low
// and a high rate of concept shift (label swaps per epoch). Prints the
// validation accuracy after each epoch, then the mean over the last epochs.
//
//   ./build/examples/neuro_homeostatic_mlp            # a short run (minutes)
//   ./build/examples/neuro_homeostatic_mlp --full     # the paper's protocol
//   options: --train N --val N --epochs E --low S --high S --seed K --data DIR
//
// Needs the Debian package dataset-fashion-mnist (or --data / NEURO_FASHION_MNIST).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "io/idx.h"
#include "neuro/engine.h"
#include "neuro/homeostatic.h"
#include "neuro/simulation.h"

namespace {

using neuro::homeostatic::Data;
using neuro::homeostatic::Regulation;

Data load(const std::string& split, size_t limit, const std::string& dir) {
  auto s = neuro::io::load_fashion_mnist(split, limit, dir);
  Data d;
  d.pixels = s.pixels;
  d.images = std::move(s.images);
  d.labels.assign(s.labels.begin(), s.labels.end());
  return d;
}

// Validation accuracy per epoch of one learner.
std::vector<double> run(Regulation reg, const Data& train0, const Data& val0, int epochs, int swaps,
                        uint64_t seed) {
  neuro::Engine engine;
  std::string text =
      "import stdlib.homeostatic\nrun HomeostaticMLP for 1 ms  seed = " + std::to_string(seed) +
      "\n";
  if (engine.load_text(text, "homeostatic_mlp") != neuro::Status::Ok ||
      engine.build() != neuro::Status::Ok) {
    for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s\n", d.message.c_str());
    std::exit(1);
  }
  neuro::homeostatic::Config c;
  c.regulation = reg;
  c.seed = seed;
  neuro::homeostatic::Learner learner(*engine.simulation(), c);
  Data train = train0, val = val0;  // the swaps change the labels
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffle(seed);
  std::vector<double> acc;
  for (int e = 0; e < epochs; ++e) {
    if (e > 0) std::shuffle(order.begin(), order.end(), shuffle);
    auto st = learner.epoch(train, order, val, swaps);
    acc.push_back(st.validation_accuracy);
    std::printf("  %-11s swaps/epoch %4d  epoch %2d  train %.4f  validation %.4f  eta %.6f",
                neuro::homeostatic::regulation_name(reg), swaps, e + 1, st.train_accuracy,
                st.validation_accuracy, st.eta);
    if (reg == Regulation::Homeostatic)
      std::printf("  take %zu / %zu", st.take, st.take + st.leave);
    std::printf("\n");
    std::fflush(stdout);
  }
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_train = 10000, n_val = 2000;
  int epochs = 5, low = 1, high = 100;
  uint64_t seed = 1;
  std::string dir = neuro::io::fashion_mnist_dir();
  for (int a = 1; a < argc; ++a) {
    std::string k = argv[a];
    auto next = [&]() -> const char* {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++a];
    };
    if (k == "--full") {
      n_train = 60000, n_val = 10000, epochs = 50;
    } else if (k == "--train") {
      n_train = std::strtoul(next(), nullptr, 10);
    } else if (k == "--val") {
      n_val = std::strtoul(next(), nullptr, 10);
    } else if (k == "--epochs") {
      epochs = std::atoi(next());
    } else if (k == "--low") {
      low = std::atoi(next());
    } else if (k == "--high") {
      high = std::atoi(next());
    } else if (k == "--seed") {
      seed = std::strtoull(next(), nullptr, 10);
    } else if (k == "--data") {
      dir = next();
    } else {
      std::fprintf(stderr,
                   "usage: %s [--full] [--train N] [--val N] [--epochs E] [--low S] [--high S] "
                   "[--seed K] [--data DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  Data train, val;
  try {
    train = load("train", n_train, dir);
    val = load("t10k", n_val, dir);
  } catch (const neuro::io::IdxError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::printf("Fashion-MNIST: %zu training and %zu validation images, %d epochs, seed %llu\n",
              train.size(), val.size(), epochs, static_cast<unsigned long long>(seed));
  const Regulation regs[] = {Regulation::Homeostatic, Regulation::Random, Regulation::Constant};
  std::vector<std::vector<double>> summary;
  for (int swaps : {low, high})
    for (Regulation reg : regs) summary.push_back(run(reg, train, val, epochs, swaps, seed));
  const int tail = std::max(1, epochs / 2);
  std::printf("\nmean validation accuracy over the last %d epochs\n", tail);
  std::printf("  swaps/epoch  homeostatic  random   constant\n");
  for (int s = 0; s < 2; ++s) {
    std::printf("  %11d", s == 0 ? low : high);
    for (int r = 0; r < 3; ++r) {
      const auto& a = summary[s * 3 + r];
      double m = 0;
      for (int e = epochs - tail; e < epochs; ++e) m += a[e];
      std::printf("  %9.4f", m / tail);
    }
    std::printf("\n");
  }
  return 0;
}
