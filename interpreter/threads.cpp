// `--threads N` in the engine: the team, and each projection whose delivery
// can be split by target (docs/jit.md, "Threads"). A part owns a contiguous
// range of the target slice; it walks the same due rows in the same order
// as one thread, but only the stretch of each row onto its own targets, so
// every target neuron receives its additions in the one-thread order and no
// two threads write one neuron: the bits do not depend on the thread count.
#include <algorithm>

#include "interpreter/engine_state.h"

namespace neuro {

namespace {

// Whether `on pre` is one loop whose synapses touch only their targets.
bool splittable(const ProjState& p) {
  const auto& loops = p.proj->step.on_pre;
  return loops.size() == 1 && loops[0].target_local &&
         loops[0].over == ir::EventLoop::SynapsesOfSources;
}

// The parts' offsets in every row, or false when a row is not sorted by
// target (every connection rule sorts them: interpreter/connectivity.cpp;
// an unsorted row would have no one stretch per part).
bool split_rows(ProjState& p, unsigned parts) {
  const ir::Slice& dst = p.proj->dst;
  p.part_bound.resize(parts + 1);
  for (unsigned k = 0; k <= parts; ++k)
    p.part_bound[k] = static_cast<uint32_t>(dst.lo + dst.size() * k / parts);
  const size_t rows = p.csr.rows();
  p.part_split.assign(rows * (parts + 1), 0);
  const auto& col = p.csr.col;
  for (size_t r = 0; r < rows; ++r) {
    const uint64_t b = p.csr.row[r], e = p.csr.row[r + 1];
    if (!std::is_sorted(col.begin() + static_cast<ptrdiff_t>(b),
                        col.begin() + static_cast<ptrdiff_t>(e)))
      return false;
    uint32_t* o = p.part_split.data() + r * (parts + 1);
    for (unsigned k = 0; k <= parts; ++k) {
      auto at = std::lower_bound(col.begin() + static_cast<ptrdiff_t>(b),
                                 col.begin() + static_cast<ptrdiff_t>(e), p.part_bound[k]);
      o[k] = static_cast<uint32_t>(at - col.begin() - static_cast<ptrdiff_t>(b));
    }
    o[parts] = static_cast<uint32_t>(e - b);
  }
  return true;
}

}  // namespace

size_t Simulation::Engine::set_threads(unsigned threads) {
  for (auto& p : projs) {
    p.part_bound.clear();
    p.part_split.clear();
  }
  pool.reset();
  if (threads <= 1) return 0;
  pool = std::make_shared<interp::StepPool>(threads);
  const interp::SplitMin least = interp::split_min();
  size_t split = 0;
  for (auto& p : projs) {
    const size_t targets = p.proj->dst.size();
    if (!splittable(p) || p.csr.size() < least.synapses || targets < 2) continue;
    // One part per thread: the offsets cost (parts + 1)·4 bytes a row.
    if (split_rows(p, static_cast<unsigned>(std::min<size_t>(threads, targets)))) {
      ++split;
    } else {
      p.part_bound.clear();
      p.part_split.clear();
    }
  }
  return split;
}

}  // namespace neuro
