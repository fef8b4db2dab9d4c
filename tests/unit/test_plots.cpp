// Plots (SVG) and their ticks, and the `neuro run --format/--plot` and
// `neuro plot` commands.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "io/npy.h"
#include "io/svg_plot.h"
#include "io/ticks.h"
#include "tests/unit/io_fixtures.h"
#include "tests/unit/shell.h"

namespace fs = std::filesystem;
using namespace neuro;
using neuro::testing::count;
using neuro::testing::scratch;
using neuro::testing::slurp;
using neuro::testing::small_spikes;
using neuro::testing::small_state;

namespace {

// The `d` of the first <path> whose attributes contain `cls`.
std::string path_data(const std::string& svg, const std::string& cls) {
  auto at = svg.find("<path " + cls);
  if (at == std::string::npos) return "";
  auto d = svg.find(" d=\"", at) + 4;
  return svg.substr(d, svg.find('"', d) - d);
}

using Cmd = neuro::testing::ShellResult;

Cmd neuro_cmd(const std::string& args) {
  return neuro::testing::run_shell(fmt::format("{} {}", NEURO_BINARY, args));
}

void check_golden(const std::string& name, const std::string& svg) {
  fs::path golden = fs::path(NEURO_SOURCE_DIR) / "tests" / "golden_svg" / name;
  if (std::getenv("NEURO_UPDATE_GOLDEN")) std::ofstream(golden, std::ios::binary) << svg;
  CAPTURE(golden.string());
  REQUIRE_MESSAGE(fs::exists(golden), "missing; regenerate with NEURO_UPDATE_GOLDEN=1");
  CHECK_MESSAGE(slurp(golden) == svg,
                "differs from the golden file; if the change is intended, regenerate with "
                "NEURO_UPDATE_GOLDEN=1 ./build/tests/neuro_tests -tc='io: golden*' and look at it");
}

}  // namespace

// ---------------------------------------------------------------- ticks

TEST_CASE("io: nice ticks use 1-2-5 steps and labels with the decimals they need") {
  CHECK(io::nice_step(0.3) == doctest::Approx(0.5));
  CHECK(io::nice_step(7) == doctest::Approx(10));
  CHECK(io::nice_step(2) == doctest::Approx(2));
  auto t = io::nice_ticks(0, 1000, 8);
  CHECK(t.step == doctest::Approx(100));
  CHECK(t.values.size() == 11);
  CHECK(t.decimals == 0);
  auto v = io::nice_ticks(-87, 35, 6);
  CHECK(v.step == doctest::Approx(20));
  CHECK(v.values.front() == doctest::Approx(-80));
  CHECK(v.values.back() == doctest::Approx(20));
  auto f = io::nice_ticks(0.35, 2.8, 8);
  CHECK(f.step == doctest::Approx(0.5));
  CHECK(f.decimals == 1);
  CHECK(io::format_fixed(f.values[0], f.decimals) == "0.5");
  auto ids = io::nice_ticks(0, 2, 6, 1);  // neuron ids: never a step below 1
  CHECK(ids.step == 1);
  CHECK(ids.values.size() == 3);
  CHECK(io::format_fixed(-0.0001, 2) == "0.00");
  CHECK(io::format_fixed(-1.5, 1) == "-1.5");
}

// ---------------------------------------------------------------- SVG

TEST_CASE("io: raster plot has one mark per spike, axes with units and tick labels") {
  auto r = small_spikes();
  io::PlotOptions o;
  o.t_end_s = 0.02;
  o.population_size = 3;
  std::string svg = io::raster_svg(r, o);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(count(svg, "<svg ") == 1);
  CHECK(count(path_data(svg, "class=\"spikes\""), "M") == r.ids.size());
  CHECK(svg.find(">time (ms)</text>") != std::string::npos);
  CHECK(svg.find(">neuron id</text>") != std::string::npos);
  CHECK(svg.find(">P: spikes</text>") != std::string::npos);
  for (const char* tick :
       {">0</text>", ">4</text>", ">10</text>", ">16</text>", ">20</text>", ">2</text>"})
    CHECK_MESSAGE(svg.find(tick) != std::string::npos, tick);
  CHECK(io::raster_svg(r, o) == svg);  // deterministic
  // Many spikes: still one mark each.
  SpikeRecording big;
  big.population = "Big";
  for (uint32_t k = 0; k < 5000; ++k) {
    big.ids.push_back(k % 977);
    big.times.push_back(1e-4 * (k + 1));
  }
  CHECK(count(path_data(io::raster_svg(big), "class=\"spikes\""), "M") == 5000);
  SpikeRecording none;
  none.population = "E";
  CHECK(io::raster_svg(none).find(">no spikes</text>") != std::string::npos);
}

