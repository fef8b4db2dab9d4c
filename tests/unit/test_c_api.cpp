// The C API (include/neuro/neuro.h): every entry point, and misuse of each —
// NULL, stale and made-up handles, NULL arguments, wrong units, unknown
// names, small buffers, foreign snapshots, calls from inside callbacks —
// answered with result codes, never a crash or undefined behaviour.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/leaky_model.h"

namespace {

const char* const kModel = neuro::testing::kLeakyModel;

// The same model, with a per-neuron input (an array that set() writes in place).
const char* kArrayModel = R"(
neuron Leaky {
  param tau = 10 ms;  param E_L = -70 mV;  param v_th = -55 mV;  param I = 20 mV
  state v = E_L
  dv/dt = (E_L - v + I) / tau   unless refractory
  spike when v > v_th { v = E_L }
  refractory 2 ms
}
circuit C {
  P = Leaky[4] { I = 16 mV + i * 1 mV }
  record spikes of P
}
run C for 50 ms  dt = 0.1 ms  seed = 1
)";

std::string last_error() {
  return neuro_last_error();
}

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

// An engine with kModel loaded and built.
neuro_engine* built(const char* model = kModel) {
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(e != nullptr);
  REQUIRE(neuro_load_text(e, model, "model.neuro") == NEURO_OK);
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);
  return e;
}

std::vector<double> get(neuro_engine* e, const char* target, const char* unit) {
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

void record_spikes(void* user, const char* population, const uint32_t* ids, size_t count,
                   double time) {
  auto* seen = static_cast<Seen*>(user);
  seen->population = population;
  for (size_t i = 0; i < count; ++i) seen->spikes.push_back({ids[i], time});
}

// Calls every entry point that takes an engine and checks each answers `expect`.
void every_call_answers(neuro_engine* e, neuro_result expect) {
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

}  // namespace

TEST_CASE("c api: version, result names, strdup") {
  CHECK(std::string(neuro_version()) == std::to_string(NEURO_VERSION_MAJOR) + "." +
                                            std::to_string(NEURO_VERSION_MINOR) + "." +
                                            std::to_string(NEURO_VERSION_PATCH));
  CHECK(std::string(neuro_result_name(NEURO_OK)) == "NEURO_OK");
  CHECK(std::string(neuro_result_name(NEURO_COMPILE_ERROR)) == "NEURO_COMPILE_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_RUNTIME_ERROR)) == "NEURO_RUNTIME_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_USAGE_ERROR)) == "NEURO_USAGE_ERROR");
  CHECK(std::string(neuro_result_name(NEURO_INVALID_HANDLE)) == "NEURO_INVALID_HANDLE");
  CHECK(std::string(neuro_result_name(NEURO_BUFFER_TOO_SMALL)) == "NEURO_BUFFER_TOO_SMALL");
  CHECK(std::string(neuro_result_name(NEURO_OUT_OF_MEMORY)) == "NEURO_OUT_OF_MEMORY");
  CHECK(std::string(neuro_result_name(NEURO_INTERNAL_ERROR)) == "NEURO_INTERNAL_ERROR");
  CHECK(std::string(neuro_result_name(static_cast<neuro_result>(99))) == "NEURO_UNKNOWN_RESULT");
  char* s = neuro_strdup("abc");
  REQUIRE(s != nullptr);
  CHECK(std::string(s) == "abc");
  std::free(s);
  CHECK(neuro_strdup(nullptr) == nullptr);
}

