// Integration over one step: sources draw their spikes (Poisson,
// generators), neurons advance by the exact propagator or by Euler; the
// Runge–Kutta paths are in runge_kutta.cpp.
#include <algorithm>
#include <cmath>

#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"
#include "numeric/rng.h"
#include "numeric/schedule.h"

namespace neuro {

namespace {

// One term a·x of a propagator's sum. A zero coefficient contributes
// nothing, even when x is infinite or NaN (0·∞ would be NaN): the JIT omits
// such terms from its code, and this keeps both backends' bits equal. For
// finite x it is the same as adding a·x, since a sum that starts at q (never
// −0) is unchanged by adding ±0.
inline double term(double a, double x) {
  return a != 0.0 ? a * x : 0.0;
}

// Compiled for AVX-512, AVX2 and any x86-64 machines; the loader picks one.
// None uses FMA contraction (-ffp-contract=off), so all give the same bits.
// With `above`, also above[i] = xth[i] > th after the update, block by block
// while the block is in cache (xth: the threshold's state array).
template <int N>
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) void propagate_const(
    double* const* x, size_t n, const double* P_in, const double* q_in, uint8_t* above,
    const double* xth, double th) {
  // Separate restrict pointers and coefficients in locals: the compiler then
  // knows nothing aliases and vectorises across neurons. The sum is formed
  // in propagate_one's order (q, then P·x left to right), so both paths give
  // the same bits.
  double P[N * N], q[N];
  std::copy(P_in, P_in + N * N, P);
  std::copy(q_in, q_in + N, q);
  double* __restrict x0 = x[0];
  double* __restrict x1 = x[N > 1 ? 1 : 0];
  double* __restrict x2 = x[N > 2 ? 2 : 0];
  double* __restrict x3 = x[N > 3 ? 3 : 0];
  for (size_t b = 0; b < n; b += 256) {
    const size_t e = std::min(n, b + 256);
    for (size_t i = b; i < e; ++i) {
      double v[N];
      v[0] = x0[i];
      if constexpr (N > 1) v[1] = x1[i];
      if constexpr (N > 2) v[2] = x2[i];
      if constexpr (N > 3) v[3] = x3[i];
      double y[N];
      for (int r = 0; r < N; ++r) {
        double acc = q[r];
        for (int c = 0; c < N; ++c) acc += term(P[r * N + c], v[c]);
        y[r] = acc;
      }
      x0[i] = y[0];
      if constexpr (N > 1) x1[i] = y[1];
      if constexpr (N > 2) x2[i] = y[2];
      if constexpr (N > 3) x3[i] = y[3];
    }
    if (above)
      for (size_t i = b; i < e; ++i) above[i] = xth[i] > th;
  }
}

// One neuron: x ← P·x + q (q = Q·c precomputed) or + Q·c.
inline void propagate_one(double* const* x, size_t m, size_t i, const double* P, const double* q,
                          const double* Q, const std::vector<NeuronArray>* cbuf, double* old) {
  for (size_t r = 0; r < m; ++r) old[r] = x[r][i];
  for (size_t r = 0; r < m; ++r) {
    double acc = q ? q[r] : 0.0;
    for (size_t c = 0; c < m; ++c) acc += term(P[r * m + c], old[c]);
    if (!q)
      for (size_t c = 0; c < m; ++c) acc += term(Q[r * m + c], (*cbuf)[c][i]);
    x[r][i] = acc;
  }
}

// propagate_one with q for N known at compile time: the same sums in the
// same order, without the loops' overhead (refractory neurons, each step).
template <int N>
inline void propagate_one_const(double* const* x, size_t i, const double* P, const double* q) {
  double old[N];
  for (int r = 0; r < N; ++r) old[r] = x[r][i];
  for (int r = 0; r < N; ++r) {
    double acc = q[r];
    for (int c = 0; c < N; ++c) acc += term(P[r * N + c], old[c]);
    x[r][i] = acc;
  }
}

}  // namespace

// The step of a constant-rate Poisson neuron's next spike after step
// `after`: an interval of k ≥ 1 steps with P(k) = (1−p)^{k−1}·p.
int64_t Simulation::Engine::next_poisson(PopState& ps, size_t i, int64_t after) {
  if (std::isinf(ps.log1mp)) return after + 1;
  double u = num::draw_uniform(ps.poisson_key, i, ps.draws[i]++);
  double k = std::floor(std::log1p(-u) / ps.log1mp) + 1;
  if (!(k < 9e15)) return INT64_MAX;
  return after + static_cast<int64_t>(k);
}

