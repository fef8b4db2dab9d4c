// Numerical accuracy of the integrators, checked against closed forms that
// the test computes itself (never against numbers taken from neuro's output).
//
// Timing conventions the expectations rely on (interpreter/engine.cpp):
//   * step s (0-based) advances the state from s·dt to (s+1)·dt; monitors
//     sample after the step and stamp the sample (and any spike detected in
//     it) with t = (s+1)·dt; one extra sample is taken at t = 0;
//   * the threshold is tested on the state at the end of the step, so a
//     crossing inside a step is reported at the step's end (rounded up);
//   * a neuron that spikes in step s is refractory (its `unless refractory`
//     equations frozen, spikes suppressed) in steps s+1 … s+R, where
//     R = round(t_ref / dt).
#include <doctest/doctest.h>

#include "tests/unit/compile_text.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace {

namespace fs = std::filesystem;

using neuro::testing::compile_text;

bool ir_contains(const neuro::ir::Module& m, const std::string& what) {
  return neuro::ir::print(m).find(what) != std::string::npos;
}

const neuro::StateRecording& recording(const std::vector<neuro::StateRecording>& recs,
                                       const std::string& var) {
  for (const auto& r : recs)
    if (r.variable == var) return r;
  FAIL("no recording of " << var);
  return recs.front();
}

double rel_err(double got, double want) {
  return std::fabs(got - want) / std::fabs(want);
}

}  // namespace

// ---------------------------------------------------------------------------
// LIF under constant current: the period is t_ref + τ·ln((RI − (v_reset − E_L)) / (RI − (v_th −
// E_L))).

TEST_CASE("numerics: LIF under constant current fires at the analytic rate (exact solver)") {
  // RI = 30 mV, v_reset − E_L = 5 mV, v_th − E_L = 20 mV.
  const double tau = 10e-3, R = 100e6, I = 0.3e-9, E_L = -70e-3, v_th = -50e-3, v_reset = -65e-3,
               t_ref = 2e-3;
  const double dt = 1e-6;  // 1 µs: one step is 9e-5 of the period
  const double T =
      tau * std::log((R * I - (v_reset - E_L)) / (R * I - (v_th - E_L)));  // time to threshold
  const double period = t_ref + T;
  auto mod = compile_text(R"(
neuron L {
  param tau_m = 10 ms;  param R = 100 Mohm
  param E_L = -70 mV;   param v_th = -50 mV;  param v_reset = -65 mV
  param t_ref = 2 ms;   param I_e = 0.3 nA
  state v = v_reset
  dv/dt = (E_L - v + R * I_e) / tau_m   unless refractory
  spike when v > v_th { v = v_reset }
  refractory t_ref
}
circuit C {
  P = L[1]
  record spikes of P
}
run C for 60 ms  dt = 0.001 ms
)");
  CHECK(ir_contains(*mod, "solver exact"));
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));
  auto rec = sim.spike_recordings();
  REQUIRE(rec.size() == 1);
  const auto& t = rec[0].times;
  REQUIRE(t.size() >= 4);  // ≈ 60 / 11.16 = 5 spikes

  // Rounded up to whole steps: each ISI is R_steps + ceil(T/dt) steps, and
  // the first spike (from v_reset at t = 0, not refractory) comes after
  // ceil(T/dt) steps. T/dt = 9162.9 is far from an integer, so rounding in
  // the propagator cannot move the crossing to another step.
  const double t_steps = std::ceil(T / dt);
  const double isi_quantised = (std::round(t_ref / dt) + t_steps) * dt;
  CHECK(t[0] == doctest::Approx(t_steps * dt).epsilon(1e-9).scale(0));
  for (size_t k = 1; k < t.size(); ++k)
    CHECK(t[k] - t[k - 1] == doctest::Approx(isi_quantised).epsilon(1e-9).scale(0));

  const double mean_isi = (t.back() - t.front()) / static_cast<double>(t.size() - 1);
  CHECK(mean_isi >= period - 1e-12);       // never early
  CHECK(mean_isi <= period + dt + 1e-12);  // late by less than one step
  const double rate = 1 / mean_isi, analytic = 1 / period;
  MESSAGE("LIF rate " << rate << " Hz, analytic " << analytic << " Hz");
  CHECK(rel_err(rate, analytic) < 1e-3);
}

