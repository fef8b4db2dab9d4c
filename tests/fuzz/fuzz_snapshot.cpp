// libFuzzer target: bytes restored as a snapshot of a small plastic network
// (spikes, delays, traces and recordings in its state). Any input must be
// refused with a SimulationError or restored, never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/simulation.h"

namespace {

const char* kModel = R"(
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

neuro::Simulation& simulation() {
  static std::unique_ptr<neuro::Simulation> sim = [] {
    auto c = neuro::driver::load_text("snapshot.neuro", kModel);
    auto m = neuro::driver::lower(c->checked, {}, c->diags);
    auto s = neuro::build_simulation(m);
    s->run(250);
    return s;
  }();
  return *sim;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  neuro::Simulation& sim = simulation();
  const std::vector<uint8_t> good = sim.snapshot();
  try {
    sim.restore(std::vector<uint8_t>(data, data + size));
    sim.run(5);
  } catch (const neuro::SimulationError&) {
  }
  sim.restore(good);
  return 0;
}
