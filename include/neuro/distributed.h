// Where neurons live when a simulation spans processes. Only the local
// (single-process) context exists today; an MPI context will implement the
// same interface (exchange spikes once per step) without touching the step loop.
#pragma once

#include <cstdint>
#include <vector>

namespace neuro {

class DistributedContext {
 public:
  virtual ~DistributedContext() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Replaces `local` (this rank's spikes of one population in one step) by
  // the spikes of all ranks, in rank order.
  virtual void gather_spikes(std::vector<uint32_t>& local) = 0;
};

class LocalContext final : public DistributedContext {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void gather_spikes(std::vector<uint32_t>&) override {}
};

}  // namespace neuro
