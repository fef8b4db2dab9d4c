// Counter-based random numbers: a draw is a pure function of (seed, stream,
// entity, counter), so results do not depend on the order in which neurons
// are visited, on threads, on ranks or on the backend.
#pragma once

#include <cmath>
#include <cstdint>

namespace neuro::interp {

// SplitMix64's finaliser: a bijective 64-bit mixer with good avalanche.
inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Streams: what a random number is for. Each call site of rand() in each
// population gets its own; connectivity gets one per projection.
enum class StreamKind : uint64_t { Code = 1, Connect = 2, Poisson = 3 };

inline uint64_t stream_key(uint64_t seed, StreamKind kind, uint64_t a, uint64_t b = 0) {
  return mix64(mix64(seed) ^ mix64((static_cast<uint64_t>(kind) << 56) ^ (a << 28) ^ b));
}

inline uint64_t draw_bits(uint64_t key, uint64_t entity, uint64_t counter) {
  return mix64(key ^ mix64(entity * 0xd1342543de82ef95ull + mix64(counter)));
}

// Uniform in [0, 1) with 53 random bits.
inline double to_uniform(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

inline double draw_uniform(uint64_t key, uint64_t entity, uint64_t counter) {
  return to_uniform(draw_bits(key, entity, counter));
}

// Standard normal by Box–Muller from two independent uniforms.
inline double draw_normal(uint64_t key, uint64_t entity, uint64_t counter) {
  double u1 =
      (static_cast<double>(draw_bits(key, entity, 2 * counter) >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  double u2 = to_uniform(draw_bits(key, entity, 2 * counter + 1));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
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

}  // namespace neuro::interp
