// The seam between the engine and a backend that runs parts of the step in
// code of its own (jit/): the engine decides what is due, when and in what
// batches — the rules of docs/semantics.md, written once in interpreter/ and
// numeric/schedule.h — and calls the backend with those decisions. Null
// steppers mean the interpreter's own path.
#pragma once

#include <cstdint>
#include <vector>

namespace neuro::interp {

// Where in the run a call falls: the step index and the time its code sees
// (t_n for integration, resets and `on pre`; t_{n+1} for `on post`).
struct StepClock {
  int64_t step = 0;
  double t = 0;
};

class PopStepper {
 public:
  virtual ~PopStepper() = default;
  // Integrates the population over the step, computes its group reductions
  // and appends the neurons that cross threshold and are not refractory to
  // `spikes`, in ascending order.
  virtual void integrate(const StepClock& c, std::vector<uint32_t>& spikes) = 0;
  // Whether it also runs the reset; reset() runs it for `ids` (ascending).
  virtual bool resets() const = 0;
  virtual void reset(const StepClock& c, const std::vector<uint32_t>& ids) = 0;
};

class ProjStepper {
 public:
  virtual ~ProjStepper() = default;
  // `on pre` for the synapses of the rows of `spikers` (the presynaptic
  // population's spikes that are due, ascending; ids outside the
  // projection's source slice are skipped), `batch` synapses at a time.
  virtual bool delivers() const = 0;
  virtual void deliver(const StepClock& c, const std::vector<uint32_t>& spikers,
                       uint64_t batch) = 0;
  // `on post` for the synapses onto `spikers` (the postsynaptic
  // population's spikes of this step, ascending), `batch` at a time.
  virtual bool posts() const = 0;
  virtual void post(const StepClock& c, const std::vector<uint32_t>& spikers, uint64_t batch) = 0;
};

}  // namespace neuro::interp
