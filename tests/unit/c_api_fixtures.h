// Fixtures of the C API tests (test_c_api_*.cpp): the model they drive, an
// engine built from it, reading a variable, a tolerance for values in SI, a
// spike callback that records, a callback that calls back into its engine,
// and the check that every entry point answers one result code.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/leaky_model.h"

namespace neuro::testing {

inline const char* const kModel = kLeakyModel;

// Equal to `expected` up to a relative 1e-12. The values these tests read are
// small SI numbers (1e-4 s, -0.07 V) or go through a unit conversion or k·dt,
// each rounding at most 2^-53 relative; 1e-12 leaves room for that and for
// nothing else. doctest's default Approx is no check here: its scale of 1
// makes the bound about 1.2e-5 absolute, so Approx(1e-9) accepts 0. Not for
// an expected 0, which this never matches (the bound is strict).
inline doctest::Approx close_to(double expected) {
  return doctest::Approx(expected).epsilon(1e-12).scale(0);
}

inline std::string last_error() {
  return neuro_last_error();
}

inline bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

// An engine with kModel loaded and built.
inline neuro_engine* built(const char* model = kModel) {
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(e != nullptr);
  REQUIRE(neuro_load_text(e, model, "model.neuro") == NEURO_OK);
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);
  return e;
}

inline std::vector<double> get(neuro_engine* e, const char* target, const char* unit) {
  size_t n = 0;
  REQUIRE(neuro_get(e, target, unit, nullptr, 0, &n) == NEURO_OK);
  std::vector<double> v(n);
  REQUIRE(neuro_get(e, target, unit, v.data(), v.size(), &n) == NEURO_OK);
  return v;
}

struct Seen {
  std::vector<std::pair<uint32_t, double>> spikes;
  std::string population;
};

inline void record_spikes(void* user, const char* population, const uint32_t* ids, size_t count,
                          double time) {
  auto* seen = static_cast<Seen*>(user);
  seen->population = population;
  for (size_t i = 0; i < count; ++i) seen->spikes.push_back({ids[i], time});
}

// Makes `call` on engine `e` from inside a spike callback: subscribes to
// `population`, fires its neuron `id` and runs the step that delivers the
// spike. Returns what the call answered (NEURO_INTERNAL_ERROR when it never
// ran); the last error right after it goes to `error` when given.
inline neuro_result call_from_callback(neuro_engine* e, const char* population, uint32_t id,
                                       neuro_result (*call)(neuro_engine*),
                                       std::string* error = nullptr) {
  struct Inside {
    neuro_engine* e;
    neuro_result (*call)(neuro_engine*);
    std::string* error;
    neuro_result result = NEURO_INTERNAL_ERROR;
    int calls = 0;
  } inside{e, call, error};
  auto once = [](void* user, const char*, const uint32_t*, size_t, double) {
    auto* in = static_cast<Inside*>(user);
    if (in->calls++ > 0) return;
    in->result = in->call(in->e);
    if (in->error) *in->error = last_error();
  };
  int h = 0;
  REQUIRE(neuro_subscribe_spikes(e, population, once, &inside, &h) == NEURO_OK);
  REQUIRE(neuro_inject_spikes(e, population, &id, 1) == NEURO_OK);
  REQUIRE(neuro_step(e, 1) == NEURO_OK);
  REQUIRE(neuro_unsubscribe(e, h) == NEURO_OK);  // `inside` goes out of scope
  return inside.result;
}

// Calls every entry point that takes an engine and checks each answers `expect`.
inline void every_call_answers(neuro_engine* e, neuro_result expect) {
  size_t n = 0;
  double d = 0;
  uint64_t u = 0;
  int i = 0;
  double buf[4] = {0, 0, 0, 0};
  uint32_t id = 0;
  const uint32_t* ids = nullptr;
  const double* times = nullptr;
  const double* values = nullptr;
  const char* const* names = nullptr;
  neuro_diagnostic diag;
  char bytes[16] = {0};
  CHECK(neuro_diagnostic_count(e, &n) == expect);
  CHECK(neuro_get_diagnostic(e, 0, &diag) == expect);
  CHECK(neuro_load_file(e, "x.neuro") == expect);
  CHECK(neuro_load_text(e, kModel, "m") == expect);
  CHECK(neuro_build(e, nullptr) == expect);
  CHECK(neuro_built(e, &i) == expect);
  CHECK(neuro_run(e, 0.001) == expect);
  CHECK(neuro_step(e, 1) == expect);
  CHECK(neuro_run_to_end(e) == expect);
  CHECK(neuro_time(e, &d) == expect);
  CHECK(neuro_dt(e, &d) == expect);
  CHECK(neuro_step_index(e, &u) == expect);
  CHECK(neuro_population_size(e, "P", &n) == expect);
  CHECK(neuro_get(e, "P.v", "mV", buf, 4, &n) == expect);
  CHECK(neuro_set(e, "P.v", "mV", buf, 1) == expect);
  CHECK(neuro_set_modulator(e, "dopamine", "", 1) == expect);
  CHECK(neuro_get_modulator(e, "dopamine", "", &d) == expect);
  CHECK(neuro_inject_spikes(e, "P", &id, 1) == expect);
  CHECK(neuro_subscribe_spikes(e, "P", record_spikes, nullptr, &i) == expect);
  CHECK(neuro_unsubscribe(e, 1) == expect);
  CHECK(neuro_spikes(e, "P", &ids, &times, &n) == expect);
  CHECK(neuro_trace(e, "P.v", "mV", &times, &n, &ids, &n, &values) == expect);
  CHECK(neuro_save(e, "/nonexistent/dir", "csv") == expect);
  CHECK(neuro_plot(e, "/nonexistent/dir") == expect);
  CHECK(neuro_populations(e, &names, &n) == expect);
  CHECK(neuro_variables(e, "P", &names, &n) == expect);
  CHECK(neuro_snapshot(e, bytes, sizeof bytes, &n) == expect);
  CHECK(neuro_restore(e, bytes, sizeof bytes) == expect);
}

}  // namespace neuro::testing
