// Sparsey (stdlib.sparsey) on Fashion-MNIST: unsupervised single-trial
// learning of a few hundred images per class, then a simple readout.
//
// Level 1 is a 4 × 4 grid of macs, each seeing a 7 × 7 patch of the
// binarised image (a pixel is on when it is at least half bright and a
// 4-neighbour is not: the outline of the garment, which is sparser than its
// fill); level 2 is one mac seeing all of level 1. Every training image is
// presented once with learning on (the CSA draws each code; a mac stops
// learning when half its weights are set). Then learning is off and every
// image, training and test, gets its codes by the CSA's argmax (two steps
// for level 1, one more for level 2). The readout is supervised and simple:
// each cell counts how often it was in the code of a training image of each
// class, and a test image goes to the class with the largest sum of its
// cells' normalised counts. Prints the accuracy and the times taken.
//
//   ./build/examples/neuro_sparsey_fashion [train_per_class=200] [test=1000] [seed=1]
//
// The dataset is Debian's dataset-fashion-mnist (or $NEURO_FASHION_MNIST).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/idx.h"
#include "neuro/engine.h"

namespace {

constexpr int kSide = 28, kPatch = 7, kGrid = kSide / kPatch, kMacs = kGrid * kGrid;
constexpr int kQ1 = 8, kK1 = 32;  // level 1: per mac
constexpr int kQ2 = 16, kK2 = 8;  // level 2
constexpr int kClasses = 10;

std::string model_text(uint64_t seed) {
  const int mac = kQ1 * kK1;
  char text[4096];
  std::snprintf(text, sizeof text, R"(
import stdlib.sparsey
circuit Fashion {
  In = SparseyInput[%d]
  L1 = SparseyCell[%d] { Q = %d, K = %d, inputs = %d }
  L2 = SparseyCell[%d] { Q = %d, K = %d, inputs = %d }
  # Mac m of level 1 sees the 7 × 7 patch in row m / 4, column m %% 4 of the image.
  connect In -> L1 via SparseyAfferent
    when floor((i %% %d) / %d) == floor(j / %d) %% %d and floor(floor(i / %d) / %d) == floor(floor(j / %d) / %d)
  connect L1 -> L2 via SparseyAfferent
  select L1 by score  group = %d  draw
  select L2 by score  group = %d  draw
}
run Fashion for 1 ms  dt = 1 ms  seed = %llu
)",
                kSide * kSide, kMacs * mac, kQ1, kK1, kPatch * kPatch, kQ2 * kK2, kQ2, kK2,
                kMacs * mac, kSide, kPatch, mac, kGrid, kSide, kPatch, mac, kGrid, kK1, kK2,
                static_cast<unsigned long long>(seed));
  return text;
}

// The on pixels: bright, with a dark 4-neighbour (or the image's edge).
std::vector<uint32_t> outline(const double* image) {
  auto on = [&](int r, int c) {
    return r >= 0 && r < kSide && c >= 0 && c < kSide && image[r * kSide + c] >= 0.5;
  };
  std::vector<uint32_t> bits;
  for (int r = 0; r < kSide; ++r)
    for (int c = 0; c < kSide; ++c)
      if (on(r, c) && !(on(r - 1, c) && on(r + 1, c) && on(r, c - 1) && on(r, c + 1)))
        bits.push_back(static_cast<uint32_t>(r * kSide + c));
  return bits;
}

