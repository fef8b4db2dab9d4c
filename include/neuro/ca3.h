// The hippocampal CA3 content-addressable memory of the standard library
// (stdlib/ca3.neuro, docs/stdlib.md) as a host-side object: learn a
// cue ↔ content pair, recall the content of a cue, recall every cue whose
// content holds a given bit, forget by learning a cue again.
//
// The models are written in .neuro; two things are here because the
// language cannot express them yet: a circuit whose sizes are parameters
// (circuit_text writes one for any size), and procedures (each operation is
// a timed pattern of input spikes followed by reading the output, done over
// the embedding API).
//
//   neuro::ca3::Memory memory(5, 10);          // 5 cues, 10 content bits
//   memory.learn(0, {0, 1, 8, 9});
//   std::vector<int> bits;
//   memory.recall_by_cue(0, bits);             // {0, 1, 8, 9}
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neuro/engine.h"

namespace neuro::ca3 {

// The memory's protocol, in steps of 1 ms (the only step it works at): an
// input held this long, and the time from an operation's first input spike
// to the next operation's.
inline constexpr int kLearnHoldMs = 3;
inline constexpr int kLearnMs = 10;  // 3 ms of input, then 7 ms
inline constexpr int kRecallMs = 7;  // 1 ms of input, then 6 ms
// When a recalled cue and content reach the output, after the input.
inline constexpr int kCueLatencyMs = 5;      // recall by cue: the cue itself
inline constexpr int kContentLatencyMs = 6;  // recall by cue: its content

// The text of a circuit `name` of the memory with `cues` cues and `bits`
// content bits; it imports stdlib.ca3. Input `In` (a spike generator of
// cues + bits neurons: cues first) fires at `input_spikes` (neuron, time in
// ms); the output `Out` (cues first, then bits) is recorded when `record`.
std::string circuit_text(int cues, int bits, std::string_view name = "CA3",
                         std::span<const std::pair<int, double>> input_spikes = {},
                         bool record = true);

// A spike of the output during an operation: which output neuron (cues
// first, then content bits) and when, in ms after the operation's first
// input spike.
struct OutputSpike {
  int neuron;
  double ms;
};

class Memory {
 public:
  // Builds the circuit for `cues` × `bits` (dt 1 ms); status() says whether
  // that worked.
  Memory(int cues, int bits, EngineConfig config = {});
  Memory(const Memory&) = delete;  // the engine's spike callback holds `this`
  Memory& operator=(const Memory&) = delete;

  Status status() const { return status_; }
  int cues() const { return cues_; }
  int bits() const { return bits_; }

  // Stores content `bits` at `cue`, replacing what the cue held (kLearnMs):
  // the way to forget. With no bits it clears cue → content only.
  Status learn(int cue, std::span<const int> bits);
  Status learn(int cue, std::initializer_list<int> bits) {
    return learn(cue, std::span<const int>(bits.begin(), bits.size()));
  }
  // The content bits stored at `cue`, ascending (kRecallMs).
  Status recall_by_cue(int cue, std::vector<int>& bits);
  // Every cue whose content holds one of `bits`, ascending (kRecallMs).
  Status recall_by_content(std::span<const int> bits, std::vector<int>& cues);
  Status recall_by_content(std::initializer_list<int> bits, std::vector<int>& cues) {
    return recall_by_content(std::span<const int>(bits.begin(), bits.size()), cues);
  }

  // The output spikes of the last operation, in order.
  const std::vector<OutputSpike>& last_output() const { return output_; }
  // The engine underneath (for reading weights, time, diagnostics).
  Engine& engine() { return engine_; }

 private:
  // Presents `inputs` (In neurons) for `hold` steps, then runs to `length`
  // steps in all, collecting the output.
  Status operate(const std::vector<uint32_t>& inputs, int hold, int length);

  int cues_, bits_;
  Engine engine_;
  Status status_ = Status::Ok;
  double op_start_ = 0;  // seconds: the stamp of the operation's first input
  std::vector<OutputSpike> output_;
};

}  // namespace neuro::ca3
