// A team of threads that runs one job in parts, step after step (`--threads
// N`: the JIT's neuron updates, both backends' spike deliveries). The parts are claimed one at a
// time by whoever is free, the caller included, so a worker the system has put aside (this machine
// is shared) costs at most the part it holds: the caller does the rest. A step's hand-off must cost
// well under a microsecond, so waiting workers spin; after about 0.2 ms without work they sleep, so
// an idle simulation (the REPL between commands) takes no CPU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace neuro::interp {

// The least work worth handing to other threads: a population's neurons
// (its update) and a projection's synapses (its delivery). Below these a
// step's hand-off costs more than the work. NEURO_SPLIT_MIN=n (tests only:
// docs/jit.md) makes both n, so that small networks are split too.
struct SplitMin {
  size_t neurons = 16384;
  size_t synapses = size_t{1} << 18;
};
SplitMin split_min();

class StepPool {
 public:
  explicit StepPool(unsigned threads);  // the caller and threads − 1 workers
  ~StepPool();
  StepPool(const StepPool&) = delete;
  StepPool& operator=(const StepPool&) = delete;

  unsigned threads() const { return threads_; }
  // job(k) for every k < parts, each exactly once, in any order and on any
  // of the threads (parts ≥ 2^24 − 1: all on the caller); returns when all
  // are done. The job must not throw.
  void run(unsigned parts, const std::function<void(unsigned)>& job);

 private:
  void work();
  void claim();  // runs parts of the current round until none is unclaimed

  const unsigned threads_;
  std::vector<std::thread> workers_;
  uint64_t round_ = 0;  // the caller's count of rounds
  // The round (high bits) and its next unclaimed part (low 24 bits): a claim
  // is a compare-and-swap on both, so a claim meant for an earlier round
  // fails. job_ and parts_ are the current round's while it has parts left.
  std::atomic<uint64_t> next_{0};
  std::atomic<const std::function<void(unsigned)>*> job_{nullptr};
  std::atomic<unsigned> parts_{0}, done_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace neuro::interp