TEST_CASE("io: rate plot bins spikes into Hz per neuron") {
  CHECK(io::rate_bin_s(1.0, 1e-4) == doctest::Approx(0.01).epsilon(1e-12).scale(0));
  CHECK(io::rate_bin_s(0.2, 1e-4) == doctest::Approx(0.002).epsilon(1e-12).scale(0));
  // Never below the step.
  CHECK(io::rate_bin_s(0.003, 5e-4) == doctest::Approx(5e-4).epsilon(1e-12).scale(0));
  SpikeRecording r;
  r.population = "P";
  for (int k = 1; k <= 10; ++k) {  // 10 spikes in (0, 10] ms, none in (10, 20] ms
    r.ids.push_back(0);
    r.times.push_back(k * 1e-3);
  }
  io::PlotOptions o;
  o.t_end_s = 0.02;
  o.population_size = 2;
  o.bin_s = 0.01;
  std::string svg = io::rate_svg(r, o);
  CHECK(svg.find(">rate (Hz)</text>") != std::string::npos);
  CHECK(svg.find("mean 250 Hz, 10 ms bins, 10 spikes, 2 neurons") != std::string::npos);
  // The first bin is 10 spikes / 2 neurons / 10 ms = 500 Hz: the step path
  // rises to the 500 Hz tick's height and drops back to 0 after 10 ms.
  auto tick = svg.find(">500</text>");
  REQUIRE(tick != std::string::npos);
  auto y_at = svg.rfind("y=\"", tick) + 3;
  double label_y = std::stod(svg.substr(y_at, svg.find('"', y_at) - y_at));
  std::string d = path_data(svg, "class=\"rate\"");
  std::smatch m;
  REQUIRE(
      std::regex_search(d, m, std::regex("^M[-0-9.]+ [-0-9.]+V([-0-9.]+)H[-0-9.]+V([-0-9.]+)")));
  // The tick label sits 0.36 of its 11 px size below its line; both numbers
  // are printed to 2 decimals (svg_num), so they agree to 2 × 0.005 px.
  CHECK(std::abs(std::stod(m[1]) - (label_y - 11 * 0.36)) <= 0.01 + 1e-9);
}

TEST_CASE("io: state traces: one line per neuron up to the limit, unit on the axis") {
  std::string svg = io::traces_svg(small_state(3, 11));
  CHECK(count(svg, "class=\"trace\"") == 3);
  CHECK(svg.find(">v (mV)</text>") != std::string::npos);
  CHECK(svg.find(">id 4</text>") != std::string::npos);  // legend
  CHECK(count(path_data(svg, "class=\"trace\" data-id=\"0\""), "L") == 10);
  auto many = io::traces_svg(small_state(30, 4));
  CHECK(count(many, "class=\"trace\"") == 20);
  CHECK(many.find("first 20 of 30 recorded neurons") != std::string::npos);
  // Long recordings are thinned per pixel column, keeping the extremes.
  auto longer = small_state(1, 20000);
  longer.values[12345] = 0.05;  // a 50 mV peak in one sample
  std::string l = io::traces_svg(longer);
  CHECK(l.size() < 60000);
  CHECK(l.find(">40</text>") != std::string::npos);  // the axis reaches the peak
}

TEST_CASE("io: weight histogram") {
  std::vector<double> w;
  for (int k = 0; k < 100; ++k) w.push_back(1.0 + 0.01 * k);
  std::string svg = io::weight_histogram_svg(w, "mV");
  CHECK(svg.find(">weight (mV)</text>") != std::string::npos);
  CHECK(svg.find(">synapses</text>") != std::string::npos);
  CHECK(svg.find("100 synapses, bins of 0.1 mV") != std::string::npos);
  CHECK(count(path_data(svg, "class=\"bars\""), "M") == 10);
  std::string same = io::weight_histogram_svg(std::vector<double>(5, -9.0), "mV");
  CHECK(count(path_data(same, "class=\"bars\""), "M") == 1);
  CHECK(io::weight_histogram_svg({}, "nS").find(">no weights</text>") != std::string::npos);
}

TEST_CASE("io: golden SVGs (regenerate with NEURO_UPDATE_GOLDEN=1, then look at them)") {
  io::PlotOptions o;
  o.t_end_s = 0.02;
  o.population_size = 3;
  o.dt_s = 1e-4;
  o.width = 480;
  o.height = 300;
  check_golden("raster_small.svg", io::raster_svg(small_spikes(), o));
  check_golden("rate_small.svg", io::rate_svg(small_spikes(), o));
  check_golden("traces_small.svg", io::traces_svg(small_state(2, 11), o));
  check_golden("weights_small.svg",
               io::weight_histogram_svg({0.5, 0.7, 0.72, 0.9, 1.1, 1.12, 1.15, 1.4}, "nS", o));
}

