// A Poisson source draws one Bernoulli trial per neuron and step, so a
// neuron spikes at most once per step: a rate with rate·dt > 1 cannot be
// met, and would silently fire every step (1/dt) instead.
//
//   X = poisson[100] { rate = 20 kHz }   # error[E0400] at dt = 0.1 ms: rate·dt = 2
//
// A constant rate is checked here, after fold_constants, with the run's dt
// (a `--dt` given on the command line included); a rate that varies (with
// `t`, `i`, `rand()`, a table or a modulator) is checked by the engine each
// step, with poisson_rate_problem, and stops the run the first time a
// neuron's rate·dt exceeds 1 (docs/semantics.md, "Sources").
#pragma once

#include <string>

#include "frontend/diagnostics.h"
#include "ir/ir.h"

namespace neuro::ir {

void check_poisson_rates(Module& m, frontend::Diagnostics& diags);

// Whether a Poisson rate (SI, 1/s) can be drawn at step dt (s): rate·dt ≤ 1
// (a NaN or negative rate never fires). The one statement of the limit.
inline bool poisson_rate_ok(double rate, double dt) {
  return !(rate * dt > 1);
}

// What is wrong with the rate, or "" when poisson_rate_ok.
std::string poisson_rate_problem(double rate, double dt);

// What to do instead: a Poisson count per target neuron and step.
extern const char* const kPoissonRateHint;

}  // namespace neuro::ir
