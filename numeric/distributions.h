// Random draws from parametrised distributions: `poisson(λ)`,
// `binomial(n, p)` and the truncated normal behind `normal(m, sd, lo, hi)`
// in model code (`uniform`, `normal` and `lognormal` without bounds are
// rand() and randn() transformed, ir/lower_expr.cpp).
//
// Each draw is a pure function of (key, entity, counter) like rand() and
// randn() (numeric/rng.h): a method that needs several uniforms takes its
// n-th from the n-th derived key, so the result never depends on the order
// in which lanes are visited. Written once in a macro compiled here and
// pasted as text into the JIT's code, so both backends draw the same bits.
//
// Methods (chosen for exactness at every parameter, no tables):
// - Poisson: inversion from 0 (one uniform) for λ < 10; above, Hörmann's
//   PTRS transformed rejection (W. Hörmann, "The transformed rejection method
//   for generating Poisson random variables", Insurance: Mathematics and
//   Economics 12, 1993), about 1.1 tries per draw.
// - Binomial: inversion for n·min(p, 1−p) < 10; above, Hörmann's BTRS
//   (J. Statist. Comput. Simul. 46, 1993); p > 1/2 by symmetry.
// - Truncated normal to [a, b]: where the interval is wide and near the
//   mode (a ≤ ½, b ≥ −½, b − a ≥ 2: at least 30 % of the mass), rejection
//   from standard normals, the k-th from the k-th derived key; otherwise —
//   and after 64 rejections, which happen with probability < 1e-9 —
//   inversion: u uniform in (Φ(a), Φ(b)), x = Φ⁻¹(u), with the bounds
//   mirrored so the lower one is ≤ 0 (the tail is then where erfc is
//   accurate). Φ⁻¹ is Acklam's rational approximation (relative error
//   1.2e-9) refined by two Halley steps on erfc (error then below 1e-15).
//   Either way the result is exact in law and no loop can stall. Rejection
//   costs a fifth of inversion's two erfc calls per draw.
// Invalid parameters (λ < 0, p outside [0, 1], a non-whole n, lo ≥ hi, no
// mass between the bounds) give NaN; the compiler refuses them where they
// are constants (ir/lower_expr.cpp). The rejection loops stop after 1000
// tries (each accepts with probability > 0.7) and then return the mode.
#pragma once

#include <math.h>

#include <cstdint>

#include "numeric/exp.h"
#include "numeric/rng.h"

