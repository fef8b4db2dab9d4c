// The C API's SDR encoders (neuro/encoders.h): values and categories to
// active bits, written into a caller's buffer; no engine involved.
#include <algorithm>
#include <span>

#include "api/c_handles.h"
#include "neuro/encoders.h"
#include "neuro/sdr.h"

using namespace c_api;

namespace {

// Copies an SDR's active bits into a caller buffer (see neuro.h).
neuro_result write_ids(const neuro::Sdr& sdr, uint32_t* ids, size_t capacity, size_t* count) {
  need(count, "count");
  *count = sdr.count();
  if (!ids) return NEURO_OK;
  if (capacity < sdr.count()) {
    set_error(Code::BufferTooSmall, fmt::format("the SDR has {} active bits; the buffer holds {}",
                                                sdr.count(), capacity));
    return NEURO_BUFFER_TOO_SMALL;
  }
  std::copy(sdr.active().begin(), sdr.active().end(), ids);
  return NEURO_OK;
}

}  // namespace

extern "C" {

neuro_result neuro_sdr_scalar_encode(double value, double min, double max, uint32_t n, uint32_t w,
                                     int clip, uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::ScalarEncoder(min, max, n, w, clip != 0).encode(value), ids, capacity,
                     count);
  });
}

neuro_result neuro_sdr_category_encode(uint32_t category, uint32_t categories, uint32_t w,
                                       uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::CategoryEncoder(categories, w).encode(category), ids, capacity, count);
  });
}

neuro_result neuro_sdr_rdse_encode(double value, double resolution, uint32_t n, uint32_t w,
                                   uint64_t seed, uint32_t* ids, size_t capacity, size_t* count) {
  return guarded_pure([&] {
    return write_ids(neuro::RdseEncoder(n, w, resolution, seed).encode(value), ids, capacity,
                     count);
  });
}

neuro_result neuro_sdr_subsample(const uint32_t* ids, size_t count, size_t k, uint64_t seed,
                                 uint32_t* out, size_t capacity, size_t* out_count) {
  return guarded_pure([&] {
    if (count > 0) need(ids, "ids");
    need(out_count, "out_count");
    std::span<const uint32_t> in(ids, count);
    // The SDR only needs to be large enough to hold every index.
    uint32_t n = in.empty() ? 1 : *std::max_element(in.begin(), in.end()) + 1;
    if (n == 0)
      usage(Code::BadArgument,
            "index 4294967295 cannot be an SDR bit (indices are below 2^32 - 1)");
    return write_ids(neuro::Sdr(n, in).subsample(k, seed), out, capacity, out_count);
  });
}

}  // extern "C"