TEST_CASE("numerics: stdlib LIF driven by `drive` fires at the analytic rate") {
  // stdlib.neurons LIF: τ = 20 ms, R = 100 MΩ, E_L = v_reset = -70 mV,
  // v_th = -50 mV, t_ref = 2 ms. Driven with 0.25 nA: RI = 25 mV, so
  // T = 20 ms · ln(25 / 5) = 32.19 ms.
  const double tau = 20e-3, RI = 25e-3, t_ref = 2e-3, dt = 2e-6;
  const double T = tau * std::log((RI - 0.0) / (RI - 20e-3));
  const double period = t_ref + T;
  auto mod = compile_text(R"(
import stdlib.neurons
circuit C {
  P = LIF[3]
  drive P.I_e = 0.25 nA
  record spikes of P
}
run C for 104 ms  dt = 0.002 ms
)");
  CHECK(ir_contains(*mod, "solver exact"));
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));
  auto rec = sim.spike_recordings();
  REQUIRE(rec.size() == 1);
  // Three identical neurons; take neuron 2's spikes.
  std::vector<double> t;
  for (size_t k = 0; k < rec[0].ids.size(); ++k)
    if (rec[0].ids[k] == 2) t.push_back(rec[0].times[k]);
  REQUIRE(t.size() == 3);  // at ≈ 32.2, 66.4, 100.6 ms
  CHECK(rec[0].ids.size() == 9);
  const double mean_isi = (t.back() - t.front()) / 2;
  CHECK(mean_isi >= period - 1e-12);
  CHECK(mean_isi <= period + dt + 1e-12);
  CHECK(rel_err(1 / mean_isi, 1 / period) < 1e-3);
}

// ---------------------------------------------------------------------------
// Exponential decay dx/dt = −x/τ: x(t) = x0·e^{−t/τ}.

TEST_CASE("numerics: exponential decay matches x0*exp(-t/tau) to 1e-12 (exact and expeuler)") {
  // Uniform τ: constant coefficients → exact propagator. Per-neuron τ: the
  // coefficient is not a constant, so neuro takes exponential Euler, which
  // is also exact for an equation linear in x with a constant coefficient.
  struct Case {
    const char* pop;
    const char* solver;
  };
  for (Case cs :
       {Case{"P = D[3] { x = (i + 1) * 1 mV }", "solver exact"},
        Case{"P = D[3] { x = (i + 1) * 1 mV;  tau = (i + 2) * 2.5 ms }", "solver expeuler"}}) {
    const std::string solver = cs.solver;
    CAPTURE(solver);
    auto mod = compile_text(std::string(R"(
neuron D {
  param tau = 5 ms
  state x = 0 mV
  dx/dt = -x / tau
}
circuit C {
  )") + cs.pop + R"(
  record x of P
}
run C for 10 ms  dt = 0.005 ms
)");
    CHECK(ir_contains(*mod, solver));
    const bool per_neuron_tau = solver == "solver expeuler";
    auto sim_owned = neuro::build_simulation(mod);
    neuro::Simulation& sim = *sim_owned;
    sim.run(sim.steps_for(mod->run.duration));
    auto recs = sim.state_recordings();
    const auto& r = recording(recs, "x");
    REQUIRE(r.ids.size() == 3);
    REQUIRE(r.times.size() == 2001);  // t = 0 and after each of 2000 steps
    double worst = 0;
    for (size_t s = 0; s < r.times.size(); ++s) {
      CHECK(std::fabs(r.times[s] - s * 5e-6) <= 1e-12 * (s * 5e-6));
      for (size_t q = 0; q < 3; ++q) {
        const double x0 = (q + 1) * 1e-3, tau = per_neuron_tau ? (q + 2) * 2.5e-3 : 5e-3;
        const double want = x0 * std::exp(-static_cast<double>(s) * 5e-6 / tau);
        worst = std::max(worst, rel_err(r.values[s * 3 + q], want));
      }
    }
    MESSAGE(solver << ": worst relative error " << worst);
    CHECK(worst < 1e-12);
  }
}

// ---------------------------------------------------------------------------
// Logistic growth dy/dt = y(1 − y/K)/τ: y(t) = K / (1 + (K/y0 − 1)·e^{−t/τ}).

namespace {

const double kK = 10e-3, kTau = 1e-3, kY0 = 1e-3;
double logistic(double t) {
  return kK / (1 + (kK / kY0 - 1) * std::exp(-t / kTau));
}

// Runs the logistic model for 4 ms with `dt_ms`; returns the recording of y.
neuro::StateRecording run_logistic(const std::string& dt_ms, const std::string& solver_line,
                                   const std::string& expect_solver) {
  auto mod = compile_text(R"(
neuron G {
  param K = 10 mV;  param tau = 1 ms
  state y = 1 mV
  dy/dt = y * (1 - y / K) / tau
  )" + solver_line + R"(
}
circuit C {
  P = G[1]
  record y of P
}
run C for 4 ms  dt = )" + dt_ms +
                          R"( ms
)");
  CHECK(ir_contains(*mod, expect_solver));
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));
  auto recs = sim.state_recordings();
  return recording(recs, "y");
}

}  // namespace

