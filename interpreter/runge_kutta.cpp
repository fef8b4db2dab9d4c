// Adaptive Runge–Kutta integration for nonlinear equations: Dormand–Prince
// 5(4) with substeps whose size is shared by the whole population (so every
// neuron sees the same substeps and results do not depend on how neurons
// are grouped). Classical RK4 is in the step IR (ir/lower_step.cpp).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "interpreter/engine_state.h"
#include "numeric/schedule.h"
#include "numeric/tableaux.h"

namespace neuro {

using num::Tableau;

void Simulation::Engine::integrate_rk45(PopState& p) {
  const ir::Kernel& k = *p.kernel;
  const size_t n = p.n, U = k.odes.size();
  const Tableau& tb = num::kDopri5;
  const double dt = mod->run.dt;
  if (p.rk_k.size() != static_cast<size_t>(tb.stages) * U)
    p.rk_k.assign(tb.stages * U, NeuronArray(n, 0.0));
  if (p.rk_acc.size() != 2 * U) p.rk_acc.assign(2 * U, NeuronArray(n, 0.0));
  // Variables without an equation keep their value during the step.
  for (size_t s = 0; s < k.states.size(); ++s)
    std::copy(p.states[s].begin(), p.states[s].end(), p.stage[s].begin());
  auto& refractory = p.refractory;
  bool any_clamped = false;
  for (char c : p.ode_clamped) any_clamped |= c != 0;
  if (any_clamped)
    for (size_t i = 0; i < n; ++i) refractory[i] = step < p.ref_end[i];

  const auto& atol = p.atol;
  const double rtol = num::kRkRtol;

  auto eval = [&](int s, double t) {
    interp::Lanes l = lanes(n, 0, num::rng_counter(step));
    l.t = t;
    p.rhs->run(l);
    for (size_t u = 0; u < U; ++u) {
      auto& out = p.rk_k[s * U + u];
      std::copy(p.kbuf[u].begin(), p.kbuf[u].end(), out.begin());
      if (p.ode_clamped[u])  // dv/dt = 0 while refractory, for every solver alike
        for (size_t i = 0; i < n; ++i)
          if (refractory[i]) out[i] = 0;
    }
  };
  // One step of size h from the current states; new values in rk_acc[0..U),
  // the error estimate's max-norm returned (0 without an embedded pair).
  auto attempt = [&](double t0, double h) {
    for (int s = 0; s < tb.stages; ++s) {
      for (size_t u = 0; u < U; ++u) {
        const double* x = p.states[k.odes[u].state].data();
        double* y = p.stage[k.odes[u].state].data();
        for (size_t i = 0; i < n; ++i) {
          double acc = 0;
          for (int q = 0; q < s; ++q) acc += tb.a[s][q] * p.rk_k[q * U + u][i];
          y[i] = x[i] + h * acc;
        }
      }
      eval(s, t0 + tb.c[s] * h);
    }
    double err = 0;
    for (size_t u = 0; u < U; ++u) {
      const double* x = p.states[k.odes[u].state].data();
      double* hi = p.rk_acc[u].data();
      double* lo = p.rk_acc[U + u].data();
      for (size_t i = 0; i < n; ++i) {
        double a = 0, b = 0;
        for (int s = 0; s < tb.stages; ++s) {
          a += tb.b[s] * p.rk_k[s * U + u][i];
          if (tb.embedded) b += tb.b_low[s] * p.rk_k[s * U + u][i];
        }
        hi[i] = x[i] + h * a;
        if (tb.embedded) {
          lo[i] = x[i] + h * b;
          double scale = atol[u] + rtol * std::max(std::fabs(x[i]), std::fabs(hi[i]));
          err = std::max(err, std::fabs(hi[i] - lo[i]) / scale);
        }
      }
    }
    return err;
  };
  auto accept = [&]() {
    for (size_t u = 0; u < U; ++u) {
      auto& x = p.states[k.odes[u].state];
      std::copy(p.rk_acc[u].begin(), p.rk_acc[u].end(), x.begin());
    }
  };

  const double t0 = t_now();
  double done = 0, h = dt;
  int tries = 0;
  while (done < dt * (1 - 1e-12)) {
    h = std::min(h, dt - done);
    double err = attempt(t0 + done, h);
    if (!std::isfinite(err)) err = 1e9;
    if (err <= 1) {
      accept();
      done += h;
    }
    double factor = err == 0 ? num::kRkGrowMax
                             : std::clamp(num::kRkSafety * std::pow(err, -0.2), num::kRkShrinkMin,
                                          num::kRkGrowMax);
    h *= factor;
    if (++tries > num::kRkMaxSubsteps)
      throw SimulationError(
          fmt::format("rk45 needs more than 100000 substeps in one step of `{}`; the equations may "
                      "be stiff or diverge",
                      k.model));
  }
}

}  // namespace neuro
