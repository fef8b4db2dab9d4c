// An append-only array kept in blocks of N elements that never move: it
// grows without copying itself, so a long recording holds its own size and
// no abandoned, still resident copies (docs: bench/README.md, memory).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace neuro::interp {

template <class T, size_t N>
class BlockLog {
 public:
  BlockLog() = default;
  BlockLog(BlockLog&&) noexcept = default;
  BlockLog& operator=(BlockLog&&) noexcept = default;
  BlockLog(const BlockLog& o) { *this = o; }
  BlockLog& operator=(const BlockLog& o) {
    if (this == &o) return *this;
    clear();
    for (size_t k = 0; k < o.size_; ++k) push_back(o[k]);
    return *this;
  }

  void push_back(const T& v) {
    if (size_ % N == 0 && size_ / N == blocks_.size())
      blocks_.push_back(std::unique_ptr<T[]>(new T[N]));  // not filled: untouched pages stay free
    blocks_[size_ / N][size_ % N] = v;
    ++size_;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t k) const { return blocks_[k / N][k % N]; }
  T& back() { return blocks_[(size_ - 1) / N][(size_ - 1) % N]; }
  void clear() {
    blocks_.clear();
    size_ = 0;
  }
  std::vector<const T*> blocks() const {
    std::vector<const T*> out;
    for (const auto& b : blocks_) out.push_back(b.get());
    return out;
  }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

}  // namespace neuro::interp
