// Recordings as files (CSV, NPY) and plots (SVG), the progress bar, and the
// `neuro run --format/--plot` and `neuro plot` commands.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/shell.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "driver/output.h"
#include "io/npy.h"
#include "io/progress.h"
#include "io/recording_files.h"
#include "io/svg_plot.h"
#include "io/ticks.h"
#include "tests/unit/compile_text.h"

namespace fs = std::filesystem;
using namespace neuro;

namespace {

fs::path scratch(const char* name) {
  auto d = fs::temp_directory_path() / fmt::format("neuro_io_{}_{}", name, ::getpid());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

using neuro::testing::slurp;

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

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

// A small, fixed recording: 3 neurons over 20 ms.
SpikeRecording small_spikes() {
  SpikeRecording r;
  r.population = "P";
  r.ids = {0, 2, 1, 0, 2, 2, 1};
  r.times = {0.0021, 0.0035, 0.0062, 0.0104, 0.0105, 0.0151, 0.0199};
  return r;
}

StateRecording small_state(size_t neurons = 2, size_t samples = 11) {
  StateRecording r;
  r.population = "P";
  r.variable = "v";
  r.unit = "mV";
  r.unit_scale = 1e-3;
  for (size_t k = 0; k < neurons; ++k) r.ids.push_back(static_cast<uint32_t>(2 * k));
  for (size_t s = 0; s < samples; ++s) {
    r.times.push_back(static_cast<double>(s) * 0.002);
    for (size_t k = 0; k < neurons; ++k)
      r.values.push_back(
          (-65.0 + 10.0 * std::sin(0.5 * static_cast<double>(s) + static_cast<double>(k))) * 1e-3);
  }
  return r;
}

bool numpy_available() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
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

// ---------------------------------------------------------------- NPY

TEST_CASE("io: NPY header is version 1.0, padded to 64 bytes and ends in a newline") {
  std::string b = io::npy_bytes(std::vector<double>{1.5, -2, 3}, {3});
  REQUIRE(b.size() > 10);
  CHECK(b.compare(0, 6, "\x93NUMPY") == 0);
  CHECK(b[6] == 1);
  CHECK(b[7] == 0);
  size_t hlen = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  CHECK((10 + hlen) % 64 == 0);
  CHECK(b[10 + hlen - 1] == '\n');
  CHECK(b.size() == 10 + hlen + 3 * 8);
  CHECK(b.substr(10, hlen).rfind("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 0) ==
        0);
  std::string m = io::npy_bytes(std::vector<uint32_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(m.find("'descr': '<u4'") != std::string::npos);
  CHECK(m.find("'shape': (2, 3), }") != std::string::npos);
  std::string e = io::npy_bytes(std::vector<int64_t>{}, {0});
  CHECK(e.find("'descr': '<i8'") != std::string::npos);
  CHECK(e.find("'shape': (0,), }") != std::string::npos);
  CHECK_THROWS_AS(io::npy_bytes(std::vector<double>{1, 2}, {3}), std::invalid_argument);
}

TEST_CASE("io: NPY round trip through files for f8, u4 and i8") {
  auto dir = scratch("npy");
  std::string err;
  std::vector<double> f = {0.1, -2.5e-300, 1e300, -0.0, 42};
  REQUIRE(io::write_file((dir / "f.npy").string(), io::npy_bytes(f, {5}), err));
  auto a = io::read_npy((dir / "f.npy").string());
  CHECK(a.descr == "<f8");
  CHECK(a.shape == std::vector<size_t>{5});
  CHECK(a.values == f);
  std::vector<uint32_t> u = {0, 1, 4294967295u, 7, 8, 9};
  REQUIRE(io::write_file((dir / "u.npy").string(), io::npy_bytes(u, {3, 2}), err));
  auto b = io::read_npy((dir / "u.npy").string());
  CHECK(b.descr == "<u4");
  CHECK(b.shape == std::vector<size_t>{3, 2});
  REQUIRE(b.size() == 6);
  CHECK(b.values[2] == 4294967295.0);
  std::vector<int64_t> i = {-3, 0, 1LL << 40};
  REQUIRE(io::write_file((dir / "i.npy").string(), io::npy_bytes(i, {3}), err));
  auto c = io::read_npy((dir / "i.npy").string());
  CHECK(c.descr == "<i8");
  CHECK(c.values == std::vector<double>{-3, 0, static_cast<double>(1LL << 40)});
  fs::remove_all(dir);
}

TEST_CASE("io: corrupt or truncated NPY files give errors that name the file") {
  std::string good = io::npy_bytes(std::vector<double>{1, 2, 3}, {3});
  auto fails = [](const std::string& bytes, const std::string& what) {
    try {
      io::parse_npy(bytes, "x.npy");
    } catch (const io::FormatError& e) {
      std::string msg = e.what();
      CHECK_MESSAGE(msg.find("`x.npy`") != std::string::npos, msg);
      CHECK_MESSAGE(msg.find(what) != std::string::npos, msg);
      return;
    }
    FAIL("no error for: " << what);
  };
  fails("id,t_ms\n0,1\n", "not an NPY file");
  fails(good.substr(0, 8), "not an NPY file");
  fails(good.substr(0, 40), "truncated");
  fails(good.substr(0, good.size() - 3), "truncated");
  fails(good + "xx", "after the 3 elements");
  std::string big = good;
  big.replace(big.find("<f8"), 3, ">f8");
  fails(big, "not supported");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  fails(fortran, "Fortran");
  CHECK_THROWS_WITH_AS(io::read_npy("/nonexistent/nope.npy"),
                       doctest::Contains("/nonexistent/nope.npy"), io::FormatError);
}

TEST_CASE("io: numpy loads our NPY files with the right shape, dtype and values") {
  if (!numpy_available()) {
    MESSAGE("skipped: /usr/bin/python3 with numpy is not available");
    return;
  }
  auto dir = scratch("numpy");
  io::Recordings recs;
  recs.spikes.push_back(small_spikes());
  recs.states.push_back(small_state(3, 5));
  recs.population_sizes["P"] = 3;
  recs.duration_s = 0.02;
  std::string err;
  io::write_recordings(recs, dir.string(), io::Format::npy, err);
  REQUIRE(err.empty());
  std::ofstream(dir / "check.py") << R"(import numpy as np, sys, math
d = sys.argv[1]
ids = np.load(d + '/P_spikes_id.npy'); t = np.load(d + '/P_spikes_t_ms.npy')
assert ids.dtype == np.uint32 and ids.shape == (7,), (ids.dtype, ids.shape)
assert t.dtype == np.float64 and t.shape == (7,)
assert list(ids) == [0, 2, 1, 0, 2, 2, 1]
assert np.allclose(t, [2.1, 3.5, 6.2, 10.4, 10.5, 15.1, 19.9], rtol=0, atol=1e-9)
v = np.load(d + '/P_v.npy'); vt = np.load(d + '/P_v_t_ms.npy'); vid = np.load(d + '/P_v_id.npy')
assert v.dtype == np.float64 and v.shape == (5, 3) and v.flags['C_CONTIGUOUS']
assert vt.shape == (5,) and vid.dtype == np.uint32 and list(vid) == [0, 2, 4]
assert np.allclose(vt, [0, 2, 4, 6, 8])
for s in range(5):
    for k in range(3):
        assert abs(v[s, k] - (-65 + 10 * math.sin(0.5 * s + k))) < 1e-9, (s, k, v[s, k])
m = np.lib.format.open_memmap(d + '/P_v.npy', mode='r')
assert m.shape == (5, 3)
print('ok')
)";
  std::string cmd =
      fmt::format("/usr/bin/python3 {} {} 2>&1", (dir / "check.py").string(), dir.string());
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  CHECK_MESSAGE((WIFEXITED(st) && WEXITSTATUS(st) == 0), out);
  CHECK(out == "ok\n");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- recording files

TEST_CASE("io: recordings round trip through CSV and NPY files, with and without the index") {
  io::Recordings recs;
  recs.spikes.push_back(small_spikes());
  auto second = small_spikes();
  second.ids.resize(2);
  second.times.resize(2);
  recs.spikes.push_back(second);  // the same population twice: P_spikes_2
  recs.states.push_back(small_state());
  auto g = small_state(1, 3);
  g.population = "Exc_pop";
  g.variable = "g_e";
  g.unit = "nS";
  g.unit_scale = 1e-9;
  recs.states.push_back(g);
  recs.population_sizes = {{"P", 3}, {"Exc_pop", 10}};
  recs.duration_s = 0.02;
  recs.dt_s = 1e-4;
  for (auto format : {io::Format::csv, io::Format::npy}) {
    const bool csv = format == io::Format::csv;
    CAPTURE(csv);
    auto dir = scratch(csv ? "rt_csv" : "rt_npy");
    std::string err;
    auto files = io::write_recordings(recs, dir.string(), format, err);
    REQUIRE(err.empty());
    CHECK(files.size() == (csv ? 5u : 11u));
    CHECK(fs::exists(dir / io::kIndexFile));
    if (csv) {
      CHECK(slurp(dir / "P_spikes.csv").rfind("id,t_ms\n0,2.1\n2,3.5\n", 0) == 0);
      CHECK(fs::exists(dir / "P_spikes_2.csv"));
      CHECK(slurp(dir / "Exc_pop_g_e.csv").rfind("t_ms,id,g_e_nS\n", 0) == 0);
    } else {
      for (const char* f : {"P_spikes_id.npy", "P_spikes_t_ms.npy", "P_spikes_2_id.npy", "P_v.npy",
                            "P_v_t_ms.npy", "P_v_id.npy", "Exc_pop_g_e.npy"})
        CHECK_MESSAGE(fs::exists(dir / f), f);
    }
    for (bool with_index : {true, false}) {
      CAPTURE(with_index);
      if (!with_index) fs::remove(dir / io::kIndexFile);
      auto back = io::read_recordings({dir.string()});
      REQUIRE(back.spikes.size() == 2);
      REQUIRE(back.states.size() == 2);
      const auto& s = back.spikes[0].ids.size() == 7 ? back.spikes[0] : back.spikes[1];
      CHECK(s.population == "P");
      CHECK(s.ids == recs.spikes[0].ids);
      REQUIRE(s.times.size() == 7);
      for (size_t k = 0; k < 7; ++k)
        CHECK(s.times[k] == doctest::Approx(recs.spikes[0].times[k]).epsilon(1e-12).scale(0));
      CHECK(back.spikes[0].ids.size() + back.spikes[1].ids.size() == 9);
      auto v = std::find_if(back.states.begin(), back.states.end(),
                            [](auto& r) { return r.population == "P"; });
      REQUIRE(v != back.states.end());
      CHECK(v->variable == "v");
      CHECK(v->unit == (with_index || csv ? "mV" : ""));
      CHECK(v->unit_scale == 1);
      CHECK(v->ids == std::vector<uint32_t>{0, 2});
      REQUIRE(v->values.size() == 22);
      for (size_t k = 0; k < 22; ++k)
        CHECK(v->values[k] == doctest::Approx(recs.states[0].values[k] * 1e3));
      auto e = std::find_if(back.states.begin(), back.states.end(),
                            [](auto& r) { return r.population != "P"; });
      REQUIRE(e != back.states.end());
      if (with_index ||
          csv) {  // NPY without the index cannot tell Exc_pop + g_e from Exc + pop_g_e
        CHECK(e->population == "Exc_pop");
        CHECK(e->variable == "g_e");
        CHECK(e->unit == "nS");
      }
      if (with_index) {
        CHECK(back.population_sizes["P"] == 3);
        CHECK(back.duration_s == doctest::Approx(0.02).epsilon(1e-12).scale(0));
        CHECK(back.dt_s == doctest::Approx(1e-4).epsilon(1e-12).scale(0));
      }
    }
    // One file of a recording brings the recording.
    auto one = io::read_recordings({(dir / (csv ? "P_v.csv" : "P_v_t_ms.npy")).string()});
    CHECK(one.spikes.empty());
    REQUIRE(one.states.size() == 1);
    CHECK(one.states[0].times.size() == 11);
    fs::remove_all(dir);
  }
}

TEST_CASE("io: reading a missing or corrupt recording names the file") {
  auto dir = scratch("bad");
  CHECK_THROWS_WITH_AS(io::read_recordings({(dir / "nope.csv").string()}),
                       doctest::Contains("nope.csv"), io::FormatError);
  std::ofstream(dir / "P_spikes.csv") << "id,t_ms\n0,1.5\n1,banana\n";
  CHECK_THROWS_WITH_AS(io::read_recordings({dir.string()}), doctest::Contains("P_spikes.csv`:3"),
                       io::FormatError);
  std::ofstream(dir / "P_spikes.csv") << "id,t_ms\n0,1.5\n";
  std::string err;
  io::write_file((dir / "Q_spikes_id.npy").string(),
                 io::npy_bytes(std::vector<uint32_t>{1, 2}, {2}), err);
  std::string t = io::npy_bytes(std::vector<double>{1, 2}, {2});
  io::write_file((dir / "Q_spikes_t_ms.npy").string(), t.substr(0, t.size() - 4), err);
  CHECK_THROWS_WITH_AS(io::read_recordings({dir.string()}), doctest::Contains("Q_spikes_t_ms.npy"),
                       io::FormatError);
  fs::remove(dir / "Q_spikes_t_ms.npy");
  CHECK_THROWS_WITH_AS(io::read_recordings({(dir / "Q_spikes_id.npy").string()}),
                       doctest::Contains("Q_spikes_t_ms.npy"), io::FormatError);
  std::ofstream(dir / "notes.csv") << "a,b\n";
  CHECK_THROWS_WITH_AS(io::read_recordings({(dir / "notes.csv").string()}),
                       doctest::Contains("notes.csv"), io::FormatError);
  fs::remove_all(dir);
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

// ---------------------------------------------------------------- progress

TEST_CASE("io: progress bar decides after 0.5 s, redraws at most 10×/s and clears its line") {
  auto text_of = [](std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    return s;
  };
  double now = 0;
  io::ProgressBar::Options o;
  o.clock = [&] { return now; };
  o.columns = 100;
  {
    // Fast: 10 000 steps in 0.6 s → 1.2 s in all, never shown.
    std::FILE* f = std::tmpfile();
    o.out = f;
    io::ProgressBar bar(20000, 1e-4, o);
    for (uint64_t done = 1000; done <= 20000; done += 1000) {
      now += 0.06;
      bar.update(done);
    }
    bar.finish();
    CHECK_FALSE(bar.shown());
    CHECK(text_of(f).empty());
    std::fclose(f);
  }
  now = 0;
  {
    // Slow: 100 steps per 20 ms, 100 000 steps → 20 s; shown from 0.5 s on.
    std::FILE* f = std::tmpfile();
    o.out = f;
    io::ProgressBar bar(100000, 1e-4, o);
    uint64_t done = 0;
    int updates = 0;
    while (done < 100000 && now < 3.0) {
      now += 0.02;
      done += 100;
      bar.update(done);
      ++updates;
    }
    CHECK(bar.shown());
    CHECK(bar.chunk() == 100);  // as many steps as take 20 ms
    std::string before = text_of(f);
    // Drawn from 0.5 s to 3 s at most every 0.1 s: about 25 redraws of 150 updates.
    CHECK(count(before, "\r") >= 20);
    CHECK(count(before, "\r") <= 27);
    CHECK(before.find("real time") != std::string::npos);
    CHECK(before.find("ETA") != std::string::npos);
    bar.finish();
    std::string after = text_of(f);
    CHECK(after.substr(after.size() - 4) == "\r\x1b[K");
    std::fclose(f);
  }
  {
    io::ProgressBar::Options off;
    off.enabled = false;
    io::ProgressBar bar(12345, 1e-4, off);
    CHECK(bar.chunk() == 12345);  // the whole run in one go
    bar.update(12345);
    CHECK_FALSE(bar.shown());
  }
}

TEST_CASE("io: progress line fits the terminal and reports the speed") {
  std::string line = io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 100);
  CHECK(line.size() < 100);
  CHECK(line.find(" 25%") != std::string::npos);
  CHECK(line.find("sim 0.25/1.00 s") != std::string::npos);
  CHECK(line.find("elapsed 2.0 s") != std::string::npos);
  CHECK(line.find("ETA 6.0 s") != std::string::npos);
  CHECK(line.find("0.12x real time") != std::string::npos);
  CHECK(line.front() == '[');
  CHECK(io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 80).front() ==
        '[');  // a bar fits in 80 columns
  CHECK(io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 40).size() < 40);
  CHECK(io::ProgressBar::format_line(10000, 10000, 1e-4, 200.0, 120).find("3:20 min") !=
        std::string::npos);
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

// The engine keeps recorded spikes in blocks (SpikeView) and `neuro run`
// writes them from there: the same bytes as from a copy, across blocks
// (50 000 spikes in 5 000 steps: 4 id blocks, 2 run blocks), and the same
// spikes after a snapshot is restored.
TEST_CASE("recorded spikes are written from the engine's blocks as from a copy") {
  auto mod = neuro::testing::compile_text(R"(
circuit C {
  P = poisson[200] { rate = 500 Hz }
  record spikes of P
}
run C for 0.5 s  dt = 0.1 ms  seed = 3
)");
  Simulation sim(mod);
  sim.run(sim.steps_for(0.5));
  auto copies = sim.spike_recordings();
  REQUIRE(copies.size() == 1);
  REQUIRE(copies[0].ids.size() > 2 * SpikeView::kIdBlock);
  auto views = sim.spike_views();
  REQUIRE(views.size() == 1);
  CHECK(views[0].run_count > SpikeView::kRunBlock);
  CHECK(views[0].size == copies[0].ids.size());
  for (auto format : {io::Format::csv, io::Format::npy}) {
    const fs::path a = scratch("views_a"), b = scratch("views_b");
    std::string err;
    io::Recordings copied = driver::recordings_of(sim);
    copied.spike_views.clear();
    copied.spikes = copies;
    auto fa = io::write_recordings(copied, a.string(), format, err);
    auto fb = io::write_recordings(driver::recordings_of(sim), b.string(), format, err);
    CHECK(err.empty());
    REQUIRE(fa.size() == fb.size());
    for (const auto& f : fa) CHECK(slurp(f) == slurp((b / fs::path(f).filename()).string()));
    fs::remove_all(a);
    fs::remove_all(b);
  }
  auto snap = sim.snapshot();
  Simulation other(mod);
  other.restore(snap);
  auto restored = other.spike_recordings();
  CHECK(restored[0].ids == copies[0].ids);
  CHECK(restored[0].times == copies[0].times);
  CHECK(other.snapshot() == snap);
}
