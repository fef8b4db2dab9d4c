// The interpreter's fast path for one common form of a step IR loop: every
// new state an affine sum of the neuron's old states, some rows held while
// refractory (the exact solver with constant input, ir/lower_step.cpp):
//
//   x.v = v  …  y.v = q + P·x  new.v = refractory ? x.v : y.v  v[i] = new.v
//   (rows coupled to a held one: r.w = q' + P'·x  new.w = refractory ? r.w : y.w)
//
// Run one neuron at a time with its values in registers, vectorised across
// neurons, instead of one VM instruction at a time over all neurons: the
// same sums in the same order, so the same bits.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/ir.h"

namespace neuro::interp {

struct AffineLoop {
  size_t n = 0;                           // states in and out (1 … 4)
  std::vector<int> in, out;               // state slots of the columns and of the rows
  std::vector<double> A, bias;            // row-major n×n; a zero entry adds nothing (no term)
  std::vector<double> A_ref, bias_ref;    // refractory neurons' rows (= A, bias when the same)
  std::vector<char> hold;                 // per row: refractory neurons keep the value
  bool coupled = false;                   // some row has A_ref ≠ A
  std::optional<ir::FastThreshold> flag;  // the loop's spike flag (the fast form only)
};

// The loop in that form, or nothing when it has another.
std::optional<AffineLoop> match_affine(const ir::Kernel& k, const ir::StepLoop& loop);

// Runs the loop over neurons [0, n) of `states`; with a flag, appends the
// neurons that spike (not refractory at `step`) to spikes[ns…] and returns
// the new count.
size_t run_affine(const AffineLoop& a, double* const* states, size_t n, const int64_t* ref_end,
                  int64_t step, uint32_t* spikes, size_t ns);

}  // namespace neuro::interp
