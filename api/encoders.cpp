// The encoders of neuro/encoders.h.
#include "neuro/encoders.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "api/splitmix.h"

namespace neuro {

namespace {

void need_active_bits(uint32_t w, uint32_t n, const char* encoder) {
  if (w == 0) throw SdrError(fmt::format("{}: w = 0 active bits", encoder), "give w >= 1");
  if (n == 0) throw SdrError(fmt::format("{}: n = 0 bits", encoder), "give n >= w");
  if (w > n)
    throw SdrError(fmt::format("{}: w = {} active bits of only n = {}", encoder, w, n),
                   "give w <= n");
}

// w consecutive bits from `start`.
std::vector<uint32_t> block(uint32_t start, uint32_t w) {
  std::vector<uint32_t> out(w);
  for (uint32_t k = 0; k < w; ++k) out[k] = start + k;
  return out;
}

}  // namespace

// ---- ScalarEncoder ---------------------------------------------------------

ScalarEncoder::ScalarEncoder(double min, double max, uint32_t n, uint32_t w, bool clip)
    : min_(min), max_(max), n_(n), w_(w), clip_(clip) {
  need_active_bits(w, n, "scalar encoder");
  if (!std::isfinite(min) || !std::isfinite(max) || !std::isfinite(max - min) || !(min < max))
    throw SdrError(
        fmt::format("scalar encoder: the range [{}, {}] is empty or not finite", min, max),
        "give finite min < max");
}

Sdr ScalarEncoder::encode(double value) const {
  if (std::isnan(value)) throw SdrError("scalar encoder: cannot encode NaN", "");
  if (value < min_ || value > max_) {
    if (!clip_)
      throw SdrError(fmt::format("scalar encoder: {} is outside [{}, {}]", value, min_, max_),
                     "construct the encoder with clip = true to encode it as the nearer end");
    value = std::clamp(value, min_, max_);
  }
  double at = (value - min_) / (max_ - min_) * double(n_ - w_);
  auto start = static_cast<uint32_t>(std::min(std::round(at), double(n_ - w_)));
  return Sdr(n_, block(start, w_));
}

// ---- CategoryEncoder -------------------------------------------------------

CategoryEncoder::CategoryEncoder(uint32_t categories, uint32_t w) : categories_(categories), w_(w) {
  if (categories == 0) throw SdrError("category encoder: no categories", "give categories >= 1");
  if (w == 0) throw SdrError("category encoder: w = 0 active bits", "give w >= 1");
  if (uint64_t(categories) * w > UINT32_MAX)
    throw SdrError(fmt::format("category encoder: {} categories of {} bits need more than 2^32 "
                               "bits",
                               categories, w),
                   "use fewer categories or fewer bits each");
}

Sdr CategoryEncoder::encode(uint32_t category) const {
  if (category >= categories_)
    throw SdrError(fmt::format("category encoder: there is no category {}", category),
                   fmt::format("categories are 0 to {}", categories_ - 1));
  return Sdr(size(), block(category * w_, w_));
}

// ---- RdseEncoder -----------------------------------------------------------

RdseEncoder::RdseEncoder(uint32_t n, uint32_t w, double resolution, uint64_t seed)
    : n_(n), w_(w), resolution_(resolution), seed_(seed) {
  need_active_bits(w, n, "RDSE");
  // Encoding draws and keeps every active bit: a huge w is memory, not an SDR.
  constexpr uint32_t kMaxActive = 1u << 20;
  if (w > kMaxActive)
    throw SdrError(fmt::format("RDSE: w = {} active bits is more than {}", w, kMaxActive),
                   "an SDR has tens to thousands of active bits");
  if (w > n / 2)
    throw SdrError(fmt::format("RDSE: w = {} active bits need n >= {} (n is {})", w, 2 * w, n),
                   "each half of the bits must hold a block of w; codes far apart overlap by "
                   "chance, about w*w/n bits, so n is usually 50 w or more");
  if (!std::isfinite(resolution) || !(resolution > 0))
    throw SdrError(fmt::format("RDSE: resolution {} is not a positive number", resolution),
                   "give the step between values that should differ by one bit");
}

int64_t RdseEncoder::bucket(double value) const {
  if (std::isnan(value)) throw SdrError("RDSE: cannot encode NaN", "");
  double b = std::floor(value / resolution_);
  constexpr double kLimit = 4611686018427387904.0;  // 2^62: room for b + w and block math
  if (!(std::abs(b) < kLimit))
    throw SdrError(fmt::format("RDSE: {} is too large for resolution {}", value, resolution_),
                   "its bucket, value / resolution, must be within ±2^62");
  return static_cast<int64_t>(b);
}

Sdr RdseEncoder::encode(double value) const {
  const int64_t b = bucket(value);
  const uint32_t half = n_ / 2;
  // The w distinct bits of block q, in draw order (see encoders.h).
  auto block_bits = [&](int64_t q) {
    bool odd = (q & 1) != 0;
    uint32_t base = odd ? half : 0, span = odd ? n_ - half : half;
    sdr_detail::SplitMix rng(sdr_detail::mix64(seed_) + static_cast<uint64_t>(q));
    std::vector<uint32_t> bits;
    bits.reserve(w_);
    std::unordered_set<uint32_t> seen;  // for large w; small ones search `bits`
    while (bits.size() < w_) {
      auto bit = base + static_cast<uint32_t>(rng.below(span));
      bool fresh = w_ <= 64 ? std::find(bits.begin(), bits.end(), bit) == bits.end()
                            : seen.insert(bit).second;
      if (fresh) bits.push_back(bit);
    }
    return bits;
  };
  const int64_t w = w_;
  // Floor division: slot j is in block floor(j / w), also for negative j.
  auto block_of = [w](int64_t j) { return j >= 0 ? j / w : -((-j + w - 1) / w); };
  std::vector<uint32_t> active;
  active.reserve(w_);
  int64_t q = block_of(b);
  std::vector<uint32_t> bits = block_bits(q);
  for (int64_t j = b; j < b + w; ++j) {
    if (block_of(j) != q) bits = block_bits(q = block_of(j));
    active.push_back(bits[static_cast<size_t>(j - q * w)]);
  }
  return Sdr(n_, std::move(active));
}

}  // namespace neuro
