// Reductions over a population, written once: the group reductions
// (`group_max`, `group_argmax`, `group_sum`) and the scan that turns a
// block's spike flags into ascending neuron ids. NEURO_REDUCE_DEFINE is
// compiled here into neuro::num (the interpreter's step, interpreter/
// step_ir.cpp) and pasted as text, with the prefix nj_, into the JIT's
// prelude (jit/emit.cpp), as numeric/arith.h is.
#pragma once

// clang-format off
#define NEURO_REDUCE_DEFINE(P)                                                                   \
  /* The group reduction `op` (0 max, 1 argmax, 2 sum, as ir::GroupReduce::Op) of the n values */ \
  /* v, in place, over consecutive groups of `size`: each group's values are all read before  */ \
  /* any is written. max and argmax take the first largest (`x > m`, so NaN never wins).     */ \
  static inline void P##group_reduce(int op, double* v, unsigned long n, unsigned long size) {   \
    for (unsigned long g0 = 0; g0 < n; g0 += size) {                                             \
      const unsigned long g1 = g0 + size < n ? g0 + size : n;                                    \
      if (op == 2) {                                                                             \
        double sum = 0;                                                                          \
        for (unsigned long i = g0; i < g1; ++i) sum += v[i];                                     \
        for (unsigned long i = g0; i < g1; ++i) v[i] = sum;                                      \
        continue;                                                                                \
      }                                                                                          \
      double m = v[g0];                                                                          \
      unsigned long arg = g0;                                                                    \
      for (unsigned long i = g0 + 1; i < g1; ++i)                                                \
        if (v[i] > m) m = v[i], arg = i;                                                         \
      for (unsigned long i = g0; i < g1; ++i) v[i] = op == 0 ? m : (i == arg ? 1.0 : 0.0);       \
    }                                                                                            \
  }                                                                                              \
  /* The ids b + j of the set flags F[j], j < len, appended to spikes[ns…]; returns the new   */ \
  /* count. F is zero up to the next multiple of 8: it is read 8 flags at a time, since few   */ \
  /* neurons cross the threshold in a step.                                                   */ \
  static inline unsigned long P##spike_scan(const unsigned char* __restrict F, unsigned long b,  \
                                            unsigned long len, unsigned int* __restrict spikes,  \
                                            unsigned long ns) {                                  \
    for (unsigned long k = 0; k < len; k += 8) {                                                 \
      unsigned long long word;                                                                   \
      __builtin_memcpy(&word, F + k, 8);                                                         \
      if (word)                                                                                  \
        for (unsigned long j = k; j < k + 8; ++j)                                                \
          if (F[j]) spikes[ns++] = (unsigned int)(b + j);                                        \
    }                                                                                            \
    return ns;                                                                                   \
  }
// clang-format on

#define NEURO_REDUCE_STR2(...) #__VA_ARGS__
#define NEURO_REDUCE_STR(...) NEURO_REDUCE_STR2(__VA_ARGS__)

namespace neuro::num {

NEURO_REDUCE_DEFINE()

// The same functions as C++ source text, each name prefixed nj_.
inline const char* reduce_source_nj() {
  return NEURO_REDUCE_STR(NEURO_REDUCE_DEFINE(nj_));
}

}  // namespace neuro::num
