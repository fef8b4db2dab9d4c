// The embedding API: every entry point, its misuse, and the promises that
// matter to hosts (units checked, snapshots bit-identical, state kept when a
// parameter changes).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "neuro/engine.h"
#include "neuro/simulation.h"
#include "tests/unit/leaky_model.h"

using neuro::Engine;
using neuro::Status;

namespace {

const char* const kApiModel = neuro::testing::kLeakyModel;

// A value the model fixes exactly, up to the rounding of a unit conversion
// or of a sum of time steps.
doctest::Approx exact(double x) {
  return doctest::Approx(x).epsilon(1e-12).scale(0);
}

}  // namespace

TEST_CASE("api: load, build, run, read state in units") {
  Engine e;
  REQUIRE(e.load_text(kApiModel, "model.neuro") == Status::Ok);
  CHECK(e.diagnostics().empty());
  CHECK_FALSE(e.built());
  REQUIRE(e.build() == Status::Ok);
  CHECK(e.dt() == exact(1e-4));
  CHECK(e.populations() == std::vector<std::string>{"P", "G"});
  std::vector<double> v;
  REQUIRE(e.get("P.v", "mV", v) == Status::Ok);
  REQUIRE(v.size() == 2);
  CHECK(v[0] == exact(-70));
  REQUIRE(e.run(0.001) == Status::Ok);
  CHECK(e.step_index() == 10);
  REQUIRE(e.get("P.v", "mV", v) == Status::Ok);
  // v(t) = E_L + I (1 − e^{−t/τ}) with exact integration.
  CHECK(v[0] == doctest::Approx(-70 + 20 * (1 - std::exp(-0.1))).epsilon(1e-12).scale(0));
  REQUIRE(e.get("P.v", "V", v) == Status::Ok);
  CHECK(v[0] == doctest::Approx((-70 + 20 * (1 - std::exp(-0.1))) / 1000).epsilon(1e-12).scale(0));
  REQUIRE(e.get("P.tau", "ms", v) == Status::Ok);
  CHECK(v[0] == exact(10));
}

TEST_CASE("api: wrong units, unknown names and calls out of order are errors, not crashes") {
  Engine e;
  std::vector<double> v;
  CHECK(e.build() == Status::UsageError);
  CHECK(e.run(0.1) == Status::UsageError);
  CHECK(e.get("P.v", "mV", v) == Status::UsageError);
  REQUIRE(e.load_text("neuron A { state v = 3 ms\n dv/dt = -v / 1 ms }", "bad.neuro") ==
          Status::Ok);
  REQUIRE(e.load_text("neuron A { state v = 0 mV\n dv/dt = -v / 10 }", "bad.neuro") ==
          Status::CompileError);
  REQUIRE(!e.diagnostics().empty());
  const auto& d = e.diagnostics()[0];
  CHECK(d.code == "E0200");
  CHECK(d.file == "bad.neuro");
  CHECK(d.line == 2);
  CHECK(d.column == 10);
  CHECK(d.rendered.find("bad.neuro:2:10: error[E0200]") == 0);
  CHECK(e.build() == Status::UsageError);  // nothing valid loaded

  REQUIRE(e.load_text(kApiModel) == Status::Ok);
  REQUIRE(e.build() == Status::Ok);
  CHECK(e.get("P.v", "ms", v) == Status::UsageError);  // a voltage read in ms
  CHECK(e.diagnostics()[0].message.find("voltage") != std::string::npos);
  CHECK(e.get("P.v", "furlong", v) == Status::UsageError);
  CHECK(e.get("P.nope", "mV", v) == Status::UsageError);
  CHECK(e.get("Q.v", "mV", v) == Status::UsageError);
  CHECK(e.get("v", "mV", v) == Status::UsageError);
  CHECK(e.set("P.v", "nS", 1.0) == Status::UsageError);  // wrong dimension: no silent conversion
  CHECK(e.set("P.v", "mV", std::vector<double>{1, 2, 3}) == Status::UsageError);  // wrong count
  std::vector<uint32_t> bad = {7};
  CHECK(e.inject_spikes("P", bad) == Status::UsageError);
  CHECK(e.inject_spikes("nobody", bad) == Status::UsageError);
  std::vector<uint32_t> ids;
  std::vector<double> ts;
  CHECK(e.spikes("G", ids, ts) == Status::UsageError);  // not recorded
  CHECK(e.run(-1) == Status::UsageError);
  CHECK(e.subscribe_spikes("P", nullptr) == -1);
}

