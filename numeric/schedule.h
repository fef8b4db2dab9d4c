// The parts of a step's schedule that decide results, written once: how
// many synapses a handler batch holds, how many lanes a chunk computes each
// statement over before storing, which history slot holds a step's spikes,
// and when `on post` runs. The interpreter runs by them and the JIT's host
// side hands them to the generated code, which is written for them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace neuro::num {

// A chunk: a handler computes each statement for up to this many synapses
// before it stores (the interpreter's vector VM and the JIT's generated
// handlers alike), so a statement sees the stores of earlier chunks only.
inline constexpr size_t kLaneChunk = 256;

// Synapses per handler batch: the due synapses run in batches of at most
// kHandlerBatch, chunk by chunk; a handler that reads and writes
// postsynaptic state (ir::Projection::on_*_sequential) one synapse at a time.
inline constexpr size_t kHandlerBatch = 4096;
inline size_t handler_batch(size_t synapses, bool sequential) {
  return sequential ? 1 : std::max<size_t>(1, std::min<size_t>(synapses, kHandlerBatch));
}

// The delay history keeps the spikes of step s in slot (s + 1) mod len
// (step −1, the initial state, in slot 0). A projection with delay d steps
// delivers at step n the spikes of step n − 1 − d: returns its slot, or −1
// when that step is before the run.
inline int64_t due_slot(int64_t step, int64_t delay_steps, size_t len) {
  const int64_t from = step - 1 - delay_steps;
  if (from < -1) return -1;
  return static_cast<int64_t>(static_cast<size_t>(from + 1) % len);
}
inline size_t history_slot(int64_t stamp, size_t len) {
  return static_cast<size_t>(stamp) % len;
}

// The random-number counter of step n's draws (rand() in the step's code,
// Poisson sources, selections, dendrites): n + 1, so that initialisation
// (counter 0) draws apart from every step.
inline uint64_t rng_counter(int64_t step) {
  return static_cast<uint64_t>(step) + 1;
}

// `on post` of step n runs at the end of the step, t_{n+1}.
inline double on_post_time(int64_t step, double dt) {
  return static_cast<double>(step + 1) * dt;
}

}  // namespace neuro::num
