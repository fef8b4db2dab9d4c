// The rate and CV of inter-spike intervals that `neuro run` reports for
// recorded populations, and `record … from T`, against hand-computed values.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "driver/driver.h"
#include "driver/summary.h"
#include "interpreter/build_simulation.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/shell.h"

namespace {

using namespace neuro;

// Three generator neurons with known spikes (ms): neuron 0 at 1, 3, 4, 7;
// neuron 1 at 2.5 and 5; neuron 2 at 0.5. The run lasts 10 ms.
std::string generator_model(const std::string& record) {
  return R"(
circuit G3 {
  G = spike_generator[3] {
    spikes = [(0, 1 ms), (0, 3 ms), (0, 4 ms), (0, 7 ms), (1, 2.5 ms), (1, 5 ms), (2, 0.5 ms)]
  }
  )" + record +
         R"(
}
run G3 for 10 ms
)";
}

driver::PopulationReport report_of(const std::string& record) {
  auto sim = build_simulation(testing::compile_text(generator_model(record)));
  sim->run(sim->steps_for(0.01));
  auto reports = driver::population_reports(*sim);
  REQUIRE(reports.size() == 1);
  return reports[0];
}

}  // namespace

TEST_CASE("spike stats: CV of ISIs is the mean of per-neuron CVs, std over N") {
  // Regular spikes: every interval equal.
  CHECK(*driver::mean_cv_isi({{1, 2, 3, 4}}) == doctest::Approx(0.0));
  // ISIs 1 and 2: mean 1.5, standard deviation 0.5.
  CHECK(*driver::mean_cv_isi({{0, 1, 3}}) == doctest::Approx(1.0 / 3));
  // ISIs 2, 1, 4: mean 7/3, variance (1 + 16 + 25) / 9 / 3 = 14/9; a
  // neuron with one interval and one with none do not count.
  const double cv2 = std::sqrt(14.0) / 7;
  CHECK(*driver::mean_cv_isi({{0, 1, 3}, {0, 2, 3, 7}, {5, 6}, {}}) ==
        doctest::Approx((1.0 / 3 + cv2) / 2));
  CHECK_FALSE(driver::mean_cv_isi({{1, 2}, {3}, {}}).has_value());
  CHECK_FALSE(driver::mean_cv_isi({}).has_value());
}

TEST_CASE("spike stats: rate and CV of a generator over the whole run") {
  const auto r = report_of("record spikes of G");
  CHECK(r.recorded);
  CHECK(r.recorded_neurons == 3);
  CHECK(r.recorded_spikes == 7);
  CHECK(r.from_s == 0);
  CHECK(r.to_s == doctest::Approx(0.01));
  CHECK(r.rate_hz == doctest::Approx(7 / (3 * 0.01)));
  // Only neuron 0 has two intervals or more: 2, 1, 3 ms, mean 2, std √(2/3).
  REQUIRE(r.cv_isi);
  CHECK(*r.cv_isi == doctest::Approx(std::sqrt(2.0 / 3) / 2));
}

TEST_CASE("spike stats: `from` leaves out the spikes before it") {
  // From 2.5 ms: neuron 0 at 3, 4, 7; neuron 1 at 2.5 (the start counts)
  // and 5; neuron 2 none. 5 spikes of 3 neurons in 7.5 ms.
  const auto r = report_of("record spikes of G from 2.5 ms");
  CHECK(r.recorded_spikes == 5);
  CHECK(r.spikes == 7);  // the population's own count is the whole run's
  CHECK(r.from_s == doctest::Approx(0.0025));
  CHECK(r.rate_hz == doctest::Approx(5 / (3 * 0.0075)));
  REQUIRE(r.cv_isi);
  CHECK(*r.cv_isi == doctest::Approx(0.5));  // intervals 1 and 3 ms
  // A slice: neurons 1 and 2 only, neither with two intervals.
  const auto s = report_of("record spikes of G[1:3] every 1 ms from 2.5 ms");
  CHECK(s.recorded_neurons == 2);
  CHECK(s.recorded_spikes == 2);
  CHECK(s.rate_hz == doctest::Approx(2 / (2 * 0.0075)));
  CHECK_FALSE(s.cv_isi.has_value());
  // Nothing after the end of the run.
  const auto late = report_of("record spikes of G from 20 ms");
  CHECK(late.recorded_spikes == 0);
  CHECK(late.rate_hz == 0);
}