// ---------------------------------------------------------------- CLI

TEST_CASE("cli: run --format npy --plot writes NPY files and SVGs; neuro plot redraws the same") {
  auto dir = scratch("cli_plot");
  const std::string model = std::string(NEURO_SOURCE_DIR) + "/examples/izhikevich.neuro";
  auto r = neuro_cmd(fmt::format("run {} --duration 100ms --format npy --out {} --plot {}", model,
                                 (dir / "rec").string(), (dir / "plots").string()));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.err.find('\r') == std::string::npos);  // no progress bar when stderr is not a terminal
  for (const char* f : {"P_spikes_id.npy", "P_spikes_t_ms.npy", "P_v.npy", "P_v_t_ms.npy",
                        "P_v_id.npy", "recordings.tsv"})
    CHECK_MESSAGE(fs::exists(dir / "rec" / f), f);
  for (const char* f : {"P_raster.svg", "P_rate.svg", "P_v.svg"})
    CHECK_MESSAGE(fs::exists(dir / "plots" / f), f);
  CHECK(r.out.find("wrote " + (dir / "plots" / "P_v.svg").string()) != std::string::npos);
  auto v = io::read_npy((dir / "rec" / "P_v.npy").string());
  CHECK(v.shape == std::vector<size_t>{1001, 4});  // every 0.1 ms from 0 to 100 ms, 4 neurons
  // The sample at t = 0 is Izhikevich's initial v = -70 mV, in the display unit.
  CHECK(v.values[0] == doctest::Approx(-70).epsilon(1e-12).scale(0));

  auto p = neuro_cmd(fmt::format("plot {}", (dir / "rec").string()));
  REQUIRE_MESSAGE(p.status == 0, p.err);
  for (const char* f : {"P_raster.svg", "P_rate.svg", "P_v.svg"})
    CHECK_MESSAGE(slurp(dir / "rec" / f) == slurp(dir / "plots" / f), f);
  auto q = neuro_cmd(fmt::format("plot {} --out {}", (dir / "rec" / "P_spikes_id.npy").string(),
                                 (dir / "one").string()));
  REQUIRE_MESSAGE(q.status == 0, q.err);
  CHECK(fs::exists(dir / "one" / "P_raster.svg"));
  CHECK_FALSE(fs::exists(dir / "one" / "P_v.svg"));

  // The same from CSV.
  auto c = neuro_cmd(fmt::format("run {} --duration 100ms --out {} --plot {}", model,
                                 (dir / "csv").string(), (dir / "csv_plots").string()));
  REQUIRE(c.status == 0);
  REQUIRE(neuro_cmd(fmt::format("plot {}", (dir / "csv").string())).status == 0);
  CHECK(slurp(dir / "csv" / "P_v.svg") == slurp(dir / "csv_plots" / "P_v.svg"));
  CHECK(slurp(dir / "csv" / "P_raster.svg") == slurp(dir / "csv_plots" / "P_raster.svg"));
  fs::remove_all(dir);
}

TEST_CASE("cli: plot and --format errors") {
  auto dir = scratch("cli_plot_err");
  const std::string model = std::string(NEURO_SOURCE_DIR) + "/examples/izhikevich.neuro";
  CHECK(neuro_cmd("run " + model + " --format xml").status == 2);
  CHECK(neuro_cmd("run " + model + " --plot").status == 2);
  CHECK(neuro_cmd("plot").status == 2);
  CHECK(neuro_cmd("plot --frob x").status == 2);
  auto missing = neuro_cmd("plot " + (dir / "nope.csv").string());
  CHECK(missing.status == 1);
  CHECK(missing.err.find("nope.csv") != std::string::npos);
  auto empty = neuro_cmd("plot " + dir.string());
  CHECK(empty.status == 1);
  CHECK(empty.err.find("no recordings") != std::string::npos);
  REQUIRE(
      neuro_cmd(fmt::format("run {} --duration 20ms --format npy --out {}", model, dir.string()))
          .status == 0);
  std::ofstream(dir / "P_v.npy", std::ios::binary) << "\x93NUMPY\x01";
  auto bad = neuro_cmd("plot " + dir.string());
  CHECK(bad.status == 1);
  CHECK(bad.err.find("P_v.npy") != std::string::npos);
  fs::remove_all(dir);
}
