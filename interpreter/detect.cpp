// Spike detection after integration, which found the threshold crossings
// (the step IR's flags): selections' winners and host-injected spikes join
// them, then resets and the start of refractory periods.
#include <algorithm>
#include <cstring>

#include "interpreter/engine_state.h"
#include "numeric/rng.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Lanes;

void Simulation::Engine::detect(PopState& p) {
  // Threshold crossings came with integration (the stepper's spikes).
  if (!p.selects.empty()) select_winners(p);
  if (!p.injected.empty()) {
    // Host-injected spikes join this step's, as if threshold was crossed.
    p.spikes.insert(p.spikes.end(), p.injected.begin(), p.injected.end());
    p.injected.clear();
    std::sort(p.spikes.begin(), p.spikes.end());
    p.spikes.erase(std::unique(p.spikes.begin(), p.spikes.end()), p.spikes.end());
  }
  if (p.kernel) {
    const ir::Kernel& k = *p.kernel;
    if (!p.spikes.empty()) {
      if (p.stepper->resets()) {
        p.stepper->reset({step, t_now()}, p.spikes);
      } else if (p.reset) {
        Lanes l = lanes(p.spikes.size(), 0, num::rng_counter(step));
        l.ids = p.spikes.data();
        l.lists[0] = p.spikes.data();
        p.reset->run(l);
      }
      if (k.refractory) {
        const bool uniform = p.ref_steps.size() == 1;
        for (uint32_t id : p.spikes)
          p.ref_end[id] = step + 1 + (uniform ? p.ref_steps[0] : p.ref_steps[id]);
      }
    }
  }
  if (ctx) ctx->gather_spikes(p.spikes);
  p.spike_count += p.spikes.size();
}

// Each group's winners spike: the k highest scores (ties to the lower
// index), or k draws without replacement with probability ∝ score.
void Simulation::Engine::select_winners(PopState& p) {
  const uint64_t counter = num::rng_counter(step);
  bool added = false;
  for (auto& st : p.selects) {
    const ir::Selection& sel = *st.sel;
    st.score->run(lanes(p.n, 0, counter));
    const double* score = st.buf.data();
    for (size_t g0 = sel.target.lo; g0 < sel.target.hi; g0 += sel.group) {
      const size_t g1 = std::min(g0 + sel.group, sel.target.hi);
      st.order.clear();
      for (size_t i = g0; i < g1; ++i) st.order.push_back(static_cast<uint32_t>(i));
      if (!sel.draw) {
        size_t k = std::min(sel.k, st.order.size());
        std::partial_sort(st.order.begin(), st.order.begin() + k, st.order.end(),
                          [&](uint32_t a, uint32_t b) {
                            return score[a] > score[b] || (score[a] == score[b] && a < b);
                          });
        p.spikes.insert(p.spikes.end(), st.order.begin(), st.order.begin() + k);
      } else {
        const uint64_t group = (g0 - sel.target.lo) / sel.group;
        for (size_t r = 0; r < sel.k && !st.order.empty(); ++r) {
          double total = 0;
          for (uint32_t i : st.order) total += score[i] > 0 ? score[i] : 0.0;
          if (!(total > 0)) break;
          double u = num::draw_uniform(st.key, group, counter * sel.k + r) * total, acc = 0;
          size_t pick = st.order.size() - 1;
          for (size_t q = 0; q < st.order.size(); ++q) {
            acc += score[st.order[q]] > 0 ? score[st.order[q]] : 0.0;
            if (u < acc) {
              pick = q;
              break;
            }
          }
          p.spikes.push_back(st.order[pick]);
          st.order.erase(st.order.begin() + static_cast<long>(pick));
        }
      }
      added = true;
    }
  }
  if (added) {
    std::sort(p.spikes.begin(), p.spikes.end());
    p.spikes.erase(std::unique(p.spikes.begin(), p.spikes.end()), p.spikes.end());
  }
}

}  // namespace neuro