// clang-format off
// P: the name prefix of this and rng.h's functions; EXP: numeric/exp.h's exp.
// libm: log, log1p, erfc; sqrt and floor are exact either way.
#define NEURO_DIST_DEFINE(P, EXP)                                                                \
  /* The n-th uniform of a draw that needs several. */                                           \
  static inline double P##draw_uniform_n(unsigned long long key, unsigned long long entity,      \
                                         unsigned long long counter, unsigned long long n) {     \
    return P##draw_uniform(P##mix64(key ^ (0xa0761d6478bd642full * (n + 1))), entity, counter);  \
  }                                                                                              \
  /* log(k!) for whole k ≥ 0: the product below 10, Stirling's series for log Γ(k + 1)          \
     above (truncation error below 1e-12 there). */                                              \
  static inline double P##log_factorial(double k) {                                              \
    if (k < 10.0) {                                                                              \
      double f = 1.0;                                                                            \
      for (double m = 2.0; m <= k; m += 1.0) f *= m;                                             \
      return log(f);                                                                             \
    }                                                                                            \
    const double n = k + 1.0, r = 1.0 / n, r2 = r * r;                                           \
    return (n - 0.5) * log(n) - n + 0.91893853320467274178 +                                     \
           r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)));            \
  }                                                                                              \
  /* The Poisson count whose distribution function first exceeds u, for λ < 10; p0 = e^{−λ}  \
     (a caller with one λ for many draws computes it once). */                                   \
  static inline double P##poisson_inversion(double u, double lam, double p0) {                   \
    double p = p0, F = p, k = 0.0;                                                               \
    while (u >= F && k < 200.0) {                                                                \
      k += 1.0;                                                                                  \
      p = p * lam / k;                                                                           \
      F += p;                                                                                    \
    }                                                                                            \
    return k;                                                                                    \
  }                                                                                              \
  /* A Poisson count with mean lam. */                                                           \
  static inline double P##draw_poisson(unsigned long long key, unsigned long long entity,        \
                                       unsigned long long counter, double lam) {                 \
    if (!(lam >= 0.0) || !(lam <= 1e15)) return __builtin_nan("");                              \
    if (lam == 0.0) return 0.0;                                                                  \
    if (lam < 10.0) return P##poisson_inversion(P##draw_uniform(key, entity, counter), lam, EXP(-lam));\
    const double slam = __builtin_sqrt(lam), loglam = log(lam);                                  \
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;                              \
    const double log_invalpha = log(1.1239 + 1.1328 / (b - 3.4)), vr = 0.9277 - 3.6224 / (b - 2.0);\
    for (unsigned long long n = 0; n < 2000; n += 2) {                                           \
      const double u = P##draw_uniform_n(key, entity, counter, n) - 0.5;                         \
      const double v = P##draw_uniform_n(key, entity, counter, n + 1);                           \
      const double us = 0.5 - __builtin_fabs(u);                                                 \
      const double k = __builtin_floor((2.0 * a / us + b) * u + lam + 0.43);                     \
      if (us >= 0.07 && v <= vr) return k;                                                       \
      if (k < 0.0 || (us < 0.013 && v > us)) continue;                                           \
      if (log(v) + log_invalpha - log(a / (us * us) + b) <=                                      \
          -lam + k * loglam - P##log_factorial(k))                                               \
        return k;                                                                                \
    }                                                                                            \
    return __builtin_floor(lam);                                                                 \
  }                                                                                              \
  /* Stirling's correction log(k!) − [(k + ½)·log(k + 1) − (k + 1) + ½·log 2π]. */              \
  static inline double P##stirling_tail(double k) {                                              \
    if (k < 10.0)                                                                                \
      return P##log_factorial(k) - ((k + 0.5) * log(k + 1.0) - (k + 1.0) + 0.91893853320467274178);\
    const double r = 1.0 / (k + 1.0), r2 = r * r;                                                \
    return r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0));                                  \
  }                                                                                              \
  /* A binomial count of n trials with probability p. */                                         \
  static inline double P##draw_binomial(unsigned long long key, unsigned long long entity,       \
                                        unsigned long long counter, double n, double p) {        \
    if (!(n >= 0.0) || !(n <= 9007199254740992.0) || n != __builtin_floor(n) ||                 \
        !(p >= 0.0 && p <= 1.0))                                                                 \
      return __builtin_nan("");                                                                  \
    if (n == 0.0 || p == 0.0) return 0.0;                                                        \
    if (p == 1.0) return n;                                                                      \
    const int flip = p > 0.5;                                                                    \
    const double q = flip ? 1.0 - p : p;                                                         \
    double k = 0.0;                                                                              \
    if (n * q < 10.0) {                                                                          \
      const double u = P##draw_uniform(key, entity, counter), r = q / (1.0 - q);                 \
      double f = EXP(n * log1p(-q)), F = f;                                                      \
      while (u >= F && k < n && f > 0.0) {                                                       \
        f = f * ((n - k) / (k + 1.0)) * r;                                                       \
        k += 1.0;                                                                                \
        F += f;                                                                                  \
      }                                                                                          \
    } else {                                                                                     \
      const double spq = __builtin_sqrt(n * q * (1.0 - q));                                      \
      const double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * q;                   \
      const double c = n * q + 0.5, vr = 0.92 - 4.2 / b, r = q / (1.0 - q);                      \
      const double alpha = (2.83 + 5.1 / b) * spq, m = __builtin_floor((n + 1.0) * q);           \
      k = m;                                                                                     \
      for (unsigned long long t = 0; t < 2000; t += 2) {                                         \
        const double u = P##draw_uniform_n(key, entity, counter, t) - 0.5;                       \
        double v = P##draw_uniform_n(key, entity, counter, t + 1);                               \
        const double us = 0.5 - __builtin_fabs(u);                                               \
        const double kk = __builtin_floor((2.0 * a / us + b) * u + c);                           \
        if (kk < 0.0 || kk > n) continue;                                                        \
        if (us >= 0.07 && v <= vr) {                                                             \
          k = kk;                                                                                \
          break;                                                                                 \
        }                                                                                        \
        v = log(v * alpha / (a / (us * us) + b));                                                \
        const double bound = (m + 0.5) * log((m + 1.0) / (r * (n - m + 1.0))) +                  \
                             (n + 1.0) * log((n - m + 1.0) / (n - kk + 1.0)) +                   \
                             (kk + 0.5) * log(r * (n - kk + 1.0) / (kk + 1.0)) +                 \
                             P##stirling_tail(m) + P##stirling_tail(n - m) -                     \
                             P##stirling_tail(kk) - P##stirling_tail(n - kk);                    \
        if (v <= bound) {                                                                        \
          k = kk;                                                                                \
          break;                                                                                 \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
    return flip ? n - k : k;                                                                     \
  }                                                                                              \
  /* Φ(x), the standard normal distribution function. */                                        \
  static inline double P##normal_cdf(double x) {                                                 \
    return 0.5 * erfc(-x * 0.70710678118654752440);                                              \
  }                                                                                              \
  /* Φ⁻¹(u) for u in (0, 1). */                                                                  \
  static inline double P##normal_quantile(double u) {                                            \
    double x;                                                                                    \
    if (u < 0.02425 || u > 0.97575) {                                                            \
      const double q = __builtin_sqrt(-2.0 * log(u < 0.5 ? u : 1.0 - u));                        \
      x = (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00)  \
              * q - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)\
          / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00)  \
              * q + 3.754408661907416e+00) * q + 1.0);                                            \
      x = u < 0.5 ? x : -x;                                                                      \
    } else {                                                                                     \
      const double q = u - 0.5, r = q * q;                                                       \
      x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02)  \
              * r + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00)\
          * q / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r                      \
                    - 1.556989798598866e+02) * r + 6.680131188771972e+01) * r                     \
                  - 1.328068155288572e+01) * r + 1.0);                                            \
    }                                                                                            \
    for (int s = 0; s < 2; ++s) {                                                                \
      const double e = P##normal_cdf(x) - u;                                                     \
      const double h = e * 2.50662827463100050242 * EXP(0.5 * x * x);                            \
      x = x - h / (1.0 + 0.5 * x * h);                                                           \
    }                                                                                            \
    return x;                                                                                    \
  }                                                                                              \
  /* A standard normal draw conditioned on [a, b]. */                                            \
  static inline double P##draw_normal_trunc(unsigned long long key, unsigned long long entity,   \
                                            unsigned long long counter, double a, double b) {    \
    if (!(a < b)) return a == b ? a : __builtin_nan("");                                         \
    /* A wide interval near the mode holds at least 30 % of the mass: rejection from        \
       plain normals (no erfc) accepts within 1–3 tries. */                                      \
    if (a <= 0.5 && b >= -0.5 && b - a >= 2.0)                                                   \
      for (unsigned long long n = 0; n < 64; ++n) {                                              \
        const double z =                                                                         \
            P##draw_normal(P##mix64(key ^ (0xe7037ed1a0b428dbull * (n + 1))), entity, counter);  \
        if (z >= a && z <= b) return z;                                                          \
      }                                                                                          \
    const int flip = a > 0.0;                                                                    \
    if (flip) {                                                                                  \
      const double t = a;                                                                        \
      a = -b;                                                                                    \
      b = -t;                                                                                    \
    }                                                                                            \
    const double fa = P##normal_cdf(a), fb = P##normal_cdf(b);                                   \
    if (!(fb > fa)) return __builtin_nan("");                                                    \
    /* u in the open interval (0, 1): the quantile stays finite. */                              \
    const double w = ((double)(P##draw_bits(key, entity, counter) >> 11) + 0.5) * 0x1.0p-53;     \
    double x = P##normal_quantile(fa + w * (fb - fa));                                           \
    x = x < a ? a : x;                                                                           \
    x = x > b ? b : x;                                                                           \
    return flip ? -x : x;                                                                        \
  }
// clang-format on

#define NEURO_DIST_STR2(...) #__VA_ARGS__
#define NEURO_DIST_STR(...) NEURO_DIST_STR2(__VA_ARGS__)

namespace neuro::num {

NEURO_DIST_DEFINE(, exp_impl)

// The distributions model code draws from (besides rand() and randn()).
enum class Dist : uint8_t { Poisson, Binomial, NormalTrunc };

// poisson_inversion for many draws with one mean: its partial sums F_k
// computed once, by the same recurrence in the same order (so the same
// bits), and each draw the number of F_k ≤ u, counted without branches
// (the loop's exit mispredicts about once a draw; a background draw took
// 11 ns, 7 this way, with its random bits) over
// the m sums that hold all but 1e-15 of the mass; a draw beyond them
// (probability below 1e-15) takes the loop.
struct PoissonTable {
  static constexpr int kMax = 48;
  double F[kMax];
  double lam, p0;
  int m = kMax;
  PoissonTable(double lam_, double p0_) : lam(lam_), p0(p0_) {
    double p = p0, f = p;
    F[0] = f;
    for (int k = 1; k < kMax; ++k) {
      p = p * lam / static_cast<double>(k);
      f += p;
      F[k] = f;
    }
    for (int k = 0; k < kMax; ++k)
      if (F[k] >= 1 - 1e-15) {
        m = k + 1;
        break;
      }
  }
  double count(double u) const {
    if (!(u < F[m - 1])) return poisson_inversion(u, lam, p0);
    int k = 0;
    for (int j = 0; j < m; ++j) k += u >= F[j];
    return static_cast<double>(k);
  }
};

// Its name in printed IR, and draw_NAME is the function that draws it.
inline const char* dist_name(Dist d) {
  return d == Dist::Poisson ? "poisson" : d == Dist::Binomial ? "binomial" : "normal_trunc";
}

// The same functions as C++ source text, prefixed nj_, for generated code.
inline const char* dist_source_nj() {
  return NEURO_DIST_STR(NEURO_DIST_DEFINE(nj_, nj_exp));
}

}  // namespace neuro::num