TEST_CASE("c api: NULL, made-up and released handles are refused by every call") {
  every_call_answers(nullptr, NEURO_INVALID_HANDLE);
  CHECK(contains(last_error(), "NULL"));

  // Values that never came from neuro_new(), including a real pointer.
  int local = 0;
  every_call_answers(reinterpret_cast<neuro_engine*>(&local), NEURO_INVALID_HANDLE);
  every_call_answers(reinterpret_cast<neuro_engine*>(uintptr_t(0x12345)), NEURO_INVALID_HANDLE);
  every_call_answers(reinterpret_cast<neuro_engine*>(~uintptr_t(0)), NEURO_INVALID_HANDLE);

  // Use after release: the handle is stale even when its slot is reused.
  neuro_engine* e = built();
  neuro_free(e);
  every_call_answers(e, NEURO_INVALID_HANDLE);
  CHECK(contains(last_error(), "released"));
  neuro_free(e);        // a second release is ignored
  neuro_free(nullptr);  // as is NULL
  neuro_engine* again = neuro_new(nullptr);
  REQUIRE(again != nullptr);
  CHECK(again != e);
  int b = 1;
  CHECK(neuro_built(e, &b) == NEURO_INVALID_HANDLE);
  CHECK(neuro_built(again, &b) == NEURO_OK);
  CHECK(b == 0);
  neuro_free(e);  // must not release `again`
  CHECK(neuro_built(again, &b) == NEURO_OK);
  neuro_free(again);

  // Handles are never handed out twice.
  std::set<neuro_engine*> handles;
  for (int i = 0; i < 200; ++i) {
    neuro_engine* h = neuro_new(nullptr);
    REQUIRE(h != nullptr);
    CHECK(handles.insert(h).second);
    neuro_free(h);
  }
}

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
  CHECK(d == doctest::Approx(1e-4));

  CHECK(neuro_population_size(e, "P", &n) == NEURO_OK);
  CHECK(n == 2);
  CHECK(neuro_population_size(e, "G", &n) == NEURO_OK);
  CHECK(n == 1);
  auto v = get(e, "P.v", "mV");
  REQUIRE(v.size() == 2);
  CHECK(v[0] == doctest::Approx(-70));

  REQUIRE(neuro_run(e, 0.001) == NEURO_OK);
  uint64_t steps = 0;
  CHECK(neuro_step_index(e, &steps) == NEURO_OK);
  CHECK(steps == 10);
  CHECK(neuro_time(e, &d) == NEURO_OK);
  CHECK(d == doctest::Approx(0.001));
  v = get(e, "P.v", "mV");
  CHECK(v[0] == doctest::Approx(-70 + 20 * (1 - std::exp(-0.1))).epsilon(1e-12).scale(0));
  v = get(e, "P.v", nullptr);  // NULL unit: SI
  CHECK(v[0] == doctest::Approx((-70 + 20 * (1 - std::exp(-0.1))) / 1000).epsilon(1e-12).scale(0));
  v = get(e, "P.v", "");
  CHECK(v[0] == doctest::Approx((-70 + 20 * (1 - std::exp(-0.1))) / 1000).epsilon(1e-12).scale(0));
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
  CHECK(d == doctest::Approx(2e-4));
  REQUIRE(neuro_run_to_end(e) == NEURO_OK);
  CHECK(neuro_time(e, &d) == NEURO_OK);
  CHECK(d == doctest::Approx(0.004));
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

