// Counter-based random numbers: a draw is a pure function of (seed, stream,
// entity, counter), so results do not depend on the order in which neurons
// are visited, on threads, on ranks or on the backend.
//
// The draws are written once, in NEURO_RNG_DEFINE, compiled here into
// neuro::num and pasted as text (with the prefix nj_) into the code the JIT
// generates (the JIT prelude, jit/emit.cpp): both backends draw the same bits.
#pragma once

#include <math.h>

#include <cstdint>

// clang-format off
// P: a prefix for every name (empty here, nj_ in generated code). Plain C
// types and libm's log and cos, declared in generated code by the prelude.
#define NEURO_RNG_DEFINE(P)                                                                      \
  /* SplitMix64's finaliser: a bijective 64-bit mixer with good avalanche. */                    \
  static inline unsigned long long P##mix64(unsigned long long z) {                              \
    z += 0x9e3779b97f4a7c15ull;                                                                  \
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;                                                 \
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;                                                 \
    return z ^ (z >> 31);                                                                        \
  }                                                                                              \
  /* mixed = mix64(counter): code drawing for many entities at one counter mixes it once. */  \
  static inline unsigned long long P##draw_bits_mixed(unsigned long long key,                    \
                                                      unsigned long long entity,                 \
                                                      unsigned long long mixed) {                \
    return P##mix64(key ^ P##mix64(entity * 0xd1342543de82ef95ull + mixed));                     \
  }                                                                                              \
  static inline unsigned long long P##draw_bits(unsigned long long key, unsigned long long entity,\
                                                unsigned long long counter) {                    \
    return P##draw_bits_mixed(key, entity, P##mix64(counter));                                   \
  }                                                                                              \
  /* Uniform in [0, 1) with 53 random bits. */                                                   \
  static inline double P##to_uniform(unsigned long long bits) {                                  \
    return (double)(bits >> 11) * 0x1.0p-53;                                                     \
  }                                                                                              \
  static inline double P##draw_uniform(unsigned long long key, unsigned long long entity,        \
                                       unsigned long long counter) {                             \
    return P##to_uniform(P##draw_bits(key, entity, counter));                                    \
  }                                                                                              \
  /* Standard normal by Box–Muller from two independent uniforms, u1 in (0, 1]. */               \
  static inline double P##draw_normal(unsigned long long key, unsigned long long entity,         \
                                      unsigned long long counter) {                              \
    const double u1 = ((double)(P##draw_bits(key, entity, 2 * counter) >> 11) + 1.0) * 0x1.0p-53;\
    const double u2 = P##to_uniform(P##draw_bits(key, entity, 2 * counter + 1));                 \
    return __builtin_sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);              \
  }
// clang-format on

#define NEURO_RNG_STR2(...) #__VA_ARGS__
#define NEURO_RNG_STR(...) NEURO_RNG_STR2(__VA_ARGS__)

namespace neuro::num {

NEURO_RNG_DEFINE()

// The same functions as C++ source text, each name prefixed nj_.
inline const char* rng_source_nj() {
  return NEURO_RNG_STR(NEURO_RNG_DEFINE(nj_));
}

// Streams: what a random number is for. Each call site of rand() in each
// population gets its own; connectivity gets one per projection.
enum class StreamKind : uint64_t { Code = 1, Connect = 2, Poisson = 3 };

inline uint64_t stream_key(uint64_t seed, StreamKind kind, uint64_t a, uint64_t b = 0) {
  return mix64(mix64(seed) ^ mix64((static_cast<uint64_t>(kind) << 56) ^ (a << 28) ^ b));
}

// A sequential stream for code that draws an unknown number of values for
// one entity (connectivity of one neuron).
struct Stream {
  uint64_t key, entity, counter = 0;
  Stream(uint64_t k, uint64_t e) : key(k), entity(e) {}
  double uniform() { return draw_uniform(key, entity, counter++); }
  uint64_t bits() { return draw_bits(key, entity, counter++); }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) {
    // Lemire's multiply-shift; the tiny bias (< n / 2^64) is irrelevant here.
    return static_cast<uint64_t>((static_cast<unsigned __int128>(bits()) * n) >> 64);
  }
};

}  // namespace neuro::num
