// splitmix64 (Steele, Lea and Flood 2014) as a counter-based generator for
// the SDR code: the same numbers on every platform and standard library.
#pragma once

#include <cstdint>

#include "numeric/rng.h"  // the engine's mixer: SplitMix64's finaliser

namespace neuro::sdr_detail {

using num::mix64;

// Draw i of the stream named `key` is mix64(key + i·golden), as splitmix64 steps.
class SplitMix {
 public:
  explicit SplitMix(uint64_t key) : state_(key) {}
  uint64_t next() {
    uint64_t out = mix64(state_);
    state_ += 0x9e3779b97f4a7c15ull;
    return out;
  }
  // Uniform in [0, bound), bound > 0, without modulo bias: draws below
  // 2^64 mod bound are rejected, so the rest is a whole number of periods.
  uint64_t below(uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      uint64_t x = next();
      if (x >= threshold) return x % bound;
    }
  }

 private:
  uint64_t state_;
};

}  // namespace neuro::sdr_detail
