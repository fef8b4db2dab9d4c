#include "ir/check_poisson_rates.h"

#include <fmt/format.h>

namespace neuro::ir {

const char* const kPoissonRateHint =
    "for input at this rate, give each target neuron a Poisson count per step, which is exact: "
    "`drive P.I += w * poisson(rate * dt)`; or make dt smaller";

std::string poisson_rate_problem(double rate, double dt) {
  if (poisson_rate_ok(rate, dt)) return {};
  return fmt::format(
      "a Poisson rate of {} with dt = {} is rate·dt = {:.6g} spikes per step, more than the one a "
      "source neuron can fire: it would fire in every step ({})",
      frontend::format_quantity(rate, frontend::dim::frequency()),
      frontend::format_quantity(dt, frontend::dim::time()), rate * dt,
      frontend::format_quantity(1 / dt, frontend::dim::frequency()));
}

void check_poisson_rates(Module& m, frontend::Diagnostics& diags) {
  for (const Population& p : m.pops) {
    if (p.kind != frontend::PopKind::Poisson || !p.rate || p.rate->kind != Kind::Const) continue;
    const std::string problem = poisson_rate_problem(p.rate->value, m.run.dt);
    if (!problem.empty())
      diags.error(frontend::Code::BadValue, p.rate->range.line ? p.rate->range : p.range, problem,
                  kPoissonRateHint);
  }
}

}  // namespace neuro::ir
