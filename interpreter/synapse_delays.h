// Per-synapse delays in whole steps, each in the narrowest width that holds
// the projection's largest: one byte below 256 steps (25.5 ms at dt =
// 0.1 ms, every delay of the cortical microcircuit), two below 65 536, else
// four. At 3 × 10⁸ synapses one byte instead of four saves 0.9 GB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace neuro::interp {

class SynapseDelays {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // Room for n synapses whose largest delay is max_steps (all 0 until set).
  void reset(size_t n, uint64_t max_steps) {
    size_ = n;
    width_ = max_steps < 256 ? 1 : max_steps < 65536 ? 2 : 4;
    u8_.assign(width_ == 1 ? n : 0, 0);
    u16_.assign(width_ == 2 ? n : 0, 0);
    u32_.assign(width_ == 4 ? n : 0, 0);
  }
  void set(size_t s, uint32_t steps) {
    if (width_ == 1)
      u8_[s] = static_cast<uint8_t>(steps);
    else if (width_ == 2)
      u16_[s] = static_cast<uint16_t>(steps);
    else
      u32_[s] = steps;
  }
  uint32_t operator[](size_t s) const {
    return width_ == 1 ? u8_[s] : width_ == 2 ? u16_[s] : u32_[s];
  }
  // Calls f with the array in its own type, for loops over many synapses.
  template <class F>
  void with_data(F&& f) const {
    if (width_ == 1)
      f(u8_.data());
    else if (width_ == 2)
      f(u16_.data());
    else
      f(u32_.data());
  }

 private:
  std::vector<uint8_t> u8_;
  std::vector<uint16_t> u16_;
  std::vector<uint32_t> u32_;
  int width_ = 4;
  size_t size_ = 0;
};

}  // namespace neuro::interp
