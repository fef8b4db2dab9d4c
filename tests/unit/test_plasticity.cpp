// Plasticity against closed forms: event-driven traces and pair STDP.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "driver/driver.h"
#include "driver/output.h"
#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace {

// Runs `text`; returns the simulation (after the run) and the IR text.
std::unique_ptr<neuro::Simulation> run_text(const std::string& text,
                                            std::string* ir_text = nullptr) {
  auto path =
      std::filesystem::temp_directory_path() / fmt::format("neuro_plasticity_{}.neuro", ::getpid());
  std::ofstream(path) << text;
  auto c = neuro::driver::compile_file(path.string(), {}, false);
  std::filesystem::remove(path);
  if (!c->module) {
    FAIL(neuro::frontend::render_all(c->diags, c->sources));
    return nullptr;
  }
  if (ir_text) *ir_text = neuro::ir::print(*c->module);
  auto sim = neuro::build_simulation(c->module);
  sim->run(sim->steps_for(c->module->run.duration));
  return sim;
}

// Pre spikes from generators, one relay neuron made to spike once at a
// known time; additive pair STDP with traces of 20 ms.
std::string model(const std::string& pre_times, const std::string& post_time) {
  return fmt::format(R"(
neuron Relay {{
  state v = 0 mV
  spike when v > 1 mV {{ v = 0 mV }}
}}
synapse Kick {{ on pre {{ post.v += 2 mV }} }}
synapse Stdp {{
  param w = 0.5
  trace apre decays 20 ms
  trace apost decays 20 ms
  on pre  {{ apre += 0.01;   w += apost }}
  on post {{ apost -= 0.012;  w += apre }}
}}
circuit C {{
  Pre = spike_generator[1] {{ times = [{}] }}
  Drive = spike_generator[1] {{ times = [{}] }}
  Post = Relay[1]
  connect Drive -> Post via Kick  all_to_all
  connect Pre -> Post via Stdp  all_to_all
  record spikes of Pre
  record spikes of Post
}}
run C for 60 ms  dt = 0.1 ms
)",
                     pre_times, post_time);
}

}  // namespace

TEST_CASE(
    "plasticity: a pre-post pair changes w by A+ exp(-dt/tau), a post-pre pair by -A- "
    "exp(-dt/tau)") {
  std::string ir;
  // Potentiation: pre at 10 ms, post when the drive arrives (stamped one step later).
  auto sim = run_text(model("10 ms", "25 ms"), &ir);
  REQUIRE(sim);
  // Traces that only one side changes live once per neuron (a compiler decision).
  CHECK(ir.find("trace apre = 0 decays 20 ms  (per presynaptic neuron)") != std::string::npos);
  CHECK(ir.find("trace apost = 0 decays 20 ms  (per postsynaptic neuron)") != std::string::npos);
  auto spikes = sim->spike_recordings();
  REQUIRE(spikes.size() == 2);
  REQUIRE(spikes[0].times.size() == 1);
  REQUIRE(spikes[1].times.size() == 1);
  double t_pre = spikes[0].times[0], t_post = spikes[1].times[0];
  CHECK(t_post > t_pre);
  auto w = sim->synapse_values(1, "w");
  REQUIRE(w.size() == 1);
  double expect = 0.01 * std::exp(-(t_post - t_pre) / 0.020);
  CHECK(w[0] - 0.5 == doctest::Approx(expect).epsilon(1e-12).scale(0));

  // Depression: post first, then pre.
  sim = run_text(model("40 ms", "25 ms"));
  spikes = sim->spike_recordings();
  t_pre = spikes[0].times[0];
  t_post = spikes[1].times[0];
  CHECK(t_pre > t_post);
  w = sim->synapse_values(1, "w");
  expect = -0.012 * std::exp(-(t_pre - t_post) / 0.020);
  CHECK(w[0] - 0.5 == doctest::Approx(expect).epsilon(1e-12).scale(0));
}

