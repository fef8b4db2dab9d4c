// exp (numeric/exp.h) over arrays, vectorised: the interpreter's `exp()`
// and trace decays (numeric/decay.h). Same bits as num::exp element by element.
#pragma once

#include <cstddef>

namespace neuro::interp {

// d[i] = num::exp(a[i]) for i < n; d and a do not overlap.
void exp_lanes(double* __restrict d, const double* __restrict a, size_t n);

// numeric/decay.h: tr[di[k]] decayed by exp(−da[k]/τ), k < m ≤ 256.
void decay_lanes(double* __restrict tr, const double* da, const unsigned int* di, unsigned long m,
                 double tau);

}  // namespace neuro::interp
