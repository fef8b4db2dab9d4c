#include "neuro/ca3.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace neuro::ca3 {

namespace {

// The paper's delays are sPyNNaker's: a spike sent in step t with delay d
// acts in step t + d and a target that crosses threshold then spikes in
// step t + d. In neuro a delay D acts in the step after D and the target's
// spike is stamped at that step's end, one step later: D = d − 1 ms gives
// the paper's timing (docs/stdlib.md, "Timing").
std::string delay(int pynn_ms) {
  return fmt::format("delay = {} ms", pynn_ms - 1);
}

}  // namespace

std::string circuit_text(int cues, int bits, std::string_view name,
                         std::span<const std::pair<int, double>> input_spikes, bool record) {
  std::string spikes;
  for (const auto& [id, ms] : input_spikes)
    spikes += fmt::format("{}({}, {} ms)", spikes.empty() ? "" : ", ", id, ms);
  std::string t;
  t += "import stdlib.ca3\n\n";
  t +=
      fmt::format("# The CA3 memory with {} cues and {} content bits (neuro::ca3::circuit_text).\n",
                  cues, bits);
  t += "# Delays are the paper's minus one step (docs/stdlib.md, \"Timing\").\n";
  t += fmt::format("circuit {} {{\n", name);
  t += fmt::format("  const c = {}\n  const n = {}\n", cues, bits);
  if (spikes.empty())
    t += "  In = spike_generator[c + n]\n";
  else
    t += fmt::format("  In = spike_generator[c + n] {{ spikes = [{}] }}\n", spikes);
  // Ca3Stdp needs each presynaptic population declared before its target.
  t += "  cueCue = Ca3Cell[c]\n";
  t += "  contCue = Ca3Cell[n]\n";
  t += "  contCond = Ca3Cell[n] { cm = 0.14 nF, tau_m = 0.5 ms }\n";
  t += "  contCondInt = Ca3Cell[1] { cm = 0.14 nF, tau_m = 0.5 ms }\n";
  t += "  contCont = Ca3Cell[n]\n";
  t += "  cueCont = Ca3Cell[c] { cm = 0.14 nF, tau_m = 0.5 ms }\n";
  t += "  mergeCue = Ca3Cell[c]\n";
  t += "  mergeCont = Ca3Cell[n]\n";
  t += "  Out = Ca3Cell[c + n] { v_thresh = -57.5 mV }\n";
  auto connect = [&](std::string_view what, int d, std::string_view rest = "") {
    t += fmt::format("  connect {}  {}{}\n", what, delay(d), rest);
  };
  connect("In[0:c] -> cueCue via Ca3Exc  one_to_one", 1);
  connect("In[c:] -> contCue via Ca3Exc  one_to_one", 1);
  connect("cueCue -> cueCont via Ca3Exc  one_to_one", 2);
  connect("cueCue -> cueCont via Ca3Inh  all_to_all", 3, "  when i != j { w = 6 nA * n }");
  connect("cueCont -> cueCont via Ca3Inh  all_to_all", 2, "  when i != j { w = 6 nA * n }");
  connect("contCue -> contCond via Ca3Exc  one_to_one", 1, " { w = 9 nA }");
  connect("cueCue -> contCond via Ca3Inh  all_to_all", 2);
  connect("contCond -> contCont via Ca3Exc  one_to_one", 1);
  connect("contCue -> contCondInt via Ca3Exc  all_to_all", 1);
  connect("contCondInt -> contCond via Ca3Exc  all_to_all", 1, " { w = 2 nA }");
  connect("cueCue -> contCue via Ca3Stdp  all_to_all", 1);
  connect("contCont -> cueCont via Ca3Stdp  all_to_all", 1);
  connect("cueCue -> mergeCue via Ca3Exc  one_to_one", 3);
  connect("cueCont -> mergeCue via Ca3Exc  one_to_one", 1);
  connect("contCue -> mergeCont via Ca3Exc  one_to_one", 3);
  connect("contCont -> mergeCont via Ca3Exc  one_to_one", 1);
  connect("mergeCue -> Out[0:c] via Ca3Exc  one_to_one", 1);
  connect("mergeCont -> Out[c:] via Ca3Exc  one_to_one", 1);
  if (record) t += "  record spikes of Out\n";
  t += "}\n";
  return t;
}

Memory::Memory(int cues, int bits, EngineConfig config)
    : cues_(cues), bits_(bits), engine_(std::move(config)) {
  status_ = engine_.load_text(circuit_text(cues, bits, "CA3", {}, false), "<ca3>");
  if (status_ != Status::Ok) return;
  BuildOptions options;
  options.dt = 1e-3;
  status_ = engine_.build(options);
  if (status_ != Status::Ok) return;
  engine_.subscribe_spikes("Out", [this](std::span<const uint32_t> ids, double time) {
    // Stamps are whole steps: round away the floating-point noise.
    double ms = std::round((time - op_start_) * 1e3 * 1e6) / 1e6;
    for (uint32_t id : ids) output_.push_back({static_cast<int>(id), ms});
  });
}

Status Memory::operate(const std::vector<uint32_t>& inputs, int hold, int length) {
  if (status_ != Status::Ok) return status_;
  output_.clear();
  // Injected spikes are stamped at the end of the next step.
  op_start_ = engine_.time() + engine_.dt();
  for (int k = 0; k < length; ++k) {
    if (k < hold && !inputs.empty()) {
      Status s = engine_.inject_spikes("In", inputs);
      if (s != Status::Ok) return s;
    }
    Status s = engine_.step();
    if (s != Status::Ok) return s;
  }
  return Status::Ok;
}

Status Memory::learn(int cue, std::span<const int> bits) {
  if (cue < 0 || cue >= cues_) return Status::UsageError;
  std::vector<uint32_t> in{static_cast<uint32_t>(cue)};
  for (int b : bits) {
    if (b < 0 || b >= bits_) return Status::UsageError;
    in.push_back(static_cast<uint32_t>(cues_ + b));
  }
  return operate(in, kLearnHoldMs, kLearnMs);
}

Status Memory::recall_by_cue(int cue, std::vector<int>& bits) {
  bits.clear();
  if (cue < 0 || cue >= cues_) return Status::UsageError;
  Status s = operate({static_cast<uint32_t>(cue)}, 1, kRecallMs);
  for (const auto& o : output_)
    if (o.neuron >= cues_) bits.push_back(o.neuron - cues_);
  std::sort(bits.begin(), bits.end());
  bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
  return s;
}

Status Memory::recall_by_content(std::span<const int> bits, std::vector<int>& cues) {
  cues.clear();
  std::vector<uint32_t> in;
  for (int b : bits) {
    if (b < 0 || b >= bits_) return Status::UsageError;
    in.push_back(static_cast<uint32_t>(cues_ + b));
  }
  Status s = operate(in, 1, kRecallMs);
  for (const auto& o : output_)
    if (o.neuron < cues_) cues.push_back(o.neuron);
  std::sort(cues.begin(), cues.end());
  cues.erase(std::unique(cues.begin(), cues.end()), cues.end());
  return s;
}

}  // namespace neuro::ca3
