#include "step_pool.h"

#include <chrono>

namespace neuro::jit {

namespace {

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

StepPool::StepPool(unsigned parts) : parts_(parts < 1 ? 1 : parts) {
  for (unsigned k = 1; k < parts_; ++k) threads_.emplace_back([this, k] { work(k); });
}

StepPool::~StepPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  for (auto& t : threads_) t.join();
}

void StepPool::run(const std::function<void(unsigned)>& job) {
  if (parts_ == 1) return job(0);
  job_ = &job;
  pending_.store(parts_ - 1);
  // Sequentially consistent: a worker that counted itself asleep after this
  // increment sees it in its wait's predicate; one counted before is woken.
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  job(0);
  while (pending_.load(std::memory_order_acquire) != 0) relax();
}

void StepPool::work(unsigned part) {
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
    (*job_)(part);
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace neuro::jit