TEST_CASE("spike stats: the recorded spikes start at `from`") {
  auto sim = build_simulation(
      testing::compile_text(generator_model("record spikes of G from 3 ms\n  record spikes of G")));
  sim->run(sim->steps_for(0.01));
  const auto recs = sim->spike_recordings();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].times.size() == 4);  // 3, 4, 7 and 5 ms
  for (double t : recs[0].times) CHECK(t >= 0.003 - 1e-12);
  CHECK(recs[1].times.size() == 7);
}

TEST_CASE("spike stats: variables are sampled from `from` on, every interval") {
  auto sim = build_simulation(testing::compile_text(R"(
neuron Clock { state x = 0; dx/dt = 1 / (1 s) }
circuit C {
  P = Clock[2]
  record x of P every 1 ms from 2 ms
}
run C for 5 ms
)"));
  sim->run(sim->steps_for(0.005));
  const auto states = sim->state_recordings();
  REQUIRE(states.size() == 1);
  // Samples at 2, 3, 4 and 5 ms; x is the time in seconds.
  REQUIRE(states[0].times.size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    CHECK(states[0].times[k] == doctest::Approx(0.002 + 0.001 * k));
    CHECK(states[0].values[2 * k] == doctest::Approx(0.002 + 0.001 * k));
  }
}

TEST_CASE("spike stats: `from` is a constant time from 0 on") {
  auto diags_of = [](const std::string& record) {
    auto c = driver::load_text("from.neuro", generator_model(record));
    return frontend::render_all(c->diags, c->sources);
  };
  CHECK(diags_of("record spikes of G from -1 ms").find("error[E0400]") != std::string::npos);
  CHECK(diags_of("record spikes of G from 3").find("error[E0201]") != std::string::npos);
  CHECK(diags_of("record spikes of G from 1 mV").find("error[E0200]") != std::string::npos);
  CHECK(diags_of("record spikes of G from 1 ms from 2 ms").find("error[E0402]") !=
        std::string::npos);
  // `from` is no keyword: it still names a constant.
  CHECK(diags_of("const from = 2 ms\n  record spikes of G from from") == "");
  // After a bare number `from` is not read as its unit.
  const std::string bare = diags_of("record spikes of G every 1 from 1 ms");
  CHECK(bare.find("error[E0201]") != std::string::npos);
  CHECK(bare.find("error[E0101]") == std::string::npos);
}

TEST_CASE("spike stats: neuro run --json reports rate_hz, cv_isi and the window") {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("neuro_spike_stats_{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "g.neuro") << generator_model("record spikes of G from 2.5 ms");
  auto r = testing::run_shell(fmt::format("{} run {} --backend vm --json --out {}", NEURO_BINARY,
                                          (dir / "g.neuro").string(), (dir / "out").string()));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("\"G\":{\"size\":3,\"spikes\":7,\"rate_hz\":") != std::string::npos);
  CHECK(r.out.find("\"cv_isi\":0.5,\"recorded\":{\"neurons\":3,\"from_s\":0.0025,\"to_s\":0.01,"
                   "\"spikes\":5}") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("\"rate_hz\":([0-9.e+-]+)")));
  CHECK(std::stod(m[1]) == doctest::Approx(5 / (3 * 0.0075)).epsilon(1e-8));
  // The file holds the 5 spikes from 2.5 ms on.
  const std::string csv = testing::slurp(dir / "out" / "G_spikes.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 6);
  std::filesystem::remove_all(dir);
}
