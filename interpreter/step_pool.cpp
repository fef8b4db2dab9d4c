#include "interpreter/step_pool.h"

#include <chrono>
#include <cstdlib>
#include <string>

namespace neuro::interp {

namespace {

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

SplitMin split_min() {
  SplitMin m;
  if (const char* v = std::getenv("NEURO_SPLIT_MIN"); v && *v) {
    const unsigned long long n = std::strtoull(v, nullptr, 10);
    m.neurons = m.synapses = static_cast<size_t>(n < 1 ? 1 : n);
  }
  return m;
}

StepPool::StepPool(unsigned threads) : threads_(threads < 1 ? 1 : threads) {
  for (unsigned k = 1; k < threads_; ++k) workers_.emplace_back([this] { work(); });
}

StepPool::~StepPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  for (auto& t : workers_) t.join();
}

constexpr int kPartBits = 24;
constexpr uint64_t kPartMask = (uint64_t{1} << kPartBits) - 1;

void StepPool::claim() {
  for (;;) {
    uint64_t v = next_.load();
    const unsigned k = static_cast<unsigned>(v & kPartMask);
    // parts_ may already be a later round's; then the word has changed
    // since (run() closes it before writing parts_) and the swap fails.
    if (k >= parts_.load(std::memory_order_relaxed)) return;
    if (!next_.compare_exchange_weak(v, v + 1)) continue;
    // Claimed: the round is open until this part is done, so job_ is its.
    (*job_.load(std::memory_order_relaxed))(k);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void StepPool::run(unsigned parts, const std::function<void(unsigned)>& job) {
  if (threads_ == 1 || parts <= 1 || parts >= kPartMask) {
    for (unsigned k = 0; k < parts; ++k) job(k);
    return;
  }
  // The last round is over (all its parts done), but a worker may still
  // hold its word and be about to read parts_: the word is closed first
  // (the part field full, so nothing is claimable and that worker's swap
  // fails), then the round is set up, then opened.
  ++round_;
  next_.store(round_ << kPartBits | kPartMask);
  job_.store(&job);
  parts_.store(parts);
  done_.store(0);
  next_.store(round_ << kPartBits);
  // Sequentially consistent: a worker that counted itself asleep after this
  // increment sees it in its wait's predicate; one counted before is woken.
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  claim();
  while (done_.load(std::memory_order_acquire) != parts) relax();
}

void StepPool::work() {
  using Clock = std::chrono::steady_clock;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load();
    if (g == seen) {
      const auto since = Clock::now();
      for (unsigned spins = 1; (g = generation_.load()) == seen; ++spins) {
        relax();
        if (spins % 1024 == 0 && Clock::now() - since > std::chrono::microseconds(200)) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_.fetch_add(1);
          wake_.wait(lock, [&] { return generation_.load() != seen; });
          sleepers_.fetch_sub(1);
        }
      }
    }
    seen = g;
    if (stop_.load()) return;
    claim();
  }
}

}  // namespace neuro::interp