TEST_CASE("numerics: RK4 converges at order 4 on the logistic equation") {
  // Nonlinear (y·y), so neuro picks rk4 on its own.
  std::vector<double> errs;
  for (const char* dt : {"0.2", "0.1", "0.05", "0.025"}) {
    auto r = run_logistic(dt, "", "solver rk4");
    REQUIRE(!r.times.empty());
    CHECK(r.times.back() == doctest::Approx(4e-3).epsilon(1e-12).scale(0));
    errs.push_back(std::fabs(r.values.back() - logistic(r.times.back())));
  }
  for (size_t k = 0; k + 1 < errs.size(); ++k) {
    const double order = std::log2(errs[k] / errs[k + 1]);
    MESSAGE("error " << errs[k] << " → " << errs[k + 1] << ": observed order " << order);
    CHECK(order >= 3.7);
    CHECK(order <= 4.3);
  }
  CHECK(errs.back() / kK < 1e-7);
}

TEST_CASE("numerics: rk45 reaches 1e-6 relative accuracy at a coarse step") {
  // dt = τ: a single RK4 step per dt is far off (see below); the adaptive
  // Dormand–Prince substeps must still track the closed form.
  auto r = run_logistic("1", "solver rk45", "solver rk45");
  REQUIRE(r.times.size() == 5);
  double worst = 0;
  for (size_t s = 0; s < r.times.size(); ++s)
    worst = std::max(worst, rel_err(r.values[s], logistic(r.times[s])));
  MESSAGE("rk45 at dt = tau: worst relative error " << worst);
  // The controller's tolerance is rtol = 1e-6 per substep (runge_kutta.cpp);
  // the 5th-order solution it keeps must stay within that globally here.
  CHECK(worst < 1e-6);
  // For scale: fixed-step RK4 at the same dt is much worse.
  auto coarse = run_logistic("1", "solver rk4", "solver rk4");
  CHECK(rel_err(coarse.values.back(), logistic(coarse.times.back())) > 1e-4);
}

// ---------------------------------------------------------------------------
// Exponential Euler on a conditionally linear (COBA-like) system: each step is
//   v ← −B/A + (v + B/A)·e^{A·dt},  A = −(g_L + ge)/C,  B = (g_L·E_L + ge·E_e)/C
//   ge ← ge·e^{−dt/τ_e}
// with A and B taken at the start of the step.

TEST_CASE(
    "numerics: exponential Euler step equals its closed form on a conditionally linear system") {
  auto mod = compile_text(R"(
neuron Cond {
  param C = 200 pF;   param g_L = 10 nS
  param E_L = -60 mV; param E_e = 0 mV;  param tau_e = 5 ms
  state v = -70 mV
  state ge = 50 nS
  dv/dt = (g_L * (E_L - v) + ge * (E_e - v)) / C
  dge/dt = -ge / tau_e
}
circuit Cc {
  P = Cond[1]
  record v, ge of P
}
run Cc for 0.5 ms  dt = 0.1 ms
)");
  CHECK(ir_contains(*mod, "solver expeuler"));
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));
  auto recs = sim.state_recordings();
  const auto& v = recording(recs, "v");
  const auto& ge = recording(recs, "ge");
  REQUIRE(v.times.size() == 6);
  REQUIRE(ge.times.size() == 6);
  const double C = 200e-12, g_L = 10e-9, E_L = -60e-3, E_e = 0, tau_e = 5e-3, dt = 1e-4;
  double vv = -70e-3, g = 50e-9;
  CHECK(v.values[0] == doctest::Approx(vv).epsilon(1e-15).scale(0));
  CHECK(ge.values[0] == doctest::Approx(g).epsilon(1e-15).scale(0));
  for (size_t s = 1; s < 6; ++s) {
    const double A = -(g_L + g) / C, B = (g_L * E_L + g * E_e) / C;
    const double v_next = -B / A + (vv + B / A) * std::exp(A * dt);
    const double g_next = g * std::exp(-dt / tau_e);
    vv = v_next;
    g = g_next;
    CAPTURE(s);
    CHECK(rel_err(v.values[s], vv) < 1e-12);
    CHECK(rel_err(ge.values[s], g) < 1e-12);
  }
  // Sanity of the reference itself: the first step is not plain Euler.
  const double A0 = -(g_L + 50e-9) / C, B0 = (g_L * E_L) / C;
  CHECK(rel_err(v.values[1], -70e-3 + (A0 * -70e-3 + B0) * dt) > 1e-6);
}

