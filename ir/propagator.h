// The exact solver's matrices for dx/dt = M·x + c (c constant over a step).
#pragma once

#include <vector>

#include "ir/ir.h"

namespace neuro::ir {

// x ← P·x + Q·c, one matrix pair for active and one for refractory neurons
// (their `unless refractory` rows held), row-major n×n.
struct Propagator {
  size_t n = 0;
  std::vector<double> P, Q, P_ref, Q_ref;
};
Propagator make_propagator(const LinearSystem& sys, const Kernel& k, double dt);

}  // namespace neuro::ir
