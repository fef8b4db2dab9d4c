// A sparse distributed representation (SDR): n bits, a few of them active,
// held as the sorted set of active indices. Two SDRs are similar as far as
// they share active bits (overlap), which is what makes them a code for
// driving a population: bit i is neuron i.
//
//   neuro::Sdr a(100, {42, 3, 17, 3});         // SDR(100){3,17,42}: sorted, duplicates merged
//   neuro::Sdr b = neuro::Sdr::random(100, 5, /*seed=*/7);
//   size_t common = neuro::overlap(a, b);
//   engine.inject_sdr("P", a);                // neurons 3, 17 and 42 spike
//
// Mistakes (an index out of range, n = 0, sizes that differ) throw SdrError.
// Random choices (random(), subsample()) are a pure function of their seed
// and the same on every platform: they use splitmix64 (Steele, Lea and
// Flood 2014) as a counter-based generator, with unbiased bounded draws by
// rejection, never std::uniform_int_distribution (whose output differs
// between standard libraries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace neuro {

// A call the SDR code cannot honour. what() is "message (hint: hint)".
class SdrError : public std::invalid_argument {
 public:
  SdrError(const std::string& message, const std::string& hint);
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string message_, hint_;
};

class Sdr {
 public:
  // n bits, none active. n = 0 is an SdrError.
  explicit Sdr(uint32_t n);
  // n bits with the given ones active, in any order; duplicates are merged.
  // An index ≥ n, or n = 0, is an SdrError.
  Sdr(uint32_t n, std::vector<uint32_t> active);
  Sdr(uint32_t n, std::initializer_list<uint32_t> active);
  Sdr(uint32_t n, std::span<const uint32_t> active);

  // From a dense vector of 0s and 1s (n = its length); any other value, or
  // an empty vector, is an SdrError.
  static Sdr from_dense(std::span<const uint8_t> dense);
  // w of n bits, chosen uniformly without replacement (Floyd's algorithm).
  // w > n is an SdrError.
  static Sdr random(uint32_t n, uint32_t w, uint64_t seed);

  uint32_t size() const { return n_; }
  // The active bits, sorted. Of a temporary SDR, a vector (so that
  // `for (uint32_t i : encoder.encode(v).active())` does not dangle).
  std::span<const uint32_t> active() const& { return active_; }
  std::vector<uint32_t> active() && { return std::move(active_); }
  size_t count() const { return active_.size(); }
  double sparsity() const { return double(active_.size()) / n_; }
  bool contains(uint32_t i) const;

  // k of the active bits, chosen uniformly without replacement: every
  // k-subset is equally likely, and the same seed gives the same subset.
  // k > count() is an SdrError (pass std::min(k, count()) for "at most k").
  Sdr subsample(size_t k, uint64_t seed) const;

  std::vector<uint8_t> to_dense() const;
  // "SDR(100){3,17,42}".
  std::string to_string() const;

  friend bool operator==(const Sdr&, const Sdr&) = default;

 private:
  struct Trusted {};
  Sdr(uint32_t n, std::vector<uint32_t> sorted_unique, Trusted);
  friend Sdr union_of(const Sdr&, const Sdr&);
  friend Sdr intersection(const Sdr&, const Sdr&);
  friend Sdr difference(const Sdr&, const Sdr&);

  uint32_t n_;
  std::vector<uint32_t> active_;  // sorted, unique, each < n_
};

// Set operations; the sizes must be equal (else SdrError).
size_t overlap(const Sdr& a, const Sdr& b);  // active in both
Sdr union_of(const Sdr& a, const Sdr& b);
Sdr intersection(const Sdr& a, const Sdr& b);
Sdr difference(const Sdr& a, const Sdr& b);  // active in a, not in b

std::ostream& operator<<(std::ostream& out, const Sdr& sdr);

}  // namespace neuro