TEST_CASE("numerics: exponential Euler is exact for a per-neuron constant conductance") {
  // dv/dt = g·(E − v)/C with g fixed per neuron: v(t) = E + (v0 − E)·e^{−g·t/C}.
  auto mod = compile_text(R"(
neuron Cond {
  param C = 100 pF;  param g = 5 nS;  param E = -55 mV
  state v = -80 mV
  dv/dt = g * (E - v) / C
}
circuit Cc {
  P = Cond[4] { g = (i + 1) * 5 nS }
  record v of P
}
run Cc for 20 ms  dt = 0.1 ms
)");
  CHECK(ir_contains(*mod, "solver expeuler"));
  auto sim_owned = neuro::build_simulation(mod);
  neuro::Simulation& sim = *sim_owned;
  sim.run(sim.steps_for(mod->run.duration));
  auto recs = sim.state_recordings();
  const auto& v = recording(recs, "v");
  REQUIRE(v.ids.size() == 4);
  REQUIRE(v.times.size() == 201);
  double worst = 0;
  for (size_t s = 0; s < v.times.size(); ++s)
    for (size_t q = 0; q < 4; ++q) {
      const double g = (q + 1) * 5e-9, t = static_cast<double>(s) * 1e-4;
      const double want = -55e-3 + (-80e-3 + 55e-3) * std::exp(-g * t / 100e-12);
      worst = std::max(worst, rel_err(v.values[s * 4 + q], want));
    }
  MESSAGE("expeuler, constant per-neuron g: worst relative error " << worst);
  CHECK(worst < 1e-12);
}

// ---------------------------------------------------------------------------
// Refractoriness, counted in steps. dv/dt = a / 1 ms (a constant ramp),
// threshold v > 2 mV, reset to 0, t_ref = 1.5 ms = 15 steps of 0.1 ms.
//   neuron 0: a = 7 mV → +0.7 mV per step: 0.7, 1.4, 2.1 → crosses after m = 3 steps
//   neuron 1: a = 100 mV → +10 mV per step → crosses after m = 1 step (the
//             "driven strongly" case: ISI = t_ref + dt)
// First spike at m·dt; then every (15 + m) steps: 1.8 ms and 1.6 ms. The
// ramp is linear, so every solver integrates it exactly: the expectations
// hold for all of them.

TEST_CASE(
    "numerics: ISI is the refractory period plus the time to threshold exactly in steps for every "
    "solver") {
  for (std::string solver :
       {"", "solver exact", "solver expeuler", "solver euler", "solver rk4", "solver rk45"}) {
    CAPTURE(solver);
    auto mod = compile_text(std::string(R"(
neuron Ramp {
  param a = 7 mV;  param t_ref = 1.5 ms
  state v = 0 mV
  dv/dt = a / 1 ms   unless refractory
  spike when v > 2 mV { v = 0 mV }
  refractory t_ref
  )") + solver + R"(
}
circuit C {
  P = Ramp[2] { a = if i == 0 then 7 mV else 100 mV }
  record spikes, v of P
}
run C for 10 ms  dt = 0.1 ms
)");
    auto sim_owned = neuro::build_simulation(mod);
    neuro::Simulation& sim = *sim_owned;
    sim.run(sim.steps_for(mod->run.duration));  // 100 steps
    auto spikes = sim.spike_recordings();
    REQUIRE(spikes.size() == 1);
    const int R = 15;
    for (uint32_t n : {0u, 1u}) {
      CAPTURE(n);
      const int m = n == 0 ? 3 : 1;
      std::vector<long> stamps;  // spike times in steps
      for (size_t k = 0; k < spikes[0].ids.size(); ++k)
        if (spikes[0].ids[k] == n) stamps.push_back(std::lround(spikes[0].times[k] / 1e-4));
      std::vector<long> want;
      for (long s = m; s <= 100; s += R + m) want.push_back(s);
      CHECK(stamps == want);
      // v is held at the reset value through the whole refractory period:
      // the samples stamped S … S+R are 0, the next one is one ramp step.
      auto recs = sim.state_recordings();
      const auto& v = recording(recs, "v");
      REQUIRE(v.times.size() == 101);
      for (long S : stamps) {
        for (long q = S; q <= S + R && q <= 100; ++q) {
          CAPTURE(q);
          CHECK(v.values[q * 2 + n] == 0.0);
        }
        // Neuron 0 then takes one ramp step; neuron 1 crosses in that very
        // step and is reset again (its next spike, checked above).
        if (n == 0 && S + R + 1 <= 100)
          CHECK(v.values[(S + R + 1) * 2 + n] == doctest::Approx(0.7e-3).epsilon(1e-12).scale(0));
      }
    }
  }
}
