// Recordings as files: NPY arrays, CSV and NPY recordings read back, and
// spikes written from the engine's blocks. (Plots and the commands that
// write them: test_plots.cpp; the progress bar: test_progress.cpp.)
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "driver/output.h"
#include "interpreter/build_simulation.h"
#include "io/npy.h"
#include "io/recording_files.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/io_fixtures.h"
#include "tests/unit/shell.h"

namespace fs = std::filesystem;
using namespace neuro;
using neuro::testing::scratch;
using neuro::testing::slurp;
using neuro::testing::small_spikes;
using neuro::testing::small_state;

namespace {

bool numpy_available() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

}  // namespace

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
  // A spike time that is not a finite number cannot be plotted or placed.
  for (const char* t : {"nan", "inf", "-inf"}) {
    std::ofstream(dir / "P_spikes.csv") << "id,t_ms\n0,1.5\n1," << t << "\n";
    CHECK_THROWS_WITH_AS(io::read_recordings({dir.string()}),
                         doctest::Contains("P_spikes.csv`:3: the spike time"), io::FormatError);
  }
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
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
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
  auto other_owned = build_simulation(mod);
  Simulation& other = *other_owned;
  other.restore(snap);
  auto restored = other.spike_recordings();
  CHECK(restored[0].ids == copies[0].ids);
  CHECK(restored[0].times == copies[0].times);
  CHECK(other.snapshot() == snap);
}
