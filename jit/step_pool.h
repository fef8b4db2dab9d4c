// A team of threads that runs one job in parts, step after step (the JIT's
// neuron updates with `--threads N`). The caller runs part 0 and waits for
// the others. A step's hand-off must cost well under a microsecond, so
// waiting workers spin; after about 0.2 ms without work they sleep, so an
// idle simulation (the REPL between commands) takes no CPU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace neuro::jit {

class StepPool {
 public:
  explicit StepPool(unsigned parts);  // parts ≥ 1: the caller and parts − 1 threads
  ~StepPool();
  StepPool(const StepPool&) = delete;
  StepPool& operator=(const StepPool&) = delete;

  unsigned parts() const { return parts_; }
  // job(k) for k = 0 … parts − 1, k = 0 on the calling thread; returns when
  // all are done. The job must not throw.
  void run(const std::function<void(unsigned)>& job);

 private:
  void work(unsigned part);

  const unsigned parts_;
  std::vector<std::thread> threads_;
  const std::function<void(unsigned)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace neuro::jit
