// Integration over one step: sources draw their spikes (Poisson,
// generators); neurons run their step IR behind their stepper
// (interpreter/step_ir.cpp), rk45's substeps in runge_kutta.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "interpreter/engine_internal.h"
#include "interpreter/engine_state.h"
#include "ir/check_poisson_rates.h"
#include "numeric/rng.h"
#include "numeric/schedule.h"

namespace neuro {

// The step of a constant-rate Poisson neuron's next spike after step
// `after`: an interval of k ≥ 1 steps with P(k) = (1−p)^{k−1}·p.
int64_t Simulation::Engine::next_poisson(PopState& ps, size_t i, int64_t after) {
  if (std::isinf(ps.log1mp)) return after + 1;
  double u = num::draw_uniform(ps.poisson_key, i, ps.draws[i]++);
  double k = std::floor(std::log1p(-u) / ps.log1mp) + 1;
  if (!(k < 9e15)) return INT64_MAX;
  return after + static_cast<int64_t>(k);
}

// A varying Poisson rate that one step cannot hold (ir/check_poisson_rates.h
// checks constant ones before the run): stops the run at the rate's text.
void Simulation::Engine::rate_too_high(const PopState& p, size_t i) const {
  throw located(
      p.pop->rate->range,
      fmt::format("neuron {} of `{}` at t = {}: {}; {}", i, p.pop->name,
                  frontend::format_quantity(t_now(), frontend::dim::time()),
                  ir::poisson_rate_problem(p.rate_buf[i], mod->run.dt), ir::kPoissonRateHint));
}

void Simulation::Engine::integrate(PopState& p) {
  const ir::Population& pop = *p.pop;
  const double dt = mod->run.dt;
  p.spikes.clear();
  if (pop.kind == frontend::PopKind::Poisson) {
    const uint64_t counter = num::rng_counter(step);
    if (p.rate) {
      p.rate->run(lanes(p.n, 0, counter));
      for (size_t i = 0; i < p.n; ++i) {
        if (!ir::poisson_rate_ok(p.rate_buf[i], dt)) rate_too_high(p, i);
        if (num::draw_uniform(p.poisson_key, i, counter) < p.rate_buf[i] * dt)
          p.spikes.push_back(static_cast<uint32_t>(i));
      }
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
  // The update, group reductions and threshold: the population's step IR
  // (interpreter/step_ir.cpp, or the JIT's code).
  p.stepper->integrate({step, t_now()}, p.spikes);
}

}  // namespace neuro
