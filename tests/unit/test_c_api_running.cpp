// Running through the C API: load, build (with options), run and step, and
// the state a host reads and writes between steps — variables in units,
// injected spikes, spike subscriptions and modulators.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"

using namespace neuro::testing;

TEST_CASE("c api: load, build, run, read state in units") {
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(e != nullptr);
  REQUIRE(neuro_load_text(e, kModel, "model.neuro") == NEURO_OK);
  CHECK(last_error().empty());
  size_t n = 99;
  CHECK(neuro_diagnostic_count(e, &n) == NEURO_OK);
  CHECK(n == 0);
  int b = 1;
  CHECK(neuro_built(e, &b) == NEURO_OK);
  CHECK(b == 0);
  double d = -1;
  CHECK(neuro_time(e, &d) == NEURO_OK);
  CHECK(d == 0);
  CHECK(neuro_dt(e, &d) == NEURO_OK);
  CHECK(d == 0);
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);
  CHECK(neuro_built(e, &b) == NEURO_OK);
  CHECK(b == 1);
  CHECK(neuro_dt(e, &d) == NEURO_OK);
  CHECK(d == close_to(1e-4));  // dt = 0.1 ms

  CHECK(neuro_population_size(e, "P", &n) == NEURO_OK);
  CHECK(n == 2);
  CHECK(neuro_population_size(e, "G", &n) == NEURO_OK);
  CHECK(n == 1);
  auto v = get(e, "P.v", "mV");
  REQUIRE(v.size() == 2);
  CHECK(v[0] == close_to(-70));  // v = E_L, through SI and back

  REQUIRE(neuro_run(e, 0.001) == NEURO_OK);
  uint64_t steps = 0;
  CHECK(neuro_step_index(e, &steps) == NEURO_OK);
  CHECK(steps == 10);
  CHECK(neuro_time(e, &d) == NEURO_OK);
  CHECK(d == close_to(0.001));  // 10 steps of 0.1 ms
  v = get(e, "P.v", "mV");
  CHECK(v[0] == close_to(-70 + 20 * (1 - std::exp(-0.1))));
  v = get(e, "P.v", nullptr);  // NULL unit: SI
  CHECK(v[0] == close_to((-70 + 20 * (1 - std::exp(-0.1))) / 1000));
  v = get(e, "P.v", "");
  CHECK(v[0] == close_to((-70 + 20 * (1 - std::exp(-0.1))) / 1000));
  v = get(e, "P.tau", "ms");  // a shared parameter reads once per neuron
  CHECK(v == std::vector<double>{10, 10});

  // Buffers: a size query, a buffer too small (untouched), an exact one.
  double small[1] = {12345};
  n = 0;
  CHECK(neuro_get(e, "P.v", "mV", small, 1, &n) == NEURO_BUFFER_TOO_SMALL);
  CHECK(n == 2);
  CHECK(small[0] == 12345);
  CHECK(contains(last_error(), "buffer"));

  CHECK(neuro_step(e, 5) == NEURO_OK);
  CHECK(neuro_step_index(e, &steps) == NEURO_OK);
  CHECK(steps == 15);
  CHECK(neuro_step(e, 0) == NEURO_OK);
  CHECK(neuro_run_to_end(e) == NEURO_OK);
  CHECK(neuro_step_index(e, &steps) == NEURO_OK);
  CHECK(steps == 500);  // 50 ms
  neuro_free(e);
}

TEST_CASE("c api: build options") {
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(neuro_load_text(e, kModel, nullptr) == NEURO_OK);
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_DT | NEURO_BUILD_SEED | NEURO_BUILD_DURATION;
  opt.dt = 2e-4;
  opt.seed = 9;
  opt.duration = 0.004;
  REQUIRE(neuro_build(e, &opt) == NEURO_OK);
  double d = 0;
  CHECK(neuro_dt(e, &d) == NEURO_OK);
  CHECK(d == 2e-4);  // the host's dt, handed back unchanged
  REQUIRE(neuro_run_to_end(e) == NEURO_OK);
  CHECK(neuro_time(e, &d) == NEURO_OK);
  CHECK(d == close_to(0.004));  // 20 steps of 0.2 ms
  // Fields without their flag are ignored.
  opt.flags = 0;
  opt.dt = -1;
  CHECK(neuro_build(e, &opt) == NEURO_OK);
  // Bad values and unknown flags are usage errors.
  opt.flags = NEURO_BUILD_DT;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "dt"));
  opt.dt = std::nan("");
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  opt.flags = NEURO_BUILD_DURATION;
  opt.duration = -1;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  opt.flags = 64;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "flags"));
  neuro_free(e);
}

