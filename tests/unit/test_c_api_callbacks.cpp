// The host's callbacks through the C API — write, load_module, diagnostics —
// and what a spike callback may do to its own engine from inside a step:
// read and set values, inject spikes, unsubscribe, even free it; never run,
// build or restore it.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"

using namespace neuro::testing;

namespace {

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

}  // namespace

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
  CHECK(times[2] == close_to(2e-4));  // step 2
  // The engine is intact, and outer calls work again.
  double tau = 5;
  CHECK(neuro_set(e, "P.tau", "ms", &tau, 1) == NEURO_OK);
  CHECK(neuro_run(e, 0.001) == NEURO_OK);
  neuro_free(e);

  // A per-neuron parameter is an array: set from a callback.
  neuro_engine* f = built(kArrayModel);
  auto zero_input = [](neuro_engine* engine) {
    double zero = 0;
    return neuro_set(engine, "P.I", "mV", &zero, 1);
  };
  CHECK(call_from_callback(f, "P", 1, zero_input) == NEURO_OK);
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
