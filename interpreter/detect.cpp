// Spike detection after integration: group reductions, threshold crossings
// of neurons that are not refractory, selections' winners and host-injected
// spikes, then resets and the start of refractory periods.
#include <algorithm>
#include <cstring>

#include "interpreter/engine_state.h"
#include "numeric/rng.h"

namespace neuro {

using interp::Lanes;

// Group reductions: each argument over the whole population, then the
// reduction over consecutive groups, read back at every neuron.
void Simulation::Engine::compute_groups(PopState& p) {
  const ir::Kernel& k = *p.kernel;
  for (size_t g = 0; g < k.groups.size(); ++g) {
    p.group_progs[g].run(lanes(p.n, 0, static_cast<uint64_t>(step) + 1));
    const double* x = p.group_args[g].data();
    double* out = p.group_vals[g].data();
    const size_t size = k.groups[g].size;
    for (size_t g0 = 0; g0 < p.n; g0 += size) {
      const size_t g1 = std::min(g0 + size, p.n);
      size_t arg = g0;
      double sum = 0;
      for (size_t i = g0; i < g1; ++i) {
        if (x[i] > x[arg]) arg = i;
        sum += x[i];
      }
      for (size_t i = g0; i < g1; ++i) switch (k.groups[g].op) {
          case ir::GroupReduce::Max:
            out[i] = x[arg];
            break;
          case ir::GroupReduce::ArgMax:
            out[i] = i == arg ? 1.0 : 0.0;
            break;
          case ir::GroupReduce::Sum:
            out[i] = sum;
            break;
        }
    }
  }
}

void Simulation::Engine::detect(PopState& p) {
  // A backend's stepper computes the group reductions and the threshold itself.
  if (p.kernel && !p.kernel->groups.empty() && !p.stepper) compute_groups(p);
  if (p.kernel && !p.stepper) {
    const size_t n = p.n;
    if (const auto& fast = p.kernel->fast_threshold) {  // ir/recognise_threshold.cpp
      const double* x = p.states[fast->state].data();
      const double v = fast->value;
      const int64_t* ref_end = p.ref_end.data();
      const int64_t now = step;
      // Flags for a block of neurons first (a loop without branches, which
      // vectorises), then a scan of the flags 8 at a time: few neurons cross
      // the threshold, and only those are checked for refractoriness.
      auto scan = [&](auto cmp) {
        uint8_t buf[256 + 8];
        for (size_t b = 0; b < n; b += 256) {
          const size_t e = std::min(n, b + 256);
          uint8_t* flag = buf;
          if (p.above_ready) {
            // Flagged by integrate_exact; refractory neurons may be flagged
            // there, they are excluded below.
            flag = p.above.data() + b;
            if (e - b < 256) {
              std::copy(flag, flag + (e - b), buf);
              flag = buf;
            }
          } else {
            for (size_t i = b; i < e; ++i) flag[i - b] = cmp(x[i], v);
          }
          if (flag == buf) std::fill(buf + (e - b), buf + ((e - b + 7) & ~size_t{7}), uint8_t{0});
          for (size_t k = 0; k < e - b; k += 8) {
            uint64_t word;
            std::memcpy(&word, flag + k, 8);
            if (word)
              for (size_t j = k; j < k + 8; ++j)
                if (flag[j] && now >= ref_end[b + j])
                  p.spikes.push_back(static_cast<uint32_t>(b + j));
          }
        }
      };
      switch (fast->op) {
        case ir::Op::Gt:
          scan([](double a, double b) { return a > b; });
          break;
        case ir::Op::Ge:
          scan([](double a, double b) { return a >= b; });
          break;
        case ir::Op::Lt:
          scan([](double a, double b) { return a < b; });
          break;
        default:
          scan([](double a, double b) { return a <= b; });
          break;
      }
      p.above_ready = false;
    } else if (p.threshold) {
      p.threshold->run(lanes(n, 0, static_cast<uint64_t>(step) + 1));
      for (size_t i = 0; i < n; ++i)
        if (p.cond[i] != 0 && step >= p.ref_end[i]) p.spikes.push_back(static_cast<uint32_t>(i));
    }
  }
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
      if (p.stepper && p.stepper->resets()) {
        p.stepper->reset({step, t_now()}, p.spikes);
      } else if (p.reset) {
        Lanes l = lanes(p.spikes.size(), 0, static_cast<uint64_t>(step) + 1);
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
  const uint64_t counter = static_cast<uint64_t>(step) + 1;
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
