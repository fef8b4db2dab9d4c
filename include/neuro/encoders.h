// Encoders: values to SDRs (neuro/sdr.h) whose overlap follows similarity,
// for driving a population from a host.
//
//   neuro::ScalarEncoder speed(0.0, 2.0, 100, 10);     // 0…2 m/s on 100 bits, 10 active
//   engine.inject_sdr("Input", speed.encode(0.7));
//
// Each constructor checks its parameters and throws SdrError; so does
// encode() for a value it cannot encode (NaN, out of range without clip,
// an unknown category).
#pragma once

#include <cstdint>

#include "neuro/sdr.h"

namespace neuro {

// A contiguous block of w of n bits, its start moving linearly with the
// value: start = round((v - min) / (max - min) * (n - w)). Values a
// (max - min) / (n - w) apart start one bit apart, so values d such steps
// apart share w - d bits (none once d ≥ w).
class ScalarEncoder {
 public:
  // min < max, both finite; 1 ≤ w ≤ n. Values outside [min, max] are
  // clipped to the nearer end when `clip`, else an SdrError.
  ScalarEncoder(double min, double max, uint32_t n, uint32_t w, bool clip = true);
  Sdr encode(double value) const;

  double min() const { return min_; }
  double max() const { return max_; }
  uint32_t size() const { return n_; }
  uint32_t active_bits() const { return w_; }
  bool clip() const { return clip_; }

 private:
  double min_, max_;
  uint32_t n_, w_;
  bool clip_;
};

// Category c of `categories` is bits [c·w, (c+1)·w) of n = categories·w:
// different categories share no bit.
class CategoryEncoder {
 public:
  // categories ≥ 1, w ≥ 1, categories·w < 2^32.
  CategoryEncoder(uint32_t categories, uint32_t w);
  // c ≥ categories is an SdrError.
  Sdr encode(uint32_t category) const;

  uint32_t categories() const { return categories_; }
  uint32_t size() const { return categories_ * w_; }
  uint32_t active_bits() const { return w_; }

 private:
  uint32_t categories_, w_;
};

// A random distributed scalar encoder, after htm.core's RDSE: no range to
// declare, any finite value is encoded. The value falls in bucket
// b = floor(v / resolution); the code of bucket b is the bits of the w
// consecutive "slots" b, b+1, …, b+w-1, each slot mapped to a pseudo-random
// bit. Adjacent buckets share w-1 slots, so values within one resolution
// share at least w-1 bits, and buckets d < w apart at least w-d; buckets w
// or more apart share only what chance gives (w²/n bits on average).
//
// Unlike htm.core, whose hash collisions leave some codes with fewer than w
// bits, every code here has exactly w: slot j = q·w + r (0 ≤ r < w) takes
// the r-th of w distinct bits drawn for block q, from the lower half of the
// bits [0, n/2) when q is even and the upper half [n/2, n) when q is odd.
// A code spans at most two adjacent blocks, which draw from different
// halves, so its w bits are distinct. The draws for block q are the
// splitmix64 stream keyed by mix64(seed) + q, reduced to the half by
// unbiased rejection, skipping repeats: a pure function of (seed, q), the
// same on every platform.
class RdseEncoder {
 public:
  // 1 ≤ w ≤ n/2 (n ≥ 2w: each half must hold a block); resolution > 0 and finite.
  RdseEncoder(uint32_t n, uint32_t w, double resolution, uint64_t seed);
  // NaN, infinities and values whose bucket does not fit in ±2^62 are SdrErrors.
  Sdr encode(double value) const;
  // The bucket of a value: floor(value / resolution).
  int64_t bucket(double value) const;

  uint32_t size() const { return n_; }
  uint32_t active_bits() const { return w_; }
  double resolution() const { return resolution_; }
  uint64_t seed() const { return seed_; }

 private:
  uint32_t n_, w_;
  double resolution_;
  uint64_t seed_;
};

}  // namespace neuro
