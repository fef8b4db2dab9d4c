// What a run leaves, through the C API: recorded traces, the populations and
// variables, snapshots restored bit for bit (and foreign ones refused), and
// recordings saved and plotted.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"

using namespace neuro::testing;

TEST_CASE("c api: traces, populations and variables") {
  neuro_engine* e = built();
  REQUIRE(neuro_run(e, 0.002) == NEURO_OK);
  const double* times = nullptr;
  const uint32_t* ids = nullptr;
  const double* values = nullptr;
  size_t samples = 0, nids = 0;
  REQUIRE(neuro_trace(e, "P.v", "mV", &times, &samples, &ids, &nids, &values) == NEURO_OK);
  REQUIRE(nids == 2);
  REQUIRE(samples >= 1);
  CHECK(ids[0] == 0);
  CHECK(ids[1] == 1);
  CHECK(times[samples - 1] == close_to(0.002));  // 20 steps of 0.1 ms
  // The last sample is the state now, divided by the same mV scale: exact.
  auto v = get(e, "P.v", "mV");
  CHECK(values[(samples - 1) * nids + 0] == v[0]);
  CHECK(values[(samples - 1) * nids + 1] == v[1]);
  REQUIRE(neuro_trace(e, "P.v", nullptr, &times, &samples, &ids, &nids, &values) == NEURO_OK);
  CHECK(values[(samples - 1) * nids] == close_to(v[0] / 1000));

  const char* const* names = nullptr;
  size_t n = 0;
  REQUIRE(neuro_populations(e, &names, &n) == NEURO_OK);
  REQUIRE(n == 2);
  CHECK(std::string(names[0]) == "P");
  CHECK(std::string(names[1]) == "G");
  REQUIRE(neuro_variables(e, "P", &names, &n) == NEURO_OK);
  std::set<std::string> vars(names, names + n);
  CHECK(vars.count("v") == 1);
  CHECK(vars.count("tau") == 1);
  CHECK(vars.count("E_L") == 1);
  CHECK(vars.count("v_th") == 1);
  CHECK(vars.count("I") == 1);
  CHECK(std::string(names[0]) == "v");  // states first
  neuro_free(e);
}

TEST_CASE("c api: snapshot, restore, and snapshots that do not fit") {
  neuro_engine* a = built();
  neuro_engine* b = built();
  REQUIRE(neuro_run(a, 0.02) == NEURO_OK);
  size_t size = 0;
  REQUIRE(neuro_snapshot(a, nullptr, 0, &size) == NEURO_OK);
  REQUIRE(size > 16);
  std::vector<uint8_t> small(size - 1, 0xAB);
  size_t reported = 0;
  CHECK(neuro_snapshot(a, small.data(), small.size(), &reported) == NEURO_BUFFER_TOO_SMALL);
  CHECK(reported == size);
  CHECK(small[0] == 0xAB);  // nothing written
  std::vector<uint8_t> snap(size);
  REQUIRE(neuro_snapshot(a, snap.data(), snap.size(), &reported) == NEURO_OK);
  CHECK(reported == size);
  REQUIRE(neuro_run(a, 0.02) == NEURO_OK);  // a goes on to 40 ms

  // b restores the 20 ms state and runs the same 20 ms: bit-identical.
  REQUIRE(neuro_restore(b, snap.data(), snap.size()) == NEURO_OK);
  uint64_t steps = 0;
  CHECK(neuro_step_index(b, &steps) == NEURO_OK);
  CHECK(steps == 200);
  REQUIRE(neuro_run(b, 0.02) == NEURO_OK);
  auto va = get(a, "P.v", nullptr), vb = get(b, "P.v", nullptr);
  REQUIRE(va.size() == vb.size());
  for (size_t i = 0; i < va.size(); ++i) CHECK(va[i] == vb[i]);  // exact
  const uint32_t* ia;
  const double* ta;
  size_t na = 0, nb = 0;
  REQUIRE(neuro_spikes(a, "P", &ia, &ta, &na) == NEURO_OK);
  std::vector<uint32_t> ids_a(ia, ia + na);
  std::vector<double> times_a(ta, ta + na);
  REQUIRE(neuro_spikes(b, "P", &ia, &ta, &nb) == NEURO_OK);
  CHECK(nb == na);
  CHECK(na > 0);
  CHECK(std::vector<uint32_t>(ia, ia + nb) == ids_a);
  CHECK(std::vector<double>(ta, ta + nb) == times_a);

  // A snapshot of another model, junk and a truncated one are refused, and
  // the engine is unharmed.
  neuro_engine* c = built("neuron A { state v = 0 mV }\ncircuit D { P = A[2] }\nrun D for 1 ms");
  CHECK(neuro_restore(c, snap.data(), snap.size()) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "different model"));
  neuro_free(c);
  neuro_engine* other_seed = neuro_new(nullptr);
  REQUIRE(neuro_load_text(other_seed, kModel, nullptr) == NEURO_OK);
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_DT;
  opt.dt = 5e-5;
  REQUIRE(neuro_build(other_seed, &opt) == NEURO_OK);
  CHECK(neuro_restore(other_seed, snap.data(), snap.size()) == NEURO_USAGE_ERROR);
  neuro_free(other_seed);
  uint8_t junk[3] = {1, 2, 3};
  CHECK(neuro_restore(b, junk, sizeof junk) == NEURO_USAGE_ERROR);
  CHECK(neuro_restore(b, snap.data(), snap.size() / 2) == NEURO_USAGE_ERROR);
  CHECK(neuro_step_index(b, &steps) == NEURO_OK);
  CHECK(steps == 400);
  CHECK(get(b, "P.v", nullptr) == vb);
  neuro_free(a);
  neuro_free(b);
}

TEST_CASE("c api: recordings saved and plotted") {
  neuro_engine* e = built();
  REQUIRE(neuro_run_to_end(e) == NEURO_OK);
  auto dir =
      std::filesystem::temp_directory_path() / ("neuro_c_api_save_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  REQUIRE(neuro_save(e, dir.c_str(), nullptr) == NEURO_OK);  // NULL: csv
  CHECK(std::filesystem::exists(dir / "P_spikes.csv"));
  CHECK(std::filesystem::exists(dir / "P_v.csv"));
  REQUIRE(neuro_save(e, dir.c_str(), "npy") == NEURO_OK);
  CHECK(std::filesystem::exists(dir / "P_v.npy"));
  REQUIRE(neuro_plot(e, dir.c_str()) == NEURO_OK);
  CHECK(std::filesystem::exists(dir / "P_raster.svg"));
  CHECK(neuro_save(e, dir.c_str(), "xls") == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "xls"));
  CHECK(neuro_save(e, nullptr, "csv") == NEURO_USAGE_ERROR);
  CHECK(neuro_plot(e, nullptr) == NEURO_USAGE_ERROR);
  std::filesystem::remove_all(dir);
  neuro_engine* unbuilt = neuro_new(nullptr);
  CHECK(neuro_save(unbuilt, dir.c_str(), "csv") == NEURO_USAGE_ERROR);
  CHECK(neuro_plot(unbuilt, dir.c_str()) == NEURO_USAGE_ERROR);
  CHECK(!std::filesystem::exists(dir));
  neuro_free(unbuilt);
  neuro_free(e);
}
