// The decay of an event-driven trace between its events, written once:
// a value last brought up to date at time `last` is, at time t,
// value·exp(−(t − last)/τ), and its time becomes t. NEURO_DECAY_DEFINE is
// compiled into the interpreter (interpreter/exp_lanes.cpp, vectorised for
// several machines) and pasted as text, as nj_decay and nj_decay_one, into
// the JIT's prelude (jit/emit.cpp), so both backends decay with the same
// bits. EXP is numeric/exp.h's exp under its name there.
#pragma once

// clang-format off
#define NEURO_DECAY_DEFINE(NAME, ONE, EXP, SPEC)                                                 \
  /* m (≤ 256) stale values tr[di[k]], da[k] = t − last: the factors first (a loop that        */ \
  /* vectorises), then applied.                                                                */ \
  SPEC void NAME(double* __restrict tr, const double* da, const unsigned int* di,                \
                 unsigned long m, double tau) {                                                  \
    double f[256];                                                                               \
    for (unsigned long k = 0; k < m; ++k) f[k] = EXP(-da[k] / tau);                              \
    for (unsigned long k = 0; k < m; ++k) tr[di[k]] *= f[k];                                     \
  }                                                                                              \
  /* One value and its time.                                                                   */ \
  static inline void ONE(double* value, double* last, double t, double tau) {                    \
    if (*last != t) {                                                                            \
      *value *= EXP(-(t - *last) / tau);                                                         \
      *last = t;                                                                                 \
    }                                                                                            \
  }
// clang-format on

#define NEURO_DECAY_STR2(...) #__VA_ARGS__
#define NEURO_DECAY_STR(...) NEURO_DECAY_STR2(__VA_ARGS__)

namespace neuro::num {

// The functions as C++ source text for the JIT's prelude: nj_decay, nj_decay_one.
inline const char* decay_source_nj() {
  return NEURO_DECAY_STR(NEURO_DECAY_DEFINE(nj_decay, nj_decay_one, nj_exp, static inline));
}

}  // namespace neuro::num
