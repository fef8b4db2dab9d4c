// The small model the embedding API tests (C++ and C) drive: two leaky
// neurons under a constant drive, one input generator, spikes and v
// recorded.
#pragma once

namespace neuro::testing {

inline const char* const kLeakyModel = R"(
neuron Leaky {
  param tau = 10 ms;  param E_L = -70 mV;  param v_th = -55 mV;  param I = 20 mV
  state v = E_L
  dv/dt = (E_L - v + I) / tau   unless refractory
  spike when v > v_th { v = E_L }
  refractory 2 ms
}
synapse Kick { param w = 2 mV;  on pre { post.v += w } }
circuit C {
  P = Leaky[2]
  G = spike_generator[1] { times = [5 ms] }
  connect G -> P via Kick  all_to_all
  record spikes of P
  record v of P
}
run C for 50 ms  dt = 0.1 ms  seed = 1
)";

}  // namespace neuro::testing