TEST_CASE("api: set a state, inject spikes, subscribe to spikes") {
  Engine e;
  REQUIRE(e.load_text(kApiModel) == Status::Ok);
  REQUIRE(e.build() == Status::Ok);
  std::vector<std::pair<uint32_t, double>> seen;
  int h = e.subscribe_spikes("P", [&](std::span<const uint32_t> ids, double t) {
    for (uint32_t id : ids) seen.push_back({id, t});
  });
  CHECK(h > 0);
  // Push neuron 1 over threshold: it spikes at the end of the next step.
  REQUIRE(e.set("P.v", "mV", std::vector<double>{-70, -50}) == Status::Ok);
  REQUIRE(e.step() == Status::Ok);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].first == 1);
  CHECK(seen[0].second == exact(1e-4));
  // An injected spike counts like a threshold crossing, reset included.
  std::vector<uint32_t> zero = {0};
  REQUIRE(e.inject_spikes("P", zero) == Status::Ok);
  REQUIRE(e.step() == Status::Ok);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].first == 0);
  CHECK(seen[1].second == exact(2e-4));
  std::vector<double> v;
  e.get("P.v", "mV", v);
  CHECK(v[0] == exact(-70));  // reset to E_L
  std::vector<uint32_t> ids;
  std::vector<double> ts;
  REQUIRE(e.spikes("P", ids, ts) == Status::Ok);
  CHECK(ids == std::vector<uint32_t>{1, 0});
  e.unsubscribe(h);
  e.inject_spikes("P", zero);
  e.step(30);  // past refractoriness; no more callbacks
  CHECK(seen.size() == 2);
}

TEST_CASE("api: snapshot → restore → run is bit-identical to an uninterrupted run") {
  Engine a, b;
  REQUIRE(a.load_text(kApiModel) == Status::Ok);
  REQUIRE(b.load_text(kApiModel) == Status::Ok);
  REQUIRE(a.build() == Status::Ok);
  REQUIRE(b.build() == Status::Ok);
  a.run(0.02);
  neuro::Snapshot snap;
  REQUIRE(a.snapshot(snap) == Status::Ok);
  a.run(0.02);  // a goes on to 40 ms
  std::vector<double> va, vb;
  a.get("P.v", "", va);
  // b restores the 20 ms state and runs the same 20 ms.
  REQUIRE(b.restore(snap) == Status::Ok);
  CHECK(b.step_index() == 200);
  b.run(0.02);
  b.get("P.v", "", vb);
  REQUIRE(va.size() == vb.size());
  for (size_t i = 0; i < va.size(); ++i) CHECK(va[i] == vb[i]);  // exact, not approximate
  std::vector<uint32_t> ia, ib;
  std::vector<double> ta, tb;
  a.spikes("P", ia, ta);
  b.spikes("P", ib, tb);
  CHECK(ia == ib);
  CHECK(ta == tb);
  CHECK(!ta.empty());

  // A snapshot of another model is refused, and the engine is unharmed.
  Engine c;
  REQUIRE(c.load_text("neuron A { state v = 0 mV }\ncircuit D { P = A[2] }\nrun D for 1 ms") ==
          Status::Ok);
  REQUIRE(c.build() == Status::Ok);
  CHECK(c.restore(snap) == Status::UsageError);
  CHECK(c.diagnostics()[0].message.find("different model") != std::string::npos);
  neuro::Snapshot junk{{1, 2, 3}};
  CHECK(b.restore(junk) == Status::UsageError);
  CHECK(b.step_index() == 400);
}

TEST_CASE("api: changing a shared parameter keeps the state and follows the new value") {
  Engine e;
  REQUIRE(e.load_text(kApiModel) == Status::Ok);
  REQUIRE(e.build() == Status::Ok);
  e.run(0.003);
  std::vector<double> before, after;
  e.get("P.v", "", before);
  REQUIRE(e.set("P.tau", "ms", 5.0) == Status::Ok);  // folded into the code: rebuilt, state kept
  e.get("P.v", "", after);
  CHECK(before == after);
  CHECK(e.step_index() == 30);
  std::vector<double> tau;
  e.get("P.tau", "ms", tau);
  CHECK(tau[0] == exact(5));
  // One step with τ = 5 ms: v' = E_L + I + (v − E_L − I)·e^{−dt/τ}.
  e.step();
  std::vector<double> v;
  e.get("P.v", "", v);
  double expect = -0.05 + (before[0] + 0.05) * std::exp(-0.1 / 5);
  CHECK(v[0] == doctest::Approx(expect).epsilon(1e-12).scale(0));
  CHECK(e.set("P.tau", "ms", std::vector<double>{1, 2}) ==
        Status::UsageError);  // differs per neuron
}