TEST_CASE("c api: errors in model text come back as diagnostics") {
  std::vector<std::string> rendered;
  neuro_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.user = &rendered;
  cfg.diagnostic = [](void* user, const neuro_diagnostic* d) {
    static_cast<std::vector<std::string>*>(user)->push_back(d->rendered);
  };
  neuro_engine* e = neuro_new(&cfg);
  REQUIRE(e != nullptr);
  CHECK(neuro_build(e, nullptr) == NEURO_USAGE_ERROR);  // nothing loaded
  rendered.clear();
  REQUIRE(neuro_load_text(e, "neuron A { state v = 0 mV\n dv/dt = -v / 10 }", "bad.neuro") ==
          NEURO_COMPILE_ERROR);
  CHECK(contains(last_error(), "bad.neuro:2:10: error[E0200]"));
  size_t n = 0;
  REQUIRE(neuro_diagnostic_count(e, &n) == NEURO_OK);
  REQUIRE(n >= 1);
  CHECK(rendered.size() == n);  // the callback saw each one
  neuro_diagnostic d;
  REQUIRE(neuro_get_diagnostic(e, 0, &d) == NEURO_OK);
  CHECK(std::string(d.code) == "E0200");
  CHECK(std::string(d.severity) == "error");
  CHECK(std::string(d.file) == "bad.neuro");
  CHECK(d.line == 2);
  CHECK(d.column == 10);
  CHECK(d.end_line == 2);
  CHECK(d.end_column > d.column);
  CHECK(contains(d.message, "unit mismatch"));
  CHECK(d.hint != nullptr);
  CHECK(std::string(d.rendered).rfind("bad.neuro:2:10: error[E0200]", 0) == 0);
  // Reading diagnostics keeps the last error they explain.
  CHECK(contains(last_error(), "E0200"));
  CHECK(neuro_get_diagnostic(e, n, &d) == NEURO_USAGE_ERROR);
  CHECK(neuro_get_diagnostic(e, 0, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_diagnostic_count(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_build(e, nullptr) == NEURO_USAGE_ERROR);  // the failed load left nothing

  CHECK(neuro_load_file(e, "/nonexistent/model.neuro") == NEURO_COMPILE_ERROR);
  REQUIRE(neuro_diagnostic_count(e, &n) == NEURO_OK);
  REQUIRE(n >= 1);
  REQUIRE(neuro_get_diagnostic(e, 0, &d) == NEURO_OK);
  CHECK(std::string(d.code) == "E0500");
  CHECK(contains(last_error(), "cannot read"));

  // A value that cannot be used, found while building, is a runtime error.
  REQUIRE(neuro_load_text(e,
                          "neuron R { param t_ref = 1 ms\n state v = 0 mV\n dv/dt = -v / 10 ms\n"
                          " spike when v > 1 mV { v = 0 mV }\n refractory t_ref }\n"
                          "circuit D { P = R[3] { t_ref = (1 - i) * 1 ms } }\nrun D for 1 ms",
                          "rt.neuro") == NEURO_OK);
  CHECK(neuro_build(e, nullptr) == NEURO_RUNTIME_ERROR);
  CHECK(contains(last_error(), "refractory period is negative"));
  int b = 1;
  CHECK(neuro_built(e, &b) == NEURO_OK);
  CHECK(b == 0);
  neuro_free(e);
}

TEST_CASE("c api: wrong units, unknown names, NULL arguments and calls out of order") {
  neuro_engine* e = neuro_new(nullptr);
  double buf[8] = {0};
  size_t n = 0;
  uint32_t id = 0;
  int h = 0;
  const uint32_t* ids = nullptr;
  const double* times = nullptr;
  const double* values = nullptr;
  const char* const* names = nullptr;
  // No simulation yet.
  CHECK(neuro_run(e, 0.1) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "no simulation"));
  CHECK(neuro_step(e, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_run_to_end(e) == NEURO_USAGE_ERROR);
  CHECK(neuro_get(e, "P.v", "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_set(e, "P.v", "mV", buf, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_population_size(e, "P", &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_inject_spikes(e, "P", &id, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, "P", &ids, &times, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", &times, &n, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_variables(e, "P", &names, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_snapshot(e, nullptr, 0, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_restore(e, buf, sizeof buf) == NEURO_USAGE_ERROR);
  CHECK(neuro_populations(e, &names, &n) == NEURO_OK);  // none before build
  CHECK(n == 0);

  REQUIRE(neuro_load_text(e, kModel, "model.neuro") == NEURO_OK);
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);
  // Units: the dimension must match; no silent conversion.
  CHECK(neuro_get(e, "P.v", "ms", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "voltage"));
  CHECK(neuro_get(e, "P.v", "furlong", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "not a unit"));
  buf[0] = 1;
  CHECK(neuro_set(e, "P.v", "nS", buf, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_set(e, "P.tau", "mV", buf, 1) == NEURO_USAGE_ERROR);
  // Names.
  CHECK(neuro_get(e, "P.nope", "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "P.nope"));
  CHECK(neuro_get(e, "Q.v", "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_get(e, "v", "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_get(e, "", "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_set(e, "Q.v", "mV", buf, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_population_size(e, "Q", &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_inject_spikes(e, "nobody", &id, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_subscribe_spikes(e, "nobody", record_spikes, nullptr, &h) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, "G", &ids, &times, &n) == NEURO_USAGE_ERROR);  // not recorded
  CHECK(contains(last_error(), "record spikes of G") == false);        // one line only
  CHECK(neuro_spikes(e, "nobody", &ids, &times, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.tau", "ms", &times, &n, &ids, &n, &values) ==
        NEURO_USAGE_ERROR);  // not recorded
  CHECK(neuro_trace(e, "P.v", "nS", &times, &n, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "furlong", &times, &n, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_variables(e, "nobody", &names, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_unsubscribe(e, 12345) == NEURO_USAGE_ERROR);
  CHECK(neuro_unsubscribe(e, -1) == NEURO_USAGE_ERROR);
  // Counts and values.
  CHECK(neuro_set(e, "P.v", "mV", buf, 3) == NEURO_USAGE_ERROR);  // 2 neurons: 1 or 2 values
  CHECK(neuro_set(e, "P.v", "mV", buf, 0) == NEURO_USAGE_ERROR);
  uint32_t outside = 7;
  CHECK(neuro_inject_spikes(e, "P", &outside, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_inject_spikes(e, "P", nullptr, 0) == NEURO_OK);  // nothing to inject
  CHECK(neuro_run(e, -1) == NEURO_USAGE_ERROR);
  CHECK(neuro_run(e, std::nan("")) == NEURO_USAGE_ERROR);
  CHECK(neuro_run(e, INFINITY) == NEURO_USAGE_ERROR);
  // NULL arguments.
  CHECK(neuro_load_file(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "NULL"));
  CHECK(neuro_load_text(e, nullptr, "x") == NEURO_USAGE_ERROR);
  CHECK(neuro_built(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_time(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_dt(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_step_index(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_population_size(e, nullptr, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_population_size(e, "P", nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_get(e, nullptr, "mV", buf, 8, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_get(e, "P.v", "mV", buf, 8, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_set(e, nullptr, "mV", buf, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_set(e, "P.v", "mV", nullptr, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_inject_spikes(e, nullptr, &id, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_inject_spikes(e, "P", nullptr, 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_subscribe_spikes(e, nullptr, record_spikes, nullptr, &h) == NEURO_USAGE_ERROR);
  CHECK(neuro_subscribe_spikes(e, "P", nullptr, nullptr, &h) == NEURO_USAGE_ERROR);
  CHECK(neuro_subscribe_spikes(e, "P", record_spikes, nullptr, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, nullptr, &ids, &times, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, "P", nullptr, &times, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, "P", &ids, nullptr, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_spikes(e, "P", &ids, &times, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, nullptr, "mV", &times, &n, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", nullptr, &n, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", &times, nullptr, &ids, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", &times, &n, nullptr, &n, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", &times, &n, &ids, nullptr, &values) == NEURO_USAGE_ERROR);
  CHECK(neuro_trace(e, "P.v", "mV", &times, &n, &ids, &n, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_populations(e, nullptr, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_populations(e, &names, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_variables(e, nullptr, &names, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_variables(e, "P", nullptr, &n) == NEURO_USAGE_ERROR);
  CHECK(neuro_variables(e, "P", &names, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_snapshot(e, nullptr, 0, nullptr) == NEURO_USAGE_ERROR);
  CHECK(neuro_restore(e, nullptr, 10) == NEURO_USAGE_ERROR);
  CHECK(neuro_restore(e, nullptr, 0) == NEURO_USAGE_ERROR);  // not a snapshot

  // None of that touched the simulation.
  uint64_t steps = 1;
  CHECK(neuro_step_index(e, &steps) == NEURO_OK);
  CHECK(steps == 0);
  CHECK(last_error().empty());
  auto v = get(e, "P.v", "mV");
  CHECK(v == std::vector<double>{-70, -70});
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
  CHECK(seen.spikes[0].second == doctest::Approx(1e-4));
  // An injected spike counts like a threshold crossing, reset included.
  uint32_t zero = 0;
  REQUIRE(neuro_inject_spikes(e, "P", &zero, 1) == NEURO_OK);
  REQUIRE(neuro_step(e, 1) == NEURO_OK);
  REQUIRE(seen.spikes.size() == 2);
  CHECK(seen.spikes[1].first == 0);
  CHECK(seen.spikes[1].second == doctest::Approx(2e-4));
  CHECK(get(e, "P.v", "mV")[0] == doctest::Approx(-70));

  const uint32_t* ids = nullptr;
  const double* times = nullptr;
  size_t n = 0;
  REQUIRE(neuro_spikes(e, "P", &ids, &times, &n) == NEURO_OK);
  REQUIRE(n == 2);
  CHECK(ids[0] == 1);
  CHECK(ids[1] == 0);
  CHECK(times[0] == doctest::Approx(1e-4));
  CHECK(times[1] == doctest::Approx(2e-4));

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
  CHECK(times[samples - 1] == doctest::Approx(0.002));
  auto v = get(e, "P.v", "mV");
  CHECK(values[(samples - 1) * nids + 0] == doctest::Approx(v[0]));
  CHECK(values[(samples - 1) * nids + 1] == doctest::Approx(v[1]));
  REQUIRE(neuro_trace(e, "P.v", nullptr, &times, &samples, &ids, &nids, &values) == NEURO_OK);
  CHECK(values[(samples - 1) * nids] == doctest::Approx(v[0] / 1000));

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

TEST_CASE("c api: callbacks — write, load_module, diagnostics") {
  struct Host {
    std::string written;
    std::vector<std::string> asked;
  } host;
  neuro_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.user = &host;
  cfg.write = [](void* user, const char* text) { static_cast<Host*>(user)->written += text; };
  cfg.load_module = [](void* user, const char* name) -> char* {
    static_cast<Host*>(user)->asked.push_back(name);
    if (std::string(name) == "host.models")
      return neuro_strdup("neuron Flat { param k = 1 mV\n state v = 0 mV }\n");
    return nullptr;  // fall through to the standard library
  };
  neuro_engine* e = neuro_new(&cfg);
  REQUIRE(e != nullptr);
  REQUIRE(neuro_load_text(e,
                          "import host.models\nimport stdlib.neurons\n"
                          "circuit H { P = Flat[3]\n Q = LIF[1] }\nrun H for 1 ms",
                          "h.neuro") == NEURO_OK);
  CHECK(host.asked == std::vector<std::string>{"host.models", "stdlib.neurons"});
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);
  size_t n = 0;
  CHECK(neuro_population_size(e, "P", &n) == NEURO_OK);
  CHECK(n == 3);
  CHECK(neuro_load_text(e, "import host.nothing\n", "h.neuro") == NEURO_COMPILE_ERROR);
  CHECK(contains(last_error(), "host.nothing"));
  neuro_free(e);
}

namespace {

// What a spike callback tries on its own engine, from inside neuro_step.
struct Reentry {
  neuro_engine* e = nullptr;
  int calls = 0;
  int sub = 0;
  bool free_it = false;
  std::vector<neuro_result> results;
  std::vector<double> v;
};

void reenter(void* user, const char*, const uint32_t*, size_t, double) {
  auto* r = static_cast<Reentry*>(user);
  ++r->calls;
  if (r->calls > 1) return;
  neuro_engine* e = r->e;
  double x = 0;
  size_t n = 0;
  double buf[8];
  uint32_t zero = 0;
  r->results.push_back(neuro_get(e, "P.v", "mV", buf, 8, &n));  // 0: OK
  r->v.assign(buf, buf + n);
  r->results.push_back(neuro_time(e, &x));                    // 1: OK
  r->results.push_back(neuro_run(e, 0.001));                  // 2: refused
  r->results.push_back(neuro_step(e, 1));                     // 3: refused
  r->results.push_back(neuro_build(e, nullptr));              // 4: refused
  r->results.push_back(neuro_load_text(e, kModel, nullptr));  // 5: refused
  double v = -65;
  r->results.push_back(neuro_set(e, "P.v", "mV", &v, 1));  // 6: OK (an array)
  double tau = 5;
  r->results.push_back(neuro_set(e, "P.tau", "ms", &tau, 1));   // 7: refused (a rebuild)
  r->results.push_back(neuro_inject_spikes(e, "P", &zero, 1));  // 8: OK
  size_t size = 0;
  r->results.push_back(neuro_snapshot(e, nullptr, 0, &size));  // 9: refused
  r->results.push_back(neuro_restore(e, buf, 8));              // 10: refused
  int h = 0;
  r->results.push_back(neuro_subscribe_spikes(e, "P", reenter, r, &h));  // 11: refused
  r->results.push_back(neuro_unsubscribe(e, r->sub));                    // 12: OK, deferred
  if (r->free_it) {
    neuro_free(e);
    r->results.push_back(neuro_time(e, &x));  // 13: invalid now
  }
}

}  // namespace

TEST_CASE("c api: calls from inside a callback") {
  neuro_engine* e = built();
  Reentry r;
  r.e = e;
  REQUIRE(neuro_subscribe_spikes(e, "P", reenter, &r, &r.sub) == NEURO_OK);
  uint32_t both[2] = {0, 1};
  REQUIRE(neuro_inject_spikes(e, "P", both, 2) == NEURO_OK);
  REQUIRE(neuro_step(e, 5) == NEURO_OK);
  CHECK(r.calls == 1);  // unsubscribed from inside: no later calls
  REQUIRE(r.results.size() == 13);
  CHECK(r.results[0] == NEURO_OK);
  CHECK(r.v.size() == 2);
  CHECK(r.results[1] == NEURO_OK);
  for (int i : {2, 3, 4, 5, 7, 9, 10, 11}) {
    CAPTURE(i);
    CHECK(r.results[i] == NEURO_USAGE_ERROR);
  }
  CHECK(r.results[6] == NEURO_OK);
  CHECK(r.results[8] == NEURO_OK);
  CHECK(r.results[12] == NEURO_OK);
  CHECK(neuro_unsubscribe(e, r.sub) == NEURO_USAGE_ERROR);  // gone
  // The injected spike from inside the callback fired in the next step.
  const uint32_t* ids;
  const double* times;
  size_t n = 0;
  REQUIRE(neuro_spikes(e, "P", &ids, &times, &n) == NEURO_OK);
  REQUIRE(n == 3);
  CHECK(ids[2] == 0);
  CHECK(times[2] == doctest::Approx(2e-4));
  // The engine is intact, and outer calls work again.
  double tau = 5;
  CHECK(neuro_set(e, "P.tau", "ms", &tau, 1) == NEURO_OK);
  CHECK(neuro_run(e, 0.001) == NEURO_OK);
  neuro_free(e);

  // A per-neuron parameter is an array: set from a callback.
  neuro_engine* f = built(kArrayModel);
  struct SetInput {
    neuro_engine* e;
    neuro_result result = NEURO_INTERNAL_ERROR;
  } s{f};
  int h = 0;
  REQUIRE(neuro_subscribe_spikes(
              f, "P",
              [](void* user, const char*, const uint32_t*, size_t, double) {
                auto* s = static_cast<SetInput*>(user);
                double zero = 0;
                s->result = neuro_set(s->e, "P.I", "mV", &zero, 1);
              },
              &s, &h) == NEURO_OK);
  uint32_t one = 1;
  REQUIRE(neuro_inject_spikes(f, "P", &one, 1) == NEURO_OK);
  REQUIRE(neuro_step(f, 1) == NEURO_OK);
  CHECK(s.result == NEURO_OK);
  CHECK(get(f, "P.I", "mV") == std::vector<double>{0, 0, 0, 0});
  neuro_free(f);

  // neuro_free from inside: the handle is dead at once, the engine goes when
  // the outer call returns, and the rest of the run delivers nothing.
  neuro_engine* g = built();
  Reentry q;
  q.e = g;
  q.free_it = true;
  REQUIRE(neuro_subscribe_spikes(g, "P", reenter, &q, &q.sub) == NEURO_OK);
  REQUIRE(neuro_inject_spikes(g, "P", both, 2) == NEURO_OK);
  CHECK(neuro_step(g, 50) == NEURO_OK);
  REQUIRE(q.results.size() == 14);
  CHECK(q.results[13] == NEURO_INVALID_HANDLE);
  CHECK(q.calls == 1);
  every_call_answers(g, NEURO_INVALID_HANDLE);
}

// P.v of kModel after 20 ms, built with `seed` (and `backend` when ≥ 0);
// empty when any call fails. Safe on any thread (no test macros); what the
// engine writes (a JIT fallback notice) goes to `written` when given.
std::vector<double> final_v(uint64_t seed, int backend = -1, std::string* written = nullptr) {
  neuro_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.user = written;
  if (written)
    cfg.write = [](void* user, const char* text) { *static_cast<std::string*>(user) += text; };
  neuro_engine* e = neuro_new(&cfg);
  std::vector<double> out;
  if (!e) return out;
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_SEED | (backend >= 0 ? static_cast<unsigned>(NEURO_BUILD_BACKEND) : 0u);
  opt.seed = seed;
  opt.backend = backend;
  size_t n = 0;
  double buf[2];
  bool ok = neuro_load_text(e, kModel, nullptr) == NEURO_OK && neuro_build(e, &opt) == NEURO_OK;
  for (int i = 0; ok && i < 20; ++i) ok = neuro_run(e, 0.001) == NEURO_OK;
  if (ok && neuro_get(e, "P.v", nullptr, buf, 2, &n) == NEURO_OK) out.assign(buf, buf + n);
  neuro_free(e);
  return out;
}

TEST_CASE("c api: engines are independent, also on different threads") {
  auto run_one = [](uint64_t seed, std::vector<double>* out) { *out = final_v(seed); };
  std::vector<double> alone, t1, t2;
  run_one(3, &alone);
  std::thread a(run_one, 3, &t1), b(run_one, 3, &t2);
  a.join();
  b.join();
  REQUIRE(alone.size() == 2);
  CHECK(t1 == alone);
  CHECK(t2 == alone);

  // The last error is per thread.
  CHECK(neuro_run(nullptr, 1) == NEURO_INVALID_HANDLE);
  std::string seen_there = "unset";
  std::thread c([&] { seen_there = neuro_last_error(); });
  c.join();
  CHECK(seen_there.empty());
  CHECK(!last_error().empty());
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
  CHECK(get(e, "A.x", "mV")[0] == doctest::Approx(2.5));
  CHECK(neuro_set_modulator(e, "dopamine", "mV", 1) == NEURO_USAGE_ERROR);  // dimensionless
  CHECK(neuro_get_modulator(e, "dopamine", "mV", &d) == NEURO_USAGE_ERROR);
  CHECK(neuro_set_modulator(e, "serotonin", "", 1) == NEURO_USAGE_ERROR);
  CHECK(contains(last_error(), "serotonin"));
  CHECK(neuro_get_modulator(e, "serotonin", "", &d) == NEURO_USAGE_ERROR);
  CHECK(neuro_set_modulator(e, nullptr, "", 1) == NEURO_USAGE_ERROR);
  CHECK(neuro_get_modulator(e, "dopamine", "", nullptr) == NEURO_USAGE_ERROR);

  // From inside a spike callback: allowed (a value, not a rebuild).
  struct Set {
    neuro_engine* e;
    neuro_result result = NEURO_INTERNAL_ERROR;
  } s{e};
  int h = 0;
  REQUIRE(neuro_subscribe_spikes(
              e, "G",
              [](void* user, const char*, const uint32_t*, size_t, double) {
                auto* s = static_cast<Set*>(user);
                s->result = neuro_set_modulator(s->e, "dopamine", nullptr, 7);
              },
              &s, &h) == NEURO_OK);
  uint32_t zero = 0;
  REQUIRE(neuro_inject_spikes(e, "G", &zero, 1) == NEURO_OK);
  REQUIRE(neuro_step(e, 1) == NEURO_OK);
  CHECK(s.result == NEURO_OK);
  REQUIRE(neuro_get_modulator(e, "dopamine", "", &d) == NEURO_OK);
  CHECK(d == 7);
  neuro_free(e);
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

TEST_CASE("c api: every function in neuro.h is documented there and in docs/embedding.md") {
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string header = slurp(NEURO_SOURCE_DIR "/include/neuro/neuro.h");
  const std::string docs = slurp(NEURO_SOURCE_DIR "/docs/embedding.md");
  REQUIRE(!header.empty());
  REQUIRE(!docs.empty());
  // Each declaration follows a comment that ends right above it.
  static const std::regex decl(R"re(\*/\nNEURO_API [^;]*?\b(neuro_\w+)\()re");
  static const std::regex any(R"re(NEURO_API [^;]*?\b(neuro_\w+)\()re");
  std::set<std::string> documented, declared;
  for (std::sregex_iterator it(header.begin(), header.end(), decl), end; it != end; ++it)
    documented.insert((*it)[1]);
  for (std::sregex_iterator it(header.begin(), header.end(), any), end; it != end; ++it)
    declared.insert((*it)[1]);
  CHECK(declared.size() >= 34);
  for (const auto& name : declared) {
    CAPTURE(name);
    CHECK(documented.count(name) == 1);
    CHECK(docs.find(name + "(") != std::string::npos);
  }
}

TEST_CASE(
    "c api: the JIT backend gives the interpreter's results; a bad backend is a usage error") {
  // A private cache, so the test neither reads nor fills the user's.
  auto cache =
      std::filesystem::temp_directory_path() / ("neuro_c_jit_" + std::to_string(::getpid()));
  ::setenv("XDG_CACHE_HOME", cache.c_str(), 1);
  std::string notice;
  std::vector<double> vm = final_v(5, NEURO_BACKEND_VM),
                      jit = final_v(5, NEURO_BACKEND_JIT, &notice);
  CHECK(notice.empty());  // the generated code ran: no fallback notice
  ::unsetenv("XDG_CACHE_HOME");
  std::filesystem::remove_all(cache);
  REQUIRE(vm.size() == 2);
  CHECK(jit == vm);
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(neuro_load_text(e, kModel, nullptr) == NEURO_OK);
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_BACKEND;
  opt.backend = 7;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("unknown backend") != std::string::npos);
  opt.flags = NEURO_BUILD_THREADS;
  opt.threads = 0;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("threads") != std::string::npos);
  opt.threads = 2;  // accepted; the interpreter says it runs on one thread
  CHECK(neuro_build(e, &opt) == NEURO_OK);
  neuro_free(e);
}

namespace {

// Whether the last error is `neuro: error[CODE]: …` (one line).
bool last_error_is(const char* code) {
  const std::string e = last_error();
  return e.rfind(std::string("neuro: error[") + code + "]: ", 0) == 0 &&
         e.find('\n') == std::string::npos;
}

struct InCallback {
  neuro_engine* e = nullptr;
  std::string error;
};

void run_from_callback(void* user, const char*, const uint32_t*, size_t, double) {
  auto* c = static_cast<InCallback*>(user);
  if (!c->error.empty()) return;
  neuro_run(c->e, 0.001);
  c->error = last_error();
}

}  // namespace

// Misuse is reported through the diagnostic catalogue, each kind with a code
// of its own (docs/language.md §12); none of these can come from model text.
TEST_CASE("c api: each kind of misuse names its diagnostic code") {
  double d = 0;
  size_t n = 0;
  CHECK(neuro_time(nullptr, &d) == NEURO_INVALID_HANDLE);
  CHECK(last_error_is("E0703"));

  neuro_engine* e = neuro_new(nullptr);
  CHECK(neuro_build(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0700"));  // nothing loaded
  CHECK(neuro_run(e, 0.1) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0701"));  // no simulation yet
  CHECK(neuro_population_size(e, "P", &n) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0701"));  // not E0402, an option in model text
  CHECK(neuro_time(e, nullptr) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0602"));  // NULL argument

  REQUIRE(neuro_load_text(e, kModel, "model.neuro") == NEURO_OK);
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = 64;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0601"));  // unknown flag
  opt.flags = NEURO_BUILD_THREADS;
  opt.threads = 0;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0603"));  // a value out of range
  REQUIRE(neuro_build(e, nullptr) == NEURO_OK);

  double small[1];
  CHECK(neuro_get(e, "P.v", "mV", small, 1, &n) == NEURO_BUFFER_TOO_SMALL);
  CHECK(last_error_is("E0606"));
  CHECK(neuro_get(e, "P.v", "ms", small, 1, &n) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0200"));
  CHECK(neuro_get(e, "P.v", "furlong", small, 1, &n) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0101"));
  CHECK(neuro_population_size(e, "Q", &n) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0100"));
  const uint32_t* ids = nullptr;
  const double* times = nullptr;
  CHECK(neuro_spikes(e, "G", &ids, &times, &n) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0704"));  // not recorded
  CHECK(neuro_unsubscribe(e, 12345) == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0703"));  // not a subscription handle
  CHECK(neuro_save(e, "/proc/neuro_cannot/write", "csv") == NEURO_USAGE_ERROR);
  CHECK(last_error_is("E0500"));

  InCallback c{e, {}};
  int sub = 0;
  REQUIRE(neuro_subscribe_spikes(e, "P", run_from_callback, &c, &sub) == NEURO_OK);
  uint32_t zero = 0;
  REQUIRE(neuro_inject_spikes(e, "P", &zero, 1) == NEURO_OK);
  REQUIRE(neuro_step(e, 2) == NEURO_OK);
  CHECK(c.error.rfind("neuro: error[E0702]: ", 0) == 0);
  neuro_free(e);

  // Memory that runs out in a host callback is E0502, NEURO_OUT_OF_MEMORY.
  neuro_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.load_module = [](void*, const char*) -> char* { throw std::bad_alloc(); };
  e = neuro_new(&cfg);
  CHECK(neuro_load_text(e, "import host.models\n", "h.neuro") == NEURO_OUT_OF_MEMORY);
  CHECK(last_error_is("E0502"));
  neuro_free(e);
}
