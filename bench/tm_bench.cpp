// Temporal memory time per step: 2048 columns × 32 cells, segments as in
// stdlib.temporal_memory (htm.core's defaults), 40 random active columns per
// step drawn from a repeating set of sequences so segments grow and predict.
// Prints the median time per step over the measured steps, the segment and
// synapse counts, and the anomaly, so the work can be related to them.
// The backend is the interpreter (vm, the default) or the JIT (jit: the
// cells' per-step code generated and compiled; the dendrites stay on the
// interpreter); the compile happens before the first step and is not timed.
//
//   ./build/bench/neuro_tm_bench [steps=2000] [warmup=2000] [vm|jit]
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
#include "neuro/backend.h"
#include "neuro/simulation.h"

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int warmup = argc > 2 ? std::atoi(argv[2]) : 2000;
  const auto backend = neuro::parse_backend(argc > 3 ? argv[3] : "vm");
  if (!backend || *backend == neuro::Backend::Auto) {
    std::fprintf(stderr, "backend: vm or jit\n");
    return 2;
  }
  const char* path = "/tmp/neuro_tm_bench.neuro";
  std::ofstream(path) << R"(
import stdlib.temporal_memory
circuit TM {
  cells = TMCell[65536] { cells_per_column = 32 }
  connect cells -> cells.distal via Distal
  record predictive of cells[0:1] every 1000 s
}
run TM for 1 ms
)";
  auto c = neuro::driver::compile_file(path, {}, false);
  if (!c->module) {
    std::fprintf(stderr, "%s", neuro::frontend::render_all(c->diags, c->sources).c_str());
    return 1;
  }
  auto sim_owned = neuro::build_simulation(c->module);
  neuro::Simulation& sim = *sim_owned;
  const neuro::BackendReport br =
      neuro::use_backend(sim, *backend, static_cast<uint64_t>(warmup + steps));
  if (!br.notice.empty()) std::fprintf(stderr, "%s\n", br.notice.c_str());
  // 10 sequences of 10 SDRs of 40 columns, presented in turn (a high-order
  // mixture, so both prediction and bursting occur throughout).
  uint64_t x = 42;
  auto next = [&] { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  std::vector<std::vector<uint32_t>> patterns(100);
  for (auto& p : patterns) {
    std::set<uint32_t> s;
    while (s.size() < 40) s.insert(static_cast<uint32_t>(next() % 2048));
    p.assign(s.begin(), s.end());
  }
  double* col = sim.state_array("cells", "column");
  size_t active_cells = 0, steps_seen = 0;
  sim.set_spike_listener(
      [&](const std::string&, const uint32_t*, size_t n, double) { active_cells += n; });
  std::vector<double> times;
  std::vector<uint32_t> prev;
  for (int s = 0; s < warmup + steps; ++s) {
    for (uint32_t c0 : prev)
      for (int k = 0; k < 32; ++k) col[c0 * 32 + k] = 0;
    const auto& p = patterns[(s / 10 % 10) * 10 + s % 10];
    for (uint32_t c0 : p)
      for (int k = 0; k < 32; ++k) col[c0 * 32 + k] = 1;
    prev = p;
    auto t0 = std::chrono::steady_clock::now();
    sim.run(1);
    auto t1 = std::chrono::steady_clock::now();
    if (s >= warmup) {
      times.push_back(std::chrono::duration<double>(t1 - t0).count());
      ++steps_seen;
    } else {
      active_cells = 0;
    }
  }
  std::sort(times.begin(), times.end());
  auto segs = sim.segments(0);
  size_t syn = 0;
  for (const auto& g : segs) syn += g.pre.size();
  std::printf("temporal memory 2048 x 32, 40 active columns: %d steps after %d warm-up, %s\n",
              steps, warmup,
              br.jit ? "jit (cells in generated code, dendrites on the interpreter)" : "vm");
  std::printf("  time per step: median %.3f ms, 10th %.3f ms, 90th %.3f ms\n",
              1e3 * times[times.size() / 2], 1e3 * times[times.size() / 10],
              1e3 * times[times.size() * 9 / 10]);
  std::printf("  active cells per step: %.1f (40 = all predicted, 1280 = all bursting)\n",
              static_cast<double>(active_cells) / steps_seen);
  std::printf("  segments: %zu, synapses: %zu\n", segs.size(), syn);
  return 0;
}
