// The exponential function of every backend: `exp()` in model code, the
// exponential-Euler factors, the decay of event-driven traces and constant
// folding. It is written once, in a macro that is compiled here and pasted
// as text into the code the JIT generates (the JIT prelude, jit/emit.cpp), so the interpreter
// and the JIT compute the same bits — and, unlike libm's scalar `exp`, it
// has no branches and no table, so GCC vectorises loops that call it.
//
// Method: n = round(x·log2 e), r = x − n·ln2 (Cody–Waite, ln2 in two parts,
// the first with 32 significant bits so n·ln2_hi is exact), exp(r) on
// |r| ≤ 0.35 by its Taylor polynomial to degree 13 (truncation error below
// 1e-17 relative), evaluated as 1 + (r + r²·q(r)) with q by Estrin's
// scheme, then scaled by 2^n as two exact powers of two (so results that
// overflow give +inf and tiny ones round once into the subnormals). x is clamped to [−1000, 1000]
// first; NaN stays NaN, exp(0) = 1 exactly, exp(−inf) = 0, exp(+inf) = inf.
//
// Accuracy (tests/unit/test_exp.cpp, against glibc's correctly rounded
// `exp` over 10^7 arguments): at most 1 ulp from it, below 1 ulp from the
// true value (0.98 ulp at worst); see docs/semantics.md. It is not
// bit-identical to glibc's.
//
// Only IEEE +, −, × in a fixed order: it must be compiled without FMA
// contraction (-ffp-contract=off: GCC's C++ default fuses under -mfma), as
// the engine (interpreter/CMakeLists.txt) and the JIT (jit/compiler.cpp) are.
#pragma once

// clang-format off
#define NEURO_EXP_DEFINE(NAME)                                                                   \
  static inline double NAME(double x) {                                                          \
    x = x < -1000.0 ? -1000.0 : x;                                                               \
    x = x > 1000.0 ? 1000.0 : x;                                                                 \
    const double shift = 0x1.8p52;               /* adding it rounds to an integer */            \
    const double kd = x * 0x1.71547652b82fep0 + shift;                                           \
    const double nd = kd - shift;                                                                \
    const double r = (x - nd * 0x1.62e42feep-1) - nd * 0x1.a39ef35793c76p-33;                    \
    /* 1/k! for k = 2..13, summed by Estrin's scheme (short dependency chains) */                \
    const double r2 = r * r, r4 = r2 * r2;                                                       \
    const double a0 = 0x1p-1 + 0x1.5555555555555p-3 * r;                                         \
    const double a1 = 0x1.5555555555555p-5 + 0x1.1111111111111p-7 * r;                           \
    const double a2 = 0x1.6c16c16c16c17p-10 + 0x1.a01a01a01a01ap-13 * r;                         \
    const double a3 = 0x1.a01a01a01a01ap-16 + 0x1.71de3a556c734p-19 * r;                         \
    const double a4 = 0x1.27e4fb7789f5cp-22 + 0x1.ae64567f544e4p-26 * r;                         \
    const double a5 = 0x1.1eed8eff8d898p-29 + 0x1.6124613a86d09p-33 * r;                         \
    const double b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2;                        \
    const double q = b0 + (b1 + b2 * r4) * r4;                                                   \
    const double e = 1.0 + (r + r2 * q);                                                         \
    const double hd = nd * 0.5 + shift;          /* n = n1 + n2, both halves in range */         \
    unsigned long long kb, hb;                                                                   \
    __builtin_memcpy(&kb, &kd, 8);                                                               \
    __builtin_memcpy(&hb, &hd, 8);                                                               \
    const unsigned long long n1 = hb - 0x4338000000000000ull;                                    \
    const unsigned long long n2 = (kb - 0x4338000000000000ull) - n1;                             \
    const unsigned long long e1 = (n1 + 1023ull) << 52, e2 = (n2 + 1023ull) << 52;               \
    double s1, s2;                                                                               \
    __builtin_memcpy(&s1, &e1, 8);                                                               \
    __builtin_memcpy(&s2, &e2, 8);                                                               \
    return e * s1 * s2;                                                                          \
  }
// clang-format on

#define NEURO_EXP_STR2(...) #__VA_ARGS__
#define NEURO_EXP_STR(...) NEURO_EXP_STR2(__VA_ARGS__)

namespace neuro::num {

NEURO_EXP_DEFINE(exp_impl)

// exp(x) as every backend computes it.
inline double exp(double x) {
  return exp_impl(x);
}

// The same function as C++ source text, named nj_exp, for generated code.
inline const char* exp_source_nj() {
  return NEURO_EXP_STR(NEURO_EXP_DEFINE(nj_exp));
}

}  // namespace neuro::num