TEST_CASE("api: recordings saved as CSV and NPY, and plotted") {
  Engine e;
  REQUIRE(e.load_text(kApiModel) == Status::Ok);
  REQUIRE(e.build() == Status::Ok);
  REQUIRE(e.run_to_end() == Status::Ok);
  CHECK(e.time() == exact(0.05));
  auto dir = std::filesystem::temp_directory_path() / fmt::format("neuro_api_save_{}", ::getpid());
  REQUIRE(e.save(dir.string(), "csv") == Status::Ok);
  CHECK(std::filesystem::exists(dir / "P_spikes.csv"));
  CHECK(std::filesystem::exists(dir / "P_v.csv"));
  REQUIRE(e.save(dir.string(), "npy") == Status::Ok);
  CHECK(std::filesystem::exists(dir / "P_v.npy"));
  REQUIRE(e.plot(dir.string()) == Status::Ok);
  CHECK(std::filesystem::exists(dir / "P_raster.svg"));
  CHECK(std::filesystem::exists(dir / "P_v.svg"));
  CHECK(e.save(dir.string(), "xls") == Status::UsageError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("api: the host sets a modulator (third factor) between steps") {
  Engine e;
  REQUIRE(e.load_text(R"(
modulator dopamine = 0
neuron Acc { state x = 0 mV }
synapse Gated { param w = 1 mV;  on pre { post.x += dopamine * w } }
circuit C {
  G = spike_generator[1] { times = [1 ms, 2 ms] }
  A = Acc[1]
  connect G -> A via Gated  all_to_all
}
run C for 3 ms  dt = 0.1 ms
)") == Status::Ok);
  REQUIRE(e.build() == Status::Ok);
  double d = -1;
  REQUIRE(e.get_modulator("dopamine", "", d) == Status::Ok);
  CHECK(d == 0);
  e.run(0.0015);  // the 1 ms spike arrives while dopamine is 0
  REQUIRE(e.set_modulator("dopamine", "", 2.5) == Status::Ok);
  e.run(0.0015);  // the 2 ms spike arrives with dopamine 2.5
  std::vector<double> x;
  e.get("A.x", "mV", x);
  CHECK(x[0] == exact(2.5));
  CHECK(e.set_modulator("dopamine", "mV", 1) ==
        Status::UsageError);  // dimensionless, not a voltage
  CHECK(e.set_modulator("serotonin", "", 1) == Status::UsageError);
}

TEST_CASE("api: files, traces, names and the simulation underneath") {
  Engine e;
  CHECK(e.load_file("/nonexistent/model.neuro") == Status::CompileError);
  REQUIRE(!e.diagnostics().empty());
  CHECK(e.diagnostics()[0].code == "E0500");
  REQUIRE(e.load_file(std::string(NEURO_SOURCE_DIR) + "/examples/izhikevich.neuro") == Status::Ok);
  CHECK(e.simulation() == nullptr);
  REQUIRE(e.build() == Status::Ok);
  REQUIRE(e.simulation() != nullptr);
  auto vars = e.variables("P");
  CHECK(std::find(vars.begin(), vars.end(), "v") != vars.end());
  CHECK(std::find(vars.begin(), vars.end(), "I_e") != vars.end());
  CHECK(e.variables("nobody").empty());
  e.run(0.005);
  std::vector<double> times, values;
  std::vector<uint32_t> ids;
  REQUIRE(e.trace("P.v", "mV", times, ids, values) == Status::Ok);
  REQUIRE(!ids.empty());
  CHECK(values.size() == times.size() * ids.size());
  CHECK(times.front() == 0);
  // The sample at t = 0 is Izhikevich's initial v = -70 mV (stdlib/neurons.neuro).
  CHECK(values[0] == exact(-70));
  std::vector<double> in_volts;
  REQUIRE(e.trace("P.v", "V", times, ids, in_volts) == Status::Ok);
  CHECK(in_volts[0] == exact(-0.070));
  CHECK(e.trace("P.v", "ms", times, ids, values) == Status::UsageError);
  CHECK(e.trace("P.u", "mV", times, ids, values) == Status::UsageError);  // not recorded
}
