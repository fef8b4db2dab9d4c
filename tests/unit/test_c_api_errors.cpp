// Errors through the C API: mistakes in model text come back as diagnostics;
// wrong units, unknown names, NULL arguments and calls out of order are
// answered with result codes, each naming its diagnostic code, and leave the
// simulation untouched.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"

using namespace neuro::testing;

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

namespace {

// Whether the last error is `neuro: error[CODE]: …` (one line).
bool last_error_is(const char* code) {
  const std::string e = last_error();
  return e.rfind(std::string("neuro: error[") + code + "]: ", 0) == 0 &&
         e.find('\n') == std::string::npos;
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

  std::string error;
  auto run = [](neuro_engine* engine) { return neuro_run(engine, 0.001); };
  CHECK(call_from_callback(e, "P", 0, run, &error) == NEURO_USAGE_ERROR);
  CHECK(error.rfind("neuro: error[E0702]: ", 0) == 0);
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