TEST_CASE("plasticity: a trace is the sum of exponentials of its events") {
  // Three pre spikes before one post spike: w gains 0.01·Σ exp(-(t_post - t_k)/τ).
  auto sim = run_text(model("5 ms, 12 ms, 20 ms", "30 ms"));
  REQUIRE(sim);
  auto spikes = sim->spike_recordings();
  REQUIRE(spikes[0].times.size() == 3);
  REQUIRE(spikes[1].times.size() == 1);
  double t_post = spikes[1].times[0], sum = 0;
  for (double tk : spikes[0].times) sum += std::exp(-(t_post - tk) / 0.020);
  auto w = sim->synapse_values(1, "w");
  CHECK(w[0] - 0.5 == doctest::Approx(0.01 * sum).epsilon(1e-12).scale(0));
}

TEST_CASE("plasticity: a trace that depends on the synapse is stored per synapse and still exact") {
  // `apre += w / 50` differs between synapses: per synapse, same closed form.
  auto text = model("10 ms", "25 ms");
  auto pos = text.find("apre += 0.01");
  text.replace(pos, std::string("apre += 0.01").size(), "apre += w / 50");
  std::string ir;
  auto sim = run_text(text, &ir);
  REQUIRE(sim);
  CHECK(ir.find("trace apre = 0 decays 20 ms  (per synapse)") != std::string::npos);
  auto spikes = sim->spike_recordings();
  double t_pre = spikes[0].times[0], t_post = spikes[1].times[0];
  auto w = sim->synapse_values(1, "w");
  CHECK(w[0] - 0.5 ==
        doctest::Approx(0.5 / 50 * std::exp(-(t_post - t_pre) / 0.020)).epsilon(1e-12).scale(0));
}

TEST_CASE("plasticity: Song, Miller & Abbott (2000) — STDP splits the weights into two groups") {
  auto c = neuro::driver::compile_file(std::string(NEURO_SOURCE_DIR) + "/examples/song2000.neuro",
                                       {}, false);
  REQUIRE(c->module);
  auto sim_owned = neuro::build_simulation(c->module);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(c->module->run.duration));  // 100 s
  auto w = sim.synapse_values(0, "w");
  REQUIRE(w.size() == 1000);
  const double g_max = 0.01;
  int bins[10] = {};
  for (double x : w) bins[std::min(9, static_cast<int>(x / g_max * 10))]++;
  std::string hist;
  for (int b : bins) hist += std::to_string(b) + " ";
  MESSAGE("weight histogram (10 bins of g_max/10): " << hist);
  // Started uniform (≈ 100 per bin). Bimodal: the two fullest bins are the
  // two ends, each well above the uniform share, with a trough between
  // them well below it.
  std::vector<int> sorted(bins, bins + 10);
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::min(bins[0], bins[9]) == sorted[8]);
  CHECK(std::max(bins[0], bins[9]) == sorted[9]);
  CHECK(bins[0] > 150);
  CHECK(bins[9] > 130);
  int middle = 0;
  for (int b = 2; b <= 7; ++b) middle += bins[b];
  CHECK(middle < 6 * 80);
  // The weight histogram is plotted for plastic synapses.
  auto dir = std::filesystem::temp_directory_path() / fmt::format("neuro_song_{}", ::getpid());
  std::string error;
  auto files = neuro::driver::write_weight_plots(sim, dir.string(), error);
  CHECK(error.empty());
  REQUIRE(files.size() == 1);
  std::ifstream in(files[0]);
  std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(svg.find("1000 synapses") != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {

// The library's rules (stdlib/plasticity.neuro) between a spike generator
// and a relay neuron made to spike at a known time.
std::string library_model(const std::string& rule, const std::string& pre_times) {
  return fmt::format(R"(
import stdlib.plasticity
neuron Relay {{
  state v = 0 mV
  state ge = 0 mV
  spike when v > 1 mV {{ v = 0 mV }}
}}
synapse Kick {{ on pre {{ post.v += 2 mV }} }}
circuit C {{
  Pre = spike_generator[1] {{ times = [{}] }}
  Drive = spike_generator[1] {{ times = [25 ms] }}
  Post = Relay[1]
  connect Drive -> Post via Kick  all_to_all
  connect Pre -> Post via {}  all_to_all
  record spikes of Pre
  record spikes of Post
}}
run C for 40 ms  dt = 0.1 ms
)",
                     pre_times, rule);
}

}  // namespace