void Simulation::Engine::integrate_exact(PopState& p) {
  const size_t m = p.prop.n, n = p.n;
  if (m == 0) return;
  double* const* xv = p.xptr.data();
  if (p.c_prog) p.c_prog->run(lanes(n, 0, static_cast<uint64_t>(step) + 1));
  bool clamps = false;
  for (char c : p.ode_clamped) clamps |= c != 0;
  // Refractory neurons take the clamped propagator: save their state first.
  // They are the neurons that spiked within the longest refractory period.
  auto& refr = p.refr;
  auto& saved = p.saved;
  refr.clear();
  saved.clear();
  if (clamps) {
    for (int64_t back = 1; back <= p.max_ref_steps && back <= step + 1; ++back) {
      const auto& list = p.history[num::history_slot(step - back + 1, history_len)];
      for (uint32_t id : list)
        if (step < p.ref_end[id]) {
          refr.push_back(id);
          for (size_t r = 0; r < m; ++r) saved.push_back(xv[r][id]);
        }
    }
  }
  if (p.c_const && m <= 4) {
    // `state > constant` is flagged as the blocks are updated (detect reads it).
    const auto& fast = p.kernel->fast_threshold;
    p.above_ready = fast && fast->op == ir::Op::Gt && !p.stepper;
    if (p.above_ready) p.above.resize(n);
    uint8_t* above = p.above_ready ? p.above.data() : nullptr;
    const double* xth = p.above_ready ? p.states[fast->state].data() : nullptr;
    const double th = p.above_ready ? fast->value : 0;
    switch (m) {
      case 1:
        propagate_const<1>(xv, n, p.prop.P.data(), p.q_const.data(), above, xth, th);
        break;
      case 2:
        propagate_const<2>(xv, n, p.prop.P.data(), p.q_const.data(), above, xth, th);
        break;
      case 3:
        propagate_const<3>(xv, n, p.prop.P.data(), p.q_const.data(), above, xth, th);
        break;
      case 4:
        propagate_const<4>(xv, n, p.prop.P.data(), p.q_const.data(), above, xth, th);
        break;
    }
  } else {
    for (size_t i = 0; i < n; ++i)
      propagate_one(xv, m, i, p.prop.P.data(), p.c_const ? p.q_const.data() : nullptr,
                    p.prop.Q.data(), &p.cbuf, p.old.data());
  }
  if (!refr.empty()) {
    for (size_t q = 0; q < refr.size(); ++q) {
      uint32_t id = refr[q];
      for (size_t r = 0; r < m; ++r) xv[r][id] = saved[q * m + r];
      const double *Pr = p.prop.P_ref.data(), *qr = p.q_ref_const.data();
      switch (p.c_const ? m : 0) {
        case 1:
          propagate_one_const<1>(xv, id, Pr, qr);
          continue;
        case 2:
          propagate_one_const<2>(xv, id, Pr, qr);
          continue;
        case 3:
          propagate_one_const<3>(xv, id, Pr, qr);
          continue;
        case 4:
          propagate_one_const<4>(xv, id, Pr, qr);
          continue;
        default:
          break;
      }
      propagate_one(xv, m, id, p.prop.P_ref.data(), p.c_const ? p.q_ref_const.data() : nullptr,
                    p.prop.Q_ref.data(), &p.cbuf, p.old.data());
    }
  }
}

void Simulation::Engine::integrate(PopState& p) {
  const ir::Population& pop = *p.pop;
  const double dt = mod->run.dt;
  p.spikes.clear();
  if (pop.kind == frontend::PopKind::Poisson) {
    const uint64_t counter = static_cast<uint64_t>(step) + 1;
    if (p.rate) {
      p.rate->run(lanes(p.n, 0, counter));
      for (size_t i = 0; i < p.n; ++i)
        if (num::draw_uniform(p.poisson_key, i, counter) < p.rate_buf[i] * dt)
          p.spikes.push_back(static_cast<uint32_t>(i));
    } else {
      for (size_t i = 0; i < p.n; ++i)
        if (p.next_spike[i] == step) {
          p.spikes.push_back(static_cast<uint32_t>(i));
          p.next_spike[i] = next_poisson(p, i, step);
        }
    }
    return;
  }
  if (pop.kind == frontend::PopKind::Generator) {
    while (p.gen_cursor < pop.spikes.size() &&
           to_steps(pop.spikes[p.gen_cursor].second, dt) <= step + 1)
      p.spikes.push_back(pop.spikes[p.gen_cursor++].first);
    std::sort(p.spikes.begin(), p.spikes.end());
    p.spikes.erase(std::unique(p.spikes.begin(), p.spikes.end()), p.spikes.end());
    return;
  }
  if (p.stepper) return p.stepper->integrate({step, t_now()}, p.spikes);
  const ir::Kernel& k = *p.kernel;
  switch (k.solver) {
    case ir::Solver::Exact:
      integrate_exact(p);
      break;
    case ir::Solver::ExpEuler:
    case ir::Solver::Euler: {
      p.update->run(lanes(p.n, 0, static_cast<uint64_t>(step) + 1));
      for (size_t u = 0; u < k.odes.size(); ++u) {
        double* x = p.states[k.odes[u].state].data();
        const double* y = p.scratch[u].data();
        if (p.ode_clamped[u]) {
          for (size_t i = 0; i < p.n; ++i)
            if (step >= p.ref_end[i]) x[i] = y[i];
        } else {
          std::copy(y, y + p.n, x);
        }
      }
      break;
    }
    case ir::Solver::RK4:
      integrate_rk(p, false);
      break;
    case ir::Solver::RK45:
      integrate_rk(p, true);
      break;
  }
}

}  // namespace neuro
