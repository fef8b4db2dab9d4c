#include "interpreter/exp_lanes.h"

#include "numeric/decay.h"
#include "numeric/exp.h"

namespace neuro::interp {

// Built for AVX-512, AVX2 and any x86-64; the loader picks one. None
// contracts a·b+c into an FMA (the engine is compiled with -ffp-contract=off,
// interpreter/CMakeLists.txt), so all give the bits of the scalar num::exp
// and of the JIT's nj_exp.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) void exp_lanes(
    double* __restrict d, const double* __restrict a, size_t n) {
  for (size_t i = 0; i < n; ++i) d[i] = num::exp(a[i]);
}

NEURO_DECAY_DEFINE(decay_lanes, decay_one, num::exp,
                   __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))))

}  // namespace neuro::interp
