// libFuzzer target: bytes restored as a snapshot of the small plastic network
// of tests/unit/snapshot_model.h (spikes, delays, traces and recordings). Any input must be
// refused with a SimulationError or restored, never read out of bounds.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/simulation.h"
#include "tests/unit/snapshot_model.h"

namespace {

neuro::Simulation& simulation() {
  static std::unique_ptr<neuro::Simulation> sim = [] {
    auto c = neuro::driver::load_text("snapshot.neuro", neuro::testing::kSnapshotModel);
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
