// An allocator that starts each array at a different offset (a multiple of
// 64 bytes) within its page. A loop that walks several state arrays in step
// (the exact propagator reads v, ge, gi for each neuron) slows down by a
// quarter when their addresses are equal modulo 4 KiB, as large allocations
// from the system are: loads then wait on unrelated stores ("4K aliasing").
// Only addresses change: results do not depend on it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace neuro {

template <class T>
struct Staggered {
  using value_type = T;
  Staggered() = default;
  template <class U>
  Staggered(const Staggered<U>&) {}

  T* allocate(size_t n) {
    static std::atomic<unsigned> next{0};
    const size_t shift = 64 * (1 + next.fetch_add(1, std::memory_order_relaxed) % 31);
    char* raw = static_cast<char*>(::operator new(n * sizeof(T) + shift + 64));
    uintptr_t at = reinterpret_cast<uintptr_t>(raw) + shift + 64;
    at -= at % 64;  // cache-line aligned, at least `shift` bytes in
    char* p = reinterpret_cast<char*>(at);
    reinterpret_cast<char**>(p)[-1] = raw;  // where the block really starts
    return reinterpret_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { ::operator delete(reinterpret_cast<char**>(p)[-1]); }
  template <class U>
  bool operator==(const Staggered<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const Staggered<U>&) const {
    return false;
  }
};

// A per-neuron array of a population.
using NeuronArray = std::vector<double, Staggered<double>>;

}  // namespace neuro