int fail(neuro::Engine& e, const char* what) {
  std::fprintf(stderr, "sparsey_fashion: %s failed\n", what);
  for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.rendered.c_str());
  return 1;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t per_class = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200;
  const size_t n_test = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  if (per_class == 0 || per_class > 6000 || n_test == 0 || n_test > 10000) {
    std::fprintf(stderr,
                 "usage: neuro_sparsey_fashion [train_per_class 1..6000] [test 1..10000] "
                 "[seed]\n");
    return 2;
  }
  neuro::io::LabelledImages train, test;
  try {
    train = neuro::io::load_fashion_mnist("train");
    test = neuro::io::load_fashion_mnist("t10k", n_test);
  } catch (const neuro::io::IdxError& e) {
    std::fprintf(stderr, "sparsey_fashion: %s\n", e.what());
    return 1;
  }
  // The first `per_class` images of each class, in the file's order.
  std::vector<size_t> chosen;
  std::array<size_t, kClasses> taken{};
  for (size_t k = 0; k < train.count && chosen.size() < per_class * kClasses; ++k)
    if (taken[train.labels[k]] < per_class) {
      taken[train.labels[k]]++;
      chosen.push_back(k);
    }

  neuro::Engine e;
  if (e.load_text(model_text(seed), "sparsey_fashion.neuro") != neuro::Status::Ok)
    return fail(e, "loading");
  if (e.build() != neuro::Status::Ok) return fail(e, "building");
  std::vector<uint32_t> code1, code2;
  e.subscribe_spikes(
      "L1", [&](std::span<const uint32_t> ids, double) { code1.assign(ids.begin(), ids.end()); });
  e.subscribe_spikes(
      "L2", [&](std::span<const uint32_t> ids, double) { code2.assign(ids.begin(), ids.end()); });
  // One presentation: the outline's bits spike, level 1 chooses, level 2 chooses.
  auto present = [&](const double* image) {
    auto bits = outline(image);
    code1.clear(), code2.clear();
    e.inject_spikes("In", bits);
    e.step(2);
    std::vector<uint32_t> code = code1;
    e.step(1);
    for (uint32_t c : code2) code.push_back(static_cast<uint32_t>(kMacs * kQ1 * kK1) + c);
    return code;
  };
  const size_t cells = kMacs * kQ1 * kK1 + kQ2 * kK2;

  auto t0 = std::chrono::steady_clock::now();
  e.set_modulator("sparsey_learn", "", 1);
  for (size_t k : chosen) present(&train.images[k * train.pixels]);
  const double learn_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  e.set_modulator("sparsey_learn", "", 0);
  std::vector<std::array<double, kClasses>> counts(cells, std::array<double, kClasses>{});
  std::vector<std::vector<bool>> stored;  // each training image's code, for the nearest code
  for (size_t k : chosen) {
    stored.emplace_back(cells, false);
    for (uint32_t c : present(&train.images[k * train.pixels])) {
      counts[c][train.labels[k]] += 1;
      stored.back()[c] = true;
    }
  }
  // Each cell's counts as the fraction of its wins per class.
  for (auto& row : counts) {
    double sum = 0;
    for (double x : row) sum += x;
    if (sum > 0)
      for (double& x : row) x /= sum;
  }
  size_t right = 0, right_nn = 0;
  for (size_t k = 0; k < test.count; ++k) {
    std::array<double, kClasses> vote{};
    const auto code = present(&test.images[k * test.pixels]);
    for (uint32_t c : code)
      for (int q = 0; q < kClasses; ++q) vote[q] += counts[c][q];
    right += static_cast<size_t>(std::max_element(vote.begin(), vote.end()) - vote.begin()) ==
             test.labels[k];
    // The class of the stored code that overlaps this one most (first on ties).
    size_t best = 0, best_overlap = 0;
    for (size_t s = 0; s < stored.size(); ++s) {
      size_t o = 0;
      for (uint32_t c : code) o += stored[s][c];
      if (o > best_overlap) best = s, best_overlap = o;
    }
    right_nn += train.labels[chosen[best]] == test.labels[k];
  }
  const double readout_s = seconds_since(t0);

  std::vector<double> frozen;
  e.get("L1.weights_set", "", frozen);
  size_t frozen_macs = 0;
  for (int m = 0; m < kMacs; ++m) {
    double sum = 0;
    for (int c = 0; c < kQ1 * kK1; ++c) sum += frozen[m * kQ1 * kK1 + c];
    frozen_macs += sum > 0.5 * kQ1 * kK1 * kPatch * kPatch;
  }
  std::printf("Sparsey on Fashion-MNIST: %zu training images (%zu per class), %zu test images\n",
              chosen.size(), per_class, test.count);
  std::printf("  level 1: %d macs of %d x %d over 7x7 patches; level 2: one mac of %d x %d\n",
              kMacs, kQ1, kK1, kQ2, kK2);
  std::printf(
      "  learning: %.2f s, %.3f ms per image (single trial); %zu of %d level-1 macs "
      "froze\n",
      learn_s, 1e3 * learn_s / chosen.size(), frozen_macs, kMacs);
  std::printf("  readout (codes of train + test, no learning): %.2f s\n", readout_s);
  std::printf("  test accuracy, cell-class counts: %.1f %% (%zu / %zu; chance 10 %%)\n",
              100.0 * right / test.count, right, test.count);
  std::printf("  test accuracy, nearest stored code: %.1f %% (%zu / %zu)\n",
              100.0 * right_nn / test.count, right_nn, test.count);
  return 0;
}
