// Snapshots refused unless whole and made for this model: a checksum over
// every byte, a format version, and every count and index checked against
// the built simulation; a refused snapshot leaves the simulation as it was.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "interpreter/build_simulation.h"
#include "interpreter/snapshot.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/snapshot_model.h"

using namespace neuro;

namespace {

const char* const kModel = testing::kSnapshotModel;

// `bytes` with its checksum recomputed, as a careless or hostile host could.
std::vector<uint8_t> resealed(std::vector<uint8_t> bytes) {
  const uint64_t sum = snapshot_checksum(bytes.data(), bytes.size() - 8);
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  return bytes;
}

std::string refusal(Simulation& sim, const std::vector<uint8_t>& bytes) {
  try {
    sim.restore(bytes);
  } catch (const SimulationError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("snapshot: every single-byte change is refused and leaves the simulation as it was") {
  auto mod = testing::compile_text(kModel);
  auto sim = build_simulation(mod);
  sim->run(250);  // spikes, delayed events and samples in the state
  const std::vector<uint8_t> good = sim->snapshot();
  REQUIRE(good.size() > 100);
  size_t refused = 0;
  for (size_t k = 0; k < good.size(); ++k) {
    std::vector<uint8_t> bad = good;
    bad[k] ^= 0x5a;
    refused += !refusal(*sim, bad).empty();
  }
  CHECK(refused == good.size());
  CHECK(sim->snapshot() == good);
  // Truncated, extended, empty.
  CHECK(!refusal(*sim, std::vector<uint8_t>(good.begin(), good.end() - 1)).empty());
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  CHECK(!refusal(*sim, longer).empty());
  CHECK(refusal(*sim, {}) == "this is not a neuro snapshot");
  // The good one still restores, and the run goes on bit for bit.
  auto other = build_simulation(mod);
  other->restore(good);
  other->run(100);
  sim->restore(good);
  sim->run(100);
  CHECK(other->snapshot() == sim->snapshot());
}

TEST_CASE("snapshot: a step counter or a neuron id out of range is refused even when sealed") {
  auto mod = testing::compile_text(kModel);
  auto sim = build_simulation(mod);
  sim->run(250);
  const std::vector<uint8_t> good = sim->snapshot();
  for (int64_t step : {int64_t{-1}, INT64_MAX, int64_t{1'000'000'000'001}}) {
    CAPTURE(step);
    std::vector<uint8_t> bad = good;
    std::memcpy(bad.data() + kSnapshotStepOffset, &step, 8);
    CHECK(refusal(*sim, resealed(bad)).find("is out of range") != std::string::npos);
  }
  CHECK(sim->snapshot() == good);
  // Neuron ids (population P has 3) in spike lists: each uint32 below 3 in
  // turn set to 7; those that are ids must be caught.
  size_t caught = 0;
  for (size_t at = kSnapshotStepOffset + 8; at + 4 <= good.size() - 8; ++at) {
    std::vector<uint8_t> bad = good;
    uint32_t id = 0;
    std::memcpy(&id, bad.data() + at, 4);
    if (id >= 3) continue;
    const uint32_t seven = 7;
    std::memcpy(bad.data() + at, &seven, 4);
    const std::string why = refusal(*sim, resealed(bad));
    caught += why.find("out of range") != std::string::npos ||
              why.find("recorded spike's neuron") != std::string::npos;
    // A sealed change inside a state value is a valid snapshot: undo it.
    if (why.empty()) sim->restore(good);
  }
  CHECK(caught > 0);
  CHECK(sim->snapshot() == good);
}

TEST_CASE("snapshot: the older unversioned format is named, not misread") {
  auto sim = build_simulation(testing::compile_text(kModel));
  std::vector<uint8_t> old = sim->snapshot();
  const uint64_t v1 = 0x31504e534f52554eull;
  std::memcpy(old.data(), &v1, 8);
  CHECK(refusal(*sim, old).find("older neuro (format 1") != std::string::npos);
}