TEST_CASE("c api: set state, inject spikes, subscribe and unsubscribe, recorded spikes") {
  neuro_engine* e = built();
  Seen seen;
  int h = 0;
  REQUIRE(neuro_subscribe_spikes(e, "P", record_spikes, &seen, &h) == NEURO_OK);
  CHECK(h > 0);
  // Push neuron 1 over threshold: it spikes at the end of the next step.
  double v[2] = {-70, -50};
  REQUIRE(neuro_set(e, "P.v", "mV", v, 2) == NEURO_OK);
  REQUIRE(neuro_step(e, 1) == NEURO_OK);
  REQUIRE(seen.spikes.size() == 1);
  CHECK(seen.population == "P");
  CHECK(seen.spikes[0].first == 1);
  CHECK(seen.spikes[0].second == close_to(1e-4));  // step 1
  // An injected spike counts like a threshold crossing, reset included.
  uint32_t zero = 0;
  REQUIRE(neuro_inject_spikes(e, "P", &zero, 1) == NEURO_OK);
  REQUIRE(neuro_step(e, 1) == NEURO_OK);
  REQUIRE(seen.spikes.size() == 2);
  CHECK(seen.spikes[1].first == 0);
  CHECK(seen.spikes[1].second == close_to(2e-4));  // step 2
  CHECK(get(e, "P.v", "mV")[0] == close_to(-70));  // reset to E_L

  const uint32_t* ids = nullptr;
  const double* times = nullptr;
  size_t n = 0;
  REQUIRE(neuro_spikes(e, "P", &ids, &times, &n) == NEURO_OK);
  REQUIRE(n == 2);
  CHECK(ids[0] == 1);
  CHECK(ids[1] == 0);
  CHECK(times[0] == close_to(1e-4));
  CHECK(times[1] == close_to(2e-4));

  // One value sets every neuron.
  double one = -60;
  REQUIRE(neuro_set(e, "P.v", "mV", &one, 1) == NEURO_OK);
  CHECK(get(e, "P.v", "mV") == std::vector<double>{-60, -60});

  REQUIRE(neuro_unsubscribe(e, h) == NEURO_OK);
  CHECK(neuro_unsubscribe(e, h) == NEURO_USAGE_ERROR);  // already gone
  neuro_inject_spikes(e, "P", &zero, 1);
  neuro_step(e, 30);
  CHECK(seen.spikes.size() == 2);

  // Subscriptions made before build are kept by build.
  neuro_engine* f = neuro_new(nullptr);
  Seen early;
  REQUIRE(neuro_load_text(f, kModel, nullptr) == NEURO_OK);
  REQUIRE(neuro_subscribe_spikes(f, "P", record_spikes, &early, &h) == NEURO_OK);
  REQUIRE(neuro_build(f, nullptr) == NEURO_OK);
  REQUIRE(neuro_inject_spikes(f, "P", &zero, 1) == NEURO_OK);
  REQUIRE(neuro_step(f, 1) == NEURO_OK);
  CHECK(early.spikes.size() == 1);
  neuro_free(f);
  neuro_free(e);
}

TEST_CASE("c api: modulators, set by the host between steps and from a callback") {
  neuro_engine* e = built(R"(
modulator dopamine = 0
neuron Acc { state x = 0 mV }
synapse Gated { param w = 1 mV;  on pre { post.x += dopamine * w } }
circuit C {
  G = spike_generator[1] { times = [1 ms, 2 ms] }
  A = Acc[1]
  connect G -> A via Gated  all_to_all
}
run C for 3 ms  dt = 0.1 ms
)");
  double d = -1;
  REQUIRE(neuro_get_modulator(e, "dopamine", nullptr, &d) == NEURO_OK);
  CHECK(d == 0);
  REQUIRE(neuro_run(e, 0.0015) == NEURO_OK);  // the 1 ms spike arrives while dopamine is 0
  REQUIRE(neuro_set_modulator(e, "dopamine", "", 2.5) == NEURO_OK);
  REQUIRE(neuro_run(e, 0.0015) == NEURO_OK);  // the 2 ms spike arrives with dopamine 2.5
  // x = 0 · w + 2.5 · w with w = 1 mV.
  CHECK(get(e, "A.x", "mV")[0] == close_to(2.5));
  CHECK(neuro_set_modulator(e, "dopamine", "mV", 1) == NEURO_USAGE_ERROR);  // dimensionless
  CHECK(neuro_get_modulator(e, "dopamine", "mV", &d) == NEURO_USAGE_ERROR);
  CHECK(neuro_set_modulator(e, "serotonin", "", 1) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "serotonin"));
  CHECK(neuro_get_modulator(e, "serotonin", "", &d) == NEURO_USAGE_ERROR);
  CHECK(neuro_set_modulator(e, nullptr, "", 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_get_modulator(e, "dopamine", "", nullptr) == NEURO_USAGE_ERROR);

  // From inside a spike callback: allowed (a value, not a rebuild).
  auto seven = [](neuro_engine* engine) {
    return neuro_set_modulator(engine, "dopamine", nullptr, 7);
  };
  CHECK(call_from_callback(e, "G", 0, seven) == NEURO_OK);
  REQUIRE(neuro_get_modulator(e, "dopamine", "", &d) == NEURO_OK);
  CHECK(d == 7);
  neuro_free(e);
}
