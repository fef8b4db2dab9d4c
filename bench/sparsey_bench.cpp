// Sparsey learning time per image: the network of examples/sparsey_fashion
// (784 input bits; level 1 a 4 × 4 grid of macs of 8 CMs × 32 cells over
// 7 × 7 patches; level 2 one mac of 16 × 8 over level 1), learning random
// images of 150 on bits (about a Fashion-MNIST outline). One image is one
// learning presentation: the input's spikes, level 1's CSA and learning,
// level 2's (three steps). Prints the median time per image over the
// measured images; no dataset needed.
//
//   ./build/bench/neuro_sparsey_bench [images=1000] [warmup=100]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/simulation.h"

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int warmup = argc > 2 ? std::atoi(argv[2]) : 100;
  if (images < 1 || warmup < 0) {
    std::fprintf(stderr, "usage: neuro_sparsey_bench [images >= 1] [warmup >= 0]\n");
    return 2;
  }
  const char* path = "/tmp/neuro_sparsey_bench.neuro";
  std::ofstream(path) << R"(
import stdlib.sparsey
circuit Bench {
  In = SparseyInput[784]
  L1 = SparseyCell[4096] { Q = 8, K = 32, inputs = 49 }
  L2 = SparseyCell[128] { Q = 16, K = 8, inputs = 4096 }
  connect In -> L1 via SparseyAfferent
    when floor((i % 28) / 7) == floor(j / 256) % 4 and floor(floor(i / 28) / 7) == floor(floor(j / 256) / 4)
  connect L1 -> L2 via SparseyAfferent
  select L1 by score  group = 32  draw
  select L2 by score  group = 8  draw
}
run Bench for 1 ms  dt = 1 ms  seed = 1
)";
  auto c = neuro::driver::compile_file(path, {}, false);
  if (!c->module) {
    std::fprintf(stderr, "%s", neuro::frontend::render_all(c->diags, c->sources).c_str());
    return 1;
  }
  auto sim_owned = neuro::build_simulation(c->module);
  neuro::Simulation& sim = *sim_owned;
  uint64_t x = 42;
  auto next = [&] { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  std::vector<double> ms;
  for (int k = 0; k < warmup + images; ++k) {
    std::set<uint32_t> bits;
    while (bits.size() < 150) bits.insert(static_cast<uint32_t>(next() % 784));
    auto t0 = std::chrono::steady_clock::now();
    sim.inject_spikes("In", std::vector<uint32_t>(bits.begin(), bits.end()));
    sim.run(3);
    auto t1 = std::chrono::steady_clock::now();
    if (k >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[static_cast<size_t>(p * (ms.size() - 1))]; };
  const auto w = sim.synapse_values(0, "w");
  const size_t set = static_cast<size_t>(std::count(w.begin(), w.end(), 1.0));
  std::printf(
      "sparsey learning time per image (784 bits -> 16 macs of 8x32 -> 16x8), %d images "
      "after %d warm-up\n",
      images, warmup);
  std::printf(
      "  median %.3f ms, 10th-90th percentile %.3f-%.3f ms; %zu synapses, %zu of the "
      "%zu level-1 weights set\n",
      pct(0.5), pct(0.1), pct(0.9), sim.synapse_count(), set, w.size());
  return 0;
}
