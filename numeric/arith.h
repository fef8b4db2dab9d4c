// The arithmetic of model code, written once: operators that are not plain
// IEEE + − × ÷, the built-ins min, max and clip, table look-up, and
// `choose`, which both `c ? a : b` and the masking of statements inside an
// `if` use (a masked-off `+=` adds choose(m, v, 0.0), a masked-off `=`
// stores choose(m, v, old)). NEURO_ARITH_DEFINE is compiled here into
// neuro::num (used by constant folding, numeric/evaluate.cpp, and the
// interpreter's vector VM) and pasted as text, with the prefix nj_, into the
// code the JIT generates (the JIT prelude, jit/emit.cpp), so every backend
// and the folder compute the same bits.
//
// Conditions are doubles, 1 or 0. min and max are std::min and std::max:
// with a NaN they return their first argument.
#pragma once

#include <math.h>

// clang-format off
// P: a prefix for every name (empty here, nj_ in generated code). Plain C;
// libm's fmod and pow are declared in generated code by the prelude.
#define NEURO_ARITH_DEFINE(P)                                                                    \
  static inline double P##modulo(double x, double y) { return fmod(x, y); }                      \
  static inline double P##power(double x, double y) { return pow(x, y); }                        \
  static inline double P##less(double x, double y) { return (double)(x < y); }                   \
  static inline double P##less_eq(double x, double y) { return (double)(x <= y); }               \
  static inline double P##greater(double x, double y) { return (double)(x > y); }                \
  static inline double P##greater_eq(double x, double y) { return (double)(x >= y); }            \
  static inline double P##equal(double x, double y) { return (double)(x == y); }                 \
  static inline double P##not_equal(double x, double y) { return (double)(x != y); }             \
  static inline double P##both(double x, double y) { return (double)(x != 0 && y != 0); }        \
  static inline double P##either(double x, double y) { return (double)(x != 0 || y != 0); }      \
  static inline double P##negation(double x) { return (double)(x == 0); }                       \
  static inline double P##choose(double c, double a, double b) { return c != 0 ? a : b; }        \
  static inline double P##min2(double x, double y) { return y < x ? y : x; }                     \
  static inline double P##max2(double x, double y) { return x < y ? y : x; }                     \
  /* clip(x, lo, hi) = min(max(x, lo), hi) */                                                    \
  static inline double P##clip3(double x, double lo, double hi) {                                \
    return P##min2(P##max2(x, lo), hi);                                                          \
  }                                                                                              \
  /* The masked `+=` of a write to a held state (ir/guard_held_writes.cpp) in a scatter-add: */ \
  /* w, or +0.0 while the target is refractory (step < ref_end), i.e. choose(m, w, 0.0) by */   \
  /* its bits: compilers make the ternary a branch, which mispredicts at random targets. */      \
  static inline double P##unless_refractory(long long step, long long ref_end, double w) {      \
    unsigned long long b;                                                                        \
    __builtin_memcpy(&b, &w, sizeof b);                                                          \
    b &= 0ULL - (unsigned long long)(step >= ref_end);                                           \
    __builtin_memcpy(&w, &b, sizeof b);                                                          \
    return w;                                                                                    \
  }                                                                                              \
  /* table(): the entry of time t; the epsilon keeps t = k·step in bin k despite rounding. */    \
  static inline unsigned long long P##table_index(double t, double step,                         \
                                                  unsigned long long size) {                     \
    const double k = __builtin_floor(t / step + 1e-9);                                           \
    return k < 0 ? 0 : ((unsigned long long)k < size - 1 ? (unsigned long long)k : size - 1);    \
  }
// clang-format on

#define NEURO_ARITH_STR2(...) #__VA_ARGS__
#define NEURO_ARITH_STR(...) NEURO_ARITH_STR2(__VA_ARGS__)

namespace neuro::num {

NEURO_ARITH_DEFINE()

// The same functions as C++ source text, each name prefixed nj_.
inline const char* arith_source_nj() {
  return NEURO_ARITH_STR(NEURO_ARITH_DEFINE(nj_));
}

}  // namespace neuro::num
