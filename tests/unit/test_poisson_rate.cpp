// A Poisson source fires at most once per step, so rate·dt > 1 is an error
// (ir/check_poisson_rates.cpp): before the run for a constant rate, at the
// step where it happens for one that varies, on both backends alike.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"

using namespace neuro;

namespace {

// The model text compiled with `options` (its diagnostics, errors or not).
std::unique_ptr<driver::Compiled> compile_rates(const std::string& text,
                                                const ir::PipelineOptions& options = {}) {
  static std::atomic<int> counter{0};
  auto path =
      std::filesystem::temp_directory_path() /
      ("neuro_rates_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".neuro");
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  auto c = driver::compile_file(path.string(), options, false);
  std::filesystem::remove(path);
  return c;
}

const frontend::Diagnostic* first_error(const driver::Compiled& c) {
  for (const auto& d : c.diags.list())
    if (d.severity == frontend::Severity::Error) return &d;
  return nullptr;
}

}  // namespace

// 20 kHz at dt = 0.1 ms is 2 spikes per step; 10 kHz is exactly one (it
// fires in every step, as asked); 2 kHz is 0.2, and 2 at dt = 1 ms.
TEST_CASE("poisson rate: a constant rate with rate·dt > 1 is E0400 at the rate, before the run") {
  const std::string text = R"(circuit C {
  Fast = poisson[3] { rate = 20 kHz }
  Full = poisson[3] { rate = 10 kHz }
}
run C for 1 ms  dt = 0.1 ms
)";
  auto c = compile_rates(text);
  REQUIRE(c->diags.error_count() == 1);
  const frontend::Diagnostic& d = *first_error(*c);
  CHECK(d.code == frontend::Code::BadValue);
  CHECK(d.range.line == 2);
  CHECK(d.range.col + 1 == 30);  // `20 kHz`
  CHECK(d.message.find("rate·dt = 2 ") != std::string::npos);
  CHECK(d.hint.find("drive P.I += w * poisson(rate * dt)") != std::string::npos);

  auto ok = compile_rates("circuit C { Slow = poisson[3] { rate = 2 kHz } }\nrun C for 1 ms\n");
  CHECK_FALSE(ok->diags.has_errors());
  ir::PipelineOptions coarse;
  coarse.overrides.dt = 1e-3;  // `neuro run --dt 1ms`
  auto c2 =
      compile_rates("circuit C { Slow = poisson[3] { rate = 2 kHz } }\nrun C for 1 ms\n", coarse);
  REQUIRE(c2->diags.error_count() == 1);
  CHECK(first_error(*c2)->message.find("rate·dt = 2 ") != std::string::npos);
}

// Neuron k's rate is 1 Hz + k·5 kHz·(t/1 ms), read at t_n = n·0.1 ms:
// rate·dt = 1e-4 + k·0.05·n. Neuron 3 passes 1 first, at n = 7 (1.0501),
// while neuron 2 is at 0.7001: the run stops in step 7, at t = 0.7 ms, with
// 7 steps done. The population it drives runs in generated code on the JIT.
TEST_CASE(
    "poisson rate: a varying rate stops the run where rate·dt first exceeds 1, on both "
    "backends") {
  auto c = compile_rates(R"(neuron L {
  state v = 0 mV
  dv/dt = -v / 10 ms
  spike when v > 1 mV { v = 0 mV }
}
synapse S { on pre { post.v += 0.5 mV } }
circuit C {
  Ramp = poisson[4] { rate = 1 Hz + i * 5 kHz * (t / 1 ms) }
  P = L[4]
  connect Ramp -> P via S  one_to_one
}
run C for 2 ms  dt = 0.1 ms
)");
  REQUIRE_FALSE(c->diags.has_errors());
  std::string what[2];
  int k = 0;
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    CAPTURE(backend_name(b));
    auto sim = build_simulation(c->module);
    if (b == Backend::Jit) REQUIRE(use_backend(*sim, b, 20).jit);
    bool threw = false;
    try {
      sim->run(20);
    } catch (const SimulationError& e) {
      threw = true;
      what[k] = e.what();
      CHECK(e.line == 8);
      CHECK(e.column + 1 == 30);  // the rate expression
      CHECK(what[k].find("neuron 3 of `Ramp` at t = 0.7 ms") != std::string::npos);
      CHECK(what[k].find("rate·dt = 1.0501 ") != std::string::npos);
    }
    CHECK(threw);
    CHECK(sim->step_index() == 7);
    ++k;
  }
  CHECK(what[0] == what[1]);
}