TEST_CASE("plasticity: the library's pair rules follow their closed forms") {
  const double w0 = 0.5e-3, w_max = 1e-3, tau = 0.020;
  auto dt_of = [](neuro::Simulation& sim) {
    auto s = sim.spike_recordings();
    return s[1].times[0] - s[0].times.back();  // post minus the latest pre
  };
  SUBCASE("additive: A+ · w_max · exp(-dt/tau)") {
    auto sim = run_text(library_model("StdpAdditive", "10 ms"));
    double w = sim->synapse_values(1, "w")[0];
    CHECK(w - w0 ==
          doctest::Approx(0.01 * w_max * std::exp(-dt_of(*sim) / tau)).epsilon(1e-12).scale(0));
  }
  SUBCASE("multiplicative: A+ · (w_max - w) · exp(-dt/tau)") {
    auto sim = run_text(library_model("StdpMultiplicative", "10 ms"));
    double w = sim->synapse_values(1, "w")[0];
    CHECK(w - w0 == doctest::Approx(0.01 * (w_max - w0) * std::exp(-dt_of(*sim) / tau))
                        .epsilon(1e-12)
                        .scale(0));
  }
  SUBCASE("nearest spike: only the latest pre spike counts") {
    auto sim = run_text(library_model("StdpNearest", "2 ms, 10 ms"));
    double w = sim->synapse_values(1, "w")[0];
    CHECK(w - w0 ==
          doctest::Approx(0.01 * w_max * std::exp(-dt_of(*sim) / tau)).epsilon(1e-12).scale(0));
    // All-to-all would add the 2 ms spike's share too: the two differ.
    auto all = run_text(library_model("StdpAdditive", "2 ms, 10 ms"));
    CHECK(all->synapse_values(1, "w")[0] > w);
  }
  SUBCASE("triplet: the first pair potentiates by w_max · A2+ · exp(-dt/tau+)") {
    auto sim = run_text(library_model("StdpTriplet", "10 ms"));
    double w = sim->synapse_values(1, "w")[0];
    // The change is 1e-9 of w itself: rounding w to a double limits the
    // difference's relative precision to about 1e-7.
    CHECK(w - w0 ==
          doctest::Approx(w_max * 5e-10 * std::exp(-dt_of(*sim) / 0.0168)).epsilon(1e-6).scale(0));
  }
}

TEST_CASE("examples/homeostasis: the network returns to its target rate after its input doubles") {
  std::ifstream in(NEURO_SOURCE_DIR "/examples/homeostasis.neuro");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Mean rate of P (200 neurons) over [a, b) seconds.
  auto rates = [](const neuro::Simulation& sim, double a, double b) {
    for (const auto& r : sim.spike_recordings()) {
      if (r.population != "P") continue;
      size_t n = 0;
      for (double t : r.times) n += t >= a && t < b;
      return static_cast<double>(n) / 200 / (b - a);
    }
    return -1.0;
  };
  auto sim = run_text(text);
  REQUIRE(sim);
  const double before = rates(*sim, 15, 20), after = rates(*sim, 20, 21),
               late = rates(*sim, 30, 40);
  INFO("before " << before << " Hz, right after " << after << " Hz, late " << late << " Hz");
  CHECK(std::abs(before - 5) < 1);  // the target
  CHECK(after > 2 * before);        // the doubled input at first
  CHECK(std::abs(late - 5) < 1);    // back at the target
  // Control: the same network with scaling off and the thresholds frozen at
  // the doubling (a drive sets their learning rate to 0 from 20 s) stays up.
  std::string fixed = text;
  fixed.replace(fixed.find("eta = 0.001"), 11, "eta = 0");
  const std::string rec = "  record spikes of P\n";
  fixed.insert(fixed.find(rec) + rec.size(),
               "  drive P.eta_theta = if t < 20 s then 0.2 mV else 0 mV\n");
  auto control = run_text(fixed);
  REQUIRE(control);
  const double c_before = rates(*control, 15, 20), c_late = rates(*control, 30, 40);
  INFO("control: before " << c_before << " Hz, late " << c_late << " Hz");
  CHECK(std::abs(c_before - 5) < 2);  // the thresholds alone, still settling
  CHECK(c_late > 2 * c_before);
}
