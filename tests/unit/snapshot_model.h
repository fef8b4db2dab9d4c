// A small network whose state after 250 steps holds everything a snapshot
// carries: spikes in the delay history, a plastic weight per synapse, a
// trace per presynaptic neuron, recorded spikes and samples. Three neurons.
#pragma once

namespace neuro::testing {

inline const char* const kSnapshotModel = R"(
neuron Tonic {
  state v = 0 mV
  dv/dt = (20 mV - v) / 10 ms
  spike when v > 15 mV { v = 0 mV }
  refractory 1 ms
}
synapse Stdp {
  param w = 1 mV
  trace apre decays 20 ms
  on pre { post.v += w; apre += 0.1 }
  on post { w += 0.01 mV * apre }
}
circuit C {
  P = Tonic[3]
  connect P -> P via Stdp  all_to_all  delay = 2 ms
  record spikes of P
  record v of P every 1 ms
}
run C for 40 ms  dt = 0.1 ms
)";

}  // namespace neuro::testing
