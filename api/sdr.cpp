// neuro::Sdr: sorted active indices and the set operations over them.
#include "neuro/sdr.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>
#include <ostream>
#include <unordered_set>

#include "api/splitmix.h"

namespace neuro {

namespace {

// Floyd's algorithm: k distinct values of [0, n), every k-subset equally
// likely, in k draws; returned sorted.
std::vector<uint32_t> choose(uint64_t n, uint64_t k, uint64_t seed) {
  sdr_detail::SplitMix rng(seed);
  std::unordered_set<uint32_t> taken;
  taken.reserve(k);
  for (uint64_t j = n - k; j < n; ++j) {
    auto t = static_cast<uint32_t>(rng.below(j + 1));
    if (!taken.insert(t).second) taken.insert(static_cast<uint32_t>(j));
  }
  std::vector<uint32_t> out(taken.begin(), taken.end());
  std::sort(out.begin(), out.end());  // the set, not the hash order, is what was drawn
  return out;
}

void same_size(const Sdr& a, const Sdr& b, const char* what) {
  if (a.size() != b.size())
    throw SdrError(
        fmt::format("{} of SDRs of different sizes ({} and {} bits)", what, a.size(), b.size()),
        "both SDRs must have the same n");
}

}  // namespace

SdrError::SdrError(const std::string& message, const std::string& hint)
    : std::invalid_argument(hint.empty() ? message : message + " (hint: " + hint + ")"),
      message_(message),
      hint_(hint) {}

Sdr::Sdr(uint32_t n) : n_(n) {
  if (n == 0) throw SdrError("an SDR needs at least one bit (n = 0)", "give n > 0");
}

Sdr::Sdr(uint32_t n, std::vector<uint32_t> active) : Sdr(n) {
  std::sort(active.begin(), active.end());
  active.erase(std::unique(active.begin(), active.end()), active.end());
  if (!active.empty() && active.back() >= n)
    throw SdrError(fmt::format("active bit {} is outside an SDR of {} bits", active.back(), n),
                   fmt::format("active bits are 0 to {}", n - 1));
  active_ = std::move(active);
}

Sdr::Sdr(uint32_t n, std::initializer_list<uint32_t> active)
    : Sdr(n, std::vector<uint32_t>(active)) {}

Sdr::Sdr(uint32_t n, std::span<const uint32_t> active)
    : Sdr(n, std::vector<uint32_t>(active.begin(), active.end())) {}

Sdr::Sdr(uint32_t n, std::vector<uint32_t> sorted_unique, Trusted)
    : n_(n), active_(std::move(sorted_unique)) {}

Sdr Sdr::from_dense(std::span<const uint8_t> dense) {
  if (dense.empty())
    throw SdrError("an SDR needs at least one bit (the dense vector is empty)", "");
  if (dense.size() > UINT32_MAX)
    throw SdrError(fmt::format("a dense vector of {} bits is too long for an SDR", dense.size()),
                   "an SDR has at most 2^32 - 1 bits");
  std::vector<uint32_t> active;
  for (size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] > 1)
      throw SdrError(fmt::format("dense value {} at bit {} is neither 0 nor 1", int(dense[i]), i),
                     "a dense SDR holds only 0s and 1s");
    if (dense[i]) active.push_back(static_cast<uint32_t>(i));
  }
  return Sdr(static_cast<uint32_t>(dense.size()), std::move(active), Trusted{});
}

Sdr Sdr::random(uint32_t n, uint32_t w, uint64_t seed) {
  Sdr out(n);
  if (w > n) throw SdrError(fmt::format("cannot choose {} active bits of {}", w, n), "give w <= n");
  out.active_ = choose(n, w, seed);
  return out;
}

bool Sdr::contains(uint32_t i) const {
  return std::binary_search(active_.begin(), active_.end(), i);
}

Sdr Sdr::subsample(size_t k, uint64_t seed) const {
  if (k > active_.size())
    throw SdrError(fmt::format("cannot subsample {} of {} active bits", k, active_.size()),
                   "k must be at most count(); use std::min(k, count()) for \"at most k\"");
  std::vector<uint32_t> picked = choose(active_.size(), k, seed);
  for (auto& p : picked) p = active_[p];  // positions are sorted, so the bits are too
  return Sdr(n_, std::move(picked), Trusted{});
}

std::vector<uint8_t> Sdr::to_dense() const {
  std::vector<uint8_t> out(n_, 0);
  for (uint32_t i : active_) out[i] = 1;
  return out;
}

std::string Sdr::to_string() const {
  return fmt::format("SDR({}){{{}}}", n_, fmt::join(active_, ","));
}

size_t overlap(const Sdr& a, const Sdr& b) {
  same_size(a, b, "overlap");
  auto x = a.active(), y = b.active();
  size_t common = 0;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] < y[j]) {
      ++i;
    } else if (y[j] < x[i]) {
      ++j;
    } else {
      ++common, ++i, ++j;
    }
  }
  return common;
}

Sdr union_of(const Sdr& a, const Sdr& b) {
  same_size(a, b, "union");
  std::vector<uint32_t> out;
  out.reserve(a.count() + b.count());
  std::set_union(a.active_.begin(), a.active_.end(), b.active_.begin(), b.active_.end(),
                 std::back_inserter(out));
  return Sdr(a.n_, std::move(out), Sdr::Trusted{});
}

Sdr intersection(const Sdr& a, const Sdr& b) {
  same_size(a, b, "intersection");
  std::vector<uint32_t> out;
  std::set_intersection(a.active_.begin(), a.active_.end(), b.active_.begin(), b.active_.end(),
                        std::back_inserter(out));
  return Sdr(a.n_, std::move(out), Sdr::Trusted{});
}

Sdr difference(const Sdr& a, const Sdr& b) {
  same_size(a, b, "difference");
  std::vector<uint32_t> out;
  std::set_difference(a.active_.begin(), a.active_.end(), b.active_.begin(), b.active_.end(),
                      std::back_inserter(out));
  return Sdr(a.n_, std::move(out), Sdr::Trusted{});
}

std::ostream& operator<<(std::ostream& out, const Sdr& sdr) {
  return out << sdr.to_string();
}

}  // namespace neuro
