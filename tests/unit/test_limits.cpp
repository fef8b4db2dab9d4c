// Times and step counts are checked the same way wherever they come from —
// the command line, the REPL, the C++ and C APIs (driver::dt_problem,
// duration_problem, steps_problem): a time that is not a finite decimal
// number, a dt over 1 s, or a run past 10^12 steps is refused up front with
// a message, instead of simulating 0 s, overflowing or growing until the
// process is killed; a refused option changes nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "cli/repl_session.h"
#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/engine.h"
#include "neuro/neuro.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/leaky_model.h"
#include "tests/unit/shell.h"

namespace {

neuro::testing::ShellResult run_neuro(const std::string& args) {
  return neuro::testing::run_shell(fmt::format("{} {}", NEURO_BINARY, args));
}

const std::string kCuba = std::string(NEURO_SOURCE_DIR) + "/examples/cuba.neuro";

}  // namespace

TEST_CASE("limits: times are decimal numbers with a time unit, not inf, nan or hex") {
  using neuro::driver::parse_duration;
  CHECK(parse_duration("500ms") == doctest::Approx(0.5));
  CHECK(parse_duration(" 0.5 s ") == doctest::Approx(0.5));
  CHECK(parse_duration("2") == doctest::Approx(2.0));
  CHECK(parse_duration("1e-4 s") == doctest::Approx(1e-4));
  CHECK(parse_duration(".5ms") == doctest::Approx(5e-4));
  for (const char* bad : {"inf", "-inf s", "nan", "0x10", "0x1p3 s", "1e309", "", "ms", "5 mV"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("limits: the command line refuses a dt or a duration it cannot run") {
  for (const char* args :
       {"--dt inf", "--dt 0x10", "--dt 1e300s", "--duration 1e12ms", "--duration 9.3e14s",
        "--dt 0.1ms --duration 1e300s", "--duration nan"}) {
    CAPTURE(args);
    auto r = run_neuro("run " + kCuba + " " + args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());  // nothing simulated
    CHECK(r.err.find("error[E0603]") != std::string::npos);
  }
  CHECK(run_neuro("run " + kCuba + " --duration 1e12ms").err.find("more than 10^12 steps") !=
        std::string::npos);
  CHECK(run_neuro("run " + kCuba + " --dt 1e300s").err.find("longer than 1 s") !=
        std::string::npos);
}

TEST_CASE("limits: the REPL refuses `:run inf`, `:run 1e300 s` and `:step 10^15`") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  s.feed("neuron D { state x = 1 mV\n dx/dt = -x / 20 ms }\n");
  s.feed("circuit C { P = D[1] }\n");
  s.feed("run C for 1 ms\n");
  REQUIRE(err.empty());
  REQUIRE(s.simulation());
  const uint64_t at = s.simulation()->step_index();
  for (const char* line : {":run inf\n", ":run 1e300 s\n", ":step 1000000000000000\n",
                           ":set dt 2 s\n", ":set dt nan\n"}) {
    CAPTURE(line);
    err.clear();
    s.feed(line);
    CHECK(err.find("error[E0603]") != std::string::npos);
  }
  CHECK(s.simulation()->step_index() == at);
}

TEST_CASE("limits: the APIs refuse step counts past 10^12 and a bad dt changes nothing") {
  neuro::Engine e;
  REQUIRE(e.load_text(neuro::testing::kLeakyModel) == neuro::Status::Ok);
  neuro::BuildOptions bad;
  bad.dt = std::numeric_limits<double>::quiet_NaN();
  CHECK(e.build(bad) == neuro::Status::UsageError);
  bad.dt = std::numeric_limits<double>::infinity();
  CHECK(e.build(bad) == neuro::Status::UsageError);
  // The refused dt was not kept: the next build uses the model's.
  REQUIRE(e.build({}) == neuro::Status::Ok);
  CHECK(e.dt() == doctest::Approx(1e-4));
  CHECK(e.step(UINT64_MAX) == neuro::Status::UsageError);
  CHECK(e.run(1e300) == neuro::Status::UsageError);
  CHECK(e.step_index() == 0);
  CHECK(e.step(10) == neuro::Status::Ok);

  neuro_engine* c = neuro_new(nullptr);
  REQUIRE(c);
  REQUIRE(neuro_load_text(c, neuro::testing::kLeakyModel, nullptr) == NEURO_OK);
  REQUIRE(neuro_build(c, nullptr) == NEURO_OK);
  CHECK(neuro_step(c, UINT64_MAX) == NEURO_USAGE_ERROR);
  uint64_t steps = 1;
  REQUIRE(neuro_step_index(c, &steps) == NEURO_OK);
  CHECK(steps == 0);
  neuro_free(c);
}

// What cannot fit is refused before it is allocated, at the construct that
// asks for it, with the estimate; a time that is not a number or beyond
// 10^12 steps says so (it used to read as "negative").
TEST_CASE("limits: connections, delays and recordings too large for memory are refused up front") {
  auto build_error = [](const std::string& circuit, const char* run = "1 s") -> std::string {
    auto mod = neuro::testing::compile_text(
        "neuron A { state v = 0 mV\n  dv/dt = -v / 10 ms }\n"
        "synapse S { param w = 1 mV; on pre { post.v += w } }\n" +
        circuit + "\nrun C for " + run + "\n");
    try {
      neuro::build_simulation(mod);
    } catch (const neuro::SimulationError& e) {
      CHECK(e.line > 0);  // located
      return e.what();
    }
    return "";
  };
  // 10^12 synapses: terabytes on any machine.
  CHECK(build_error("circuit C { P = A[1000000]\n connect P -> P via S all_to_all }")
            .find("this connection (1e+12 synapses) needs about") != std::string::npos);
  // 10^12 steps of spike history.
  CHECK(build_error("circuit C { P = A[10]\n connect P -> P via S all_to_all delay = 1e8 s }")
            .find("a delay of 100000000 s") != std::string::npos);
  CHECK(build_error("circuit C { P = A[10]\n connect P -> P via S all_to_all delay = 1e300 s }")
            .find("the delay of 1e+300 s is too large: more than 10^12 steps") !=
        std::string::npos);
  CHECK(build_error(
            "circuit C { P = A[10]\n connect P -> P via S all_to_all delay = sqrt(-1) * 1 ms }")
            .find("the delay is not a number") != std::string::npos);
  // A recording of 10^5 neurons every step for 1000 s: 8 TB.
  CHECK(build_error("circuit C { P = A[100000]\n record v of P }", "1000 s")
            .find("recording 1 value of 100000 neurons over 1000 s needs about") !=
        std::string::npos);
}
