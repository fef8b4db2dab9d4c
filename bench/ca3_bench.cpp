// CA3 memory operations per second (stdlib.ca3 through neuro::ca3::Memory).
//
//   build/bench/neuro_ca3_bench [cues] [bits] [operations]
//
// Learns a random content at every cue, then runs a mix of learns (1/4),
// recalls by cue and recalls by content (3/8 each), and prints the
// operations per second of wall time and the simulated time per operation.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "neuro/ca3.h"

int main(int argc, char** argv) {
  int cues = argc > 1 ? std::atoi(argv[1]) : 16;
  int bits = argc > 2 ? std::atoi(argv[2]) : 16;
  int ops = argc > 3 ? std::atoi(argv[3]) : 2000;
  if (cues < 1 || bits < 1 || ops < 1) {
    std::fprintf(stderr, "usage: neuro_ca3_bench [cues] [bits] [operations]\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  neuro::ca3::Memory memory(cues, bits);
  if (memory.status() != neuro::Status::Ok) {
    for (const auto& d : memory.engine().diagnostics())
      std::fprintf(stderr, "%s\n", d.rendered.c_str());
    return 1;
  }
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::mt19937 rng(1);
  auto content = [&] {
    std::vector<int> c;
    for (int b = 0; b < bits; ++b)
      if (rng() % 4 == 0) c.push_back(b);
    if (c.empty()) c.push_back(static_cast<int>(rng() % bits));
    return c;
  };
  for (int cue = 0; cue < cues; ++cue) memory.learn(cue, content());
  std::vector<int> out;
  start = std::chrono::steady_clock::now();
  double sim_start = memory.engine().time();
  for (int k = 0; k < ops; ++k) {
    int kind = static_cast<int>(rng() % 8);
    int cue = static_cast<int>(rng() % cues);
    if (kind < 2) {
      memory.learn(cue, content());
    } else if (kind < 5) {
      memory.recall_by_cue(cue, out);
    } else {
      int bit = static_cast<int>(rng() % bits);
      memory.recall_by_content(std::vector<int>{bit}, out);
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double sim_ms = (memory.engine().time() - sim_start) * 1e3;
  std::printf(
      "CA3 %d cues x %d bits: %d operations in %.3f s: %.0f operations/s "
      "(%.2f ms simulated per operation, %.0fx real time; build %.3f s)\n",
      cues, bits, ops, s, ops / s, sim_ms / ops, sim_ms / 1e3 / s, build_s);
  return 0;
}
