// exp (ir/exp.h) over arrays, vectorised: the interpreter's `exp()` and
// trace decays. Same bits as num::exp element by element.
#pragma once

#include <cstddef>

namespace neuro::interp {

// d[i] = num::exp(a[i]) for i < n; d and a do not overlap.
void exp_lanes(double* __restrict d, const double* __restrict a, size_t n);

}  // namespace neuro::interp
