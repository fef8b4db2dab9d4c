// The JIT backend (jit/): every example gives the same bits on both
// backends (the golden models: golden_runner.h); the cache detects
// corruption; a missing or failing compiler falls back to the interpreter
// with a one-line notice.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "interpreter/engine_state.h"
#include "interpreter/step_pool.h"
#include "neuro/backend.h"
#include "neuro/engine.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"
#include "tests/unit/env_guard.h"
#include "tests/unit/fingerprint.h"
#include "tests/unit/golden_runner.h"
#include "tests/unit/shell.h"

namespace fs = std::filesystem;
using namespace neuro;
using neuro::testing::EnvGuard;
using neuro::testing::fingerprint;

namespace {

// A private JIT cache for this test process.
std::string test_cache() {
  static const std::string dir =
      (fs::temp_directory_path() / fmt::format("neuro_jit_test_{}", getpid())).string();
  return dir;
}

// Every part of two fingerprints is equal, byte for byte.
void check_same(const std::vector<std::pair<std::string, std::string>>& a,
                const std::vector<std::pair<std::string, std::string>>& b,
                const std::string& what) {
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    INFO(what << ": " << a[k].first << " differs");
    CHECK(a[k].first == b[k].first);
    CHECK(a[k].second == b[k].second);
  }
}

struct Differential {
  bool built = false;  // false: the model does not build (an error fixture)
  BackendReport report;
};

// Runs `path` for `seconds` on both backends and checks every bit agrees.
Differential check_same_bits(const std::string& path, double seconds) {
  Differential d;
  // Compiling never throws for a golden model or example (an internal error would).
  std::unique_ptr<driver::Compiled> c = driver::compile_file(path, {}, false);
  if (c->diags.has_errors() || !c->module || c->module->run.circuit.empty()) return d;
  std::unique_ptr<Simulation> vm, jit;
  try {
    vm = build_simulation(c->module);
    jit = build_simulation(c->module);
  } catch (const SimulationError&) {
    return d;
  }
  d.built = true;
  const uint64_t steps = vm->steps_for(seconds);
  d.report = use_backend(*jit, Backend::Jit, steps);
  INFO(path << ": " << d.report.notice);
  // The only notice allowed: a model the generated code does not cover at all.
  CHECK((d.report.notice.empty() || d.report.notice.find("covers no part") != std::string::npos));
  std::string vm_error, jit_error;
  try {
    vm->run(steps);
  } catch (const SimulationError& e) {
    vm_error = e.what();
  }
  try {
    jit->run(steps);
  } catch (const SimulationError& e) {
    jit_error = e.what();
  }
  CHECK(vm_error == jit_error);
  CHECK(vm->step_index() == jit->step_index());
  check_same(fingerprint(*vm), fingerprint(*jit), path);
  MESSAGE(fmt::format("{}: {} steps, {}/{} populations and {}/{} handler parts in generated code",
                      fs::path(path).filename().string(), steps, d.report.pops_native,
                      d.report.pops, d.report.parts_native, d.report.parts));
  return d;
}

}  // namespace

TEST_CASE("jit: every example gives the interpreter's bits over 1 s") {
  EnvGuard cache("XDG_CACHE_HOME", test_cache());
  for (const auto& f : testing::neuro_files(NEURO_SOURCE_DIR "/examples")) {
    if (f.find("/embed/") != std::string::npos) continue;
    auto d = check_same_bits(f, 1.0);
    CHECK(d.built);
    const std::string name = fs::path(f).filename().string();
    if (name == "cuba.neuro" || name == "coba.neuro" || name == "cuba_stdp.neuro") {
      // The benchmark models run entirely in generated code.
      CHECK(d.report.pops_native == d.report.pops);
      CHECK(d.report.parts_native == d.report.parts);
    }
  }
  fs::remove_all(test_cache());
}

namespace {

const char* kSmall = R"(
neuron LIF {
  param tau = 10 ms;  state v = 0 mV
  dv/dt = (20 mV - v) / tau
  spike when v > 15 mV { v = 0 mV }
}
circuit C { P = LIF[50] { v = rand() * 15 mV }  record spikes of P }
run C for 200 ms  dt = 0.1 ms  seed = 3
)";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("jit: a corrupt cache entry is detected and rebuilt") {
  const std::string dir = test_cache() + "_corrupt";
  fs::remove_all(dir);
  EnvGuard cache("XDG_CACHE_HOME", dir);
  auto mod = testing::compile_text(kSmall);
  auto ref_owned = build_simulation(mod);
  Simulation& ref = *ref_owned;
  ref.run(2000);
  {
    auto sim_owned = build_simulation(mod);
    Simulation& sim = *sim_owned;
    auto r = use_backend(sim, Backend::Jit, 2000);
    REQUIRE(r.jit);
    CHECK_FALSE(r.cache_hit);
  }
  {
    auto sim_owned = build_simulation(mod);
    Simulation& sim = *sim_owned;
    auto r = use_backend(sim, Backend::Jit, 2000);
    REQUIRE(r.jit);
    CHECK(r.cache_hit);
  }
  // Flip bytes in the middle of the cached object.
  std::string so;
  for (const auto& e : fs::directory_iterator(dir + "/neuro/jit"))
    if (e.path().extension() == ".so") so = e.path().string();
  REQUIRE_FALSE(so.empty());
  {
    std::string bytes = read_all(so);
    for (size_t k = bytes.size() / 2; k < bytes.size() / 2 + 64; ++k) bytes[k] ^= 0x5a;
    std::ofstream(so, std::ios::binary | std::ios::trunc) << bytes;
  }
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  auto r = use_backend(sim, Backend::Jit, 2000);
  CHECK(r.jit);
  CHECK(r.repaired);
  CHECK_FALSE(r.cache_hit);
  sim.run(2000);
  CHECK(fingerprint(sim) == fingerprint(ref));
  // A truncated entry likewise.
  fs::resize_file(so, 100);
  auto again_owned = build_simulation(mod);
  Simulation& again = *again_owned;
  auto r2 = use_backend(again, Backend::Jit, 2000);
  CHECK(r2.jit);
  CHECK(r2.repaired);
  // An entry that is a link to a device (it would read forever) is not a
  // cache entry: rebuilt in its place.
  fs::remove(so);
  fs::create_symlink("/dev/zero", so);
  auto link_owned = build_simulation(mod);
  auto r3 = use_backend(*link_owned, Backend::Jit, 2000);
  CHECK(r3.jit);
  CHECK_FALSE(r3.cache_hit);
  CHECK_FALSE(fs::is_symlink(so));
  fs::remove_all(dir);
}

TEST_CASE("jit: without a compiler the run stays on the interpreter with a notice") {
  EnvGuard cache("XDG_CACHE_HOME", test_cache() + "_nocxx");
  EnvGuard cxx("NEURO_CXX", "/nonexistent/bin/c++");
  auto mod = testing::compile_text(kSmall);
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  auto r = use_backend(sim, Backend::Jit, 2000);
  CHECK_FALSE(r.jit);
  CHECK(r.notice.find("JIT unavailable") != std::string::npos);
  CHECK(r.notice.find("/nonexistent/bin/c++") != std::string::npos);
  CHECK(r.notice.find('\n') == std::string::npos);
  // auto says so too when it wanted the JIT: a long run.
  auto a = use_backend(sim, Backend::Auto, 100000000);
  CHECK_FALSE(a.jit);
  CHECK_FALSE(a.notice.empty());
  // The run itself is unaffected.
  auto ref_owned = build_simulation(mod);
  Simulation& ref = *ref_owned;
  sim.run(2000);
  ref.run(2000);
  CHECK(fingerprint(sim) == fingerprint(ref));
}

TEST_CASE("jit: a failing compile falls back and names the log, not the compiler's output") {
  const std::string dir = test_cache() + "_fail";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string fake = dir + "/fake-cxx";
  std::ofstream(fake) << "#!/bin/sh\necho 'internal compiler error: bananas' >&2\nexit 1\n";
  fs::permissions(fake, fs::perms::owner_all);
  EnvGuard cache("XDG_CACHE_HOME", dir);
  EnvGuard cxx("NEURO_CXX", fake);
  auto mod = testing::compile_text(kSmall);
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  auto r = use_backend(sim, Backend::Jit, 2000);
  CHECK_FALSE(r.jit);
  CHECK(r.notice.find("running on the interpreter") != std::string::npos);
  CHECK(r.notice.find("bananas") == std::string::npos);
  REQUIRE_FALSE(r.log.empty());
  CHECK(r.notice.find(r.log) != std::string::npos);
  CHECK(read_all(r.log).find("bananas") != std::string::npos);
  auto ref_owned = build_simulation(mod);
  Simulation& ref = *ref_owned;
  sim.run(2000);
  ref.run(2000);
  CHECK(fingerprint(sim) == fingerprint(ref));
  fs::remove_all(dir);
}

// A compiler that hangs is stopped after NEURO_JIT_TIMEOUT seconds, and one
// that exits 0 without writing the object is named as such; the run goes on
// on the interpreter with the same bits.
TEST_CASE("jit: a hanging or silent compiler falls back with the real cause") {
  const std::string dir = test_cache() + "_hang";
  fs::remove_all(dir);
  fs::create_directories(dir);
  EnvGuard cache("XDG_CACHE_HOME", dir);
  auto mod = testing::compile_text(kSmall);
  // The hanging compiler waits to read a FIFO that nobody writes: it never
  // ends by itself, whatever the timeout, so the test waits on nothing but
  // the engine stopping it.
  const std::string fifo = dir + "/never";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  struct Case {
    std::string script;
    const char* cause;
  };
  for (const Case& c :
       {Case{"#!/bin/sh\nexec cat " + fifo + "\n", "took longer than 0.01 s (NEURO_JIT_TIMEOUT)"},
        Case{"#!/bin/sh\nexit 0\n", "reported success but wrote no object file"}}) {
    CAPTURE(c.cause);
    const std::string fake = dir + "/fake-cxx";
    std::ofstream(fake, std::ios::trunc) << c.script;
    fs::permissions(fake, fs::perms::owner_all);
    EnvGuard cxx("NEURO_CXX", fake);
    EnvGuard timeout("NEURO_JIT_TIMEOUT", "0.01");
    auto sim_owned = build_simulation(mod);
    auto r = use_backend(*sim_owned, Backend::Jit, 2000);
    CHECK_FALSE(r.jit);
    CHECK(r.notice.find(c.cause) != std::string::npos);
    CHECK(r.notice.find("running on the interpreter") != std::string::npos);
    fs::remove(fake);
  }
  fs::remove_all(dir);
}

TEST_CASE("jit: auto keeps short runs on the interpreter without compiling") {
  const std::string dir = test_cache() + "_auto";
  fs::remove_all(dir);
  EnvGuard cache("XDG_CACHE_HOME", dir);
  auto mod = testing::compile_text(kSmall);
  auto sim_owned = build_simulation(mod);
  Simulation& sim = *sim_owned;
  auto r = use_backend(sim, Backend::Auto, 2000);
  CHECK_FALSE(r.jit);
  CHECK(r.notice.empty());
  CHECK_FALSE(fs::exists(dir + "/neuro/jit"));
  // Once the code is cached, auto uses it even for a short run.
  auto warm_owned = build_simulation(mod);
  Simulation& warm = *warm_owned;
  REQUIRE(use_backend(warm, Backend::Jit, 2000).jit);
  auto again_owned = build_simulation(mod);
  Simulation& again = *again_owned;
  auto a = use_backend(again, Backend::Auto, 2000);
  CHECK(a.jit);
  CHECK(a.cache_hit);
  fs::remove_all(dir);
}

TEST_CASE("jit: the CLI selects the backend and prints the generated code") {
  EnvGuard cache("XDG_CACHE_HOME", test_cache());
  const std::string model = NEURO_SOURCE_DIR "/examples/cuba.neuro";
  auto emit = testing::run_shell(fmt::format("{} jit --emit {}", NEURO_BINARY, model));
  CHECK(emit.status == 0);
  CHECK(emit.out.find("extern \"C\" void nj_pop0_integrate(struct nj_pop* c)") !=
        std::string::npos);
  CHECK(emit.out.find("// threshold, line 19: v > -50 mV") != std::string::npos);
  auto bad = testing::run_shell(fmt::format("{} run {} --backend gpu", NEURO_BINARY, model));
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--backend needs vm, jit or auto") != std::string::npos);
  auto nojit = testing::run_shell(fmt::format("{} jit {}", NEURO_BINARY, model));
  CHECK(nojit.status == 2);
  const std::string out = test_cache() + "_cli";
  auto run = testing::run_shell(fmt::format(
      "{} run {} --backend jit --duration 50ms --json --out {}", NEURO_BINARY, model, out));
  CHECK(run.status == 0);
  CHECK(run.out.find("\"backend\":\"jit\"") != std::string::npos);
  auto fallback = testing::run_shell(
      fmt::format("NEURO_CXX=/nonexistent/c++ {} run {} --backend jit --duration 50ms --out {}",
                  NEURO_BINARY, model, out));
  CHECK(fallback.status == 0);
  CHECK(fallback.err.find("JIT unavailable") != std::string::npos);
  CHECK(fallback.out.find("backend vm") != std::string::npos);
  fs::remove_all(out);
  fs::remove_all(test_cache());
}

TEST_CASE("jit: the embedding API selects the backend in BuildOptions") {
  const std::string dir = test_cache() + "_api";
  EnvGuard cache("XDG_CACHE_HOME", dir);
  std::vector<double> v_vm, v_jit;
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    std::string notices;
    EngineConfig cfg;
    cfg.write = [&](std::string_view s) { notices += s; };
    neuro::Engine engine(cfg);
    REQUIRE(engine.load_text(kSmall) == Status::Ok);
    BuildOptions opt;
    opt.backend = b;
    REQUIRE(engine.build(opt) == Status::Ok);
    CHECK(notices.empty());
    REQUIRE(engine.run(0.1) == Status::Ok);
    REQUIRE(engine.get("P.v", "", b == Backend::Vm ? v_vm : v_jit) == Status::Ok);
    if (b == Backend::Jit) CHECK(SimulationAccess::engine(*engine.simulation()).pops[0].stepper);
  }
  CHECK(v_vm == v_jit);
  // Without a compiler the build still succeeds, with the notice written.
  EnvGuard cxx("NEURO_CXX", "/nonexistent/c++");
  std::string notices;
  EngineConfig cfg;
  cfg.write = [&](std::string_view s) { notices += s; };
  neuro::Engine engine(cfg);
  REQUIRE(engine.load_text(kSmall) == Status::Ok);
  BuildOptions opt;
  opt.backend = Backend::Jit;
  CHECK(engine.build(opt) == Status::Ok);
  CHECK(notices.find("JIT unavailable") != std::string::npos);
  fs::remove_all(dir);
}

namespace {

// Two populations large enough to be split (an exact LIF with refractory
// neurons and a conductance-based one on exponential Euler), with STDP
// between them, so every kind of neuron update runs in parts.
const char* kLarge = R"(
neuron LIF {
  param tau = 20 ms;  state v = 0 mV;  state ge = 0 mV
  dv/dt = (22 mV + ge - v) / tau   unless refractory
  dge/dt = -ge / 5 ms
  spike when v > 15 mV { v = 0 mV }
  refractory 2 ms
}
neuron Cond {
  param C = 200 pF;  param g_L = 10 nS;  state v = -60 mV;  state g = 0 nS
  dv/dt = (g_L * (-60 mV - v) + g * (0 mV - v) + 0.25 nA) / C
  dg/dt = -g / 5 ms
  spike when v > -50 mV { v = -60 mV }
}
synapse Stdp {
  param w = 0.5 mV
  trace a = 0 mV decays 20 ms
  trace b = 0 mV decays 20 ms
  on pre  { post.ge += w;  a += 0.01 mV;  w = clip(w + b, 0 mV, 1 mV) }
  on post { b -= 0.0105 mV;  w = clip(w + a, 0 mV, 1 mV) }
}
synapse Exc { param w = 2 nS;  on pre { post.g += w } }
circuit C {
  P = LIF[40000] { v = rand() * 15 mV }
  Q = Cond[20000] { v = -60 mV + rand() * 10 mV }
  connect P -> P via Stdp  p = 0.0005
  connect P -> Q via Exc  p = 0.0005
  record spikes of P
  record spikes of Q
}
run C for 100 ms  dt = 0.1 ms  seed = 5
)";

}  // namespace

TEST_CASE("jit: threads split large populations and give the one-thread bits") {
  const std::string dir = test_cache() + "_threads";
  EnvGuard cache("XDG_CACHE_HOME", dir);
  auto mod = testing::compile_text(kLarge);
  auto vm_owned = build_simulation(mod);
  Simulation& vm = *vm_owned;
  const uint64_t steps = vm.steps_for(0.1);
  vm.run(steps);
  const auto want = fingerprint(vm);
  size_t spikes = 0;
  for (const auto& r : vm.spike_recordings()) spikes += r.ids.size();
  CHECK(spikes > 1000);  // both populations fire: the parts have spikes to merge
  for (unsigned threads : {1u, 2u, 3u}) {
    CAPTURE(threads);
    auto sim_owned = build_simulation(mod);
    Simulation& sim = *sim_owned;
    auto r = use_backend(sim, Backend::Jit, steps, threads);
    REQUIRE(r.jit);
    CHECK(r.pops_threaded == (threads > 1 ? 2u : 0u));
    CHECK(r.notice.empty());
    sim.run(steps);
    check_same(want, fingerprint(sim), fmt::format("{} threads against the interpreter", threads));
  }
  // Small populations stay on one thread, and the interpreter has none: both said.
  auto small_owned = build_simulation(testing::compile_text(kSmall));
  Simulation& small = *small_owned;
  CHECK(use_backend(small, Backend::Jit, 100, 2).notice.find("large enough") != std::string::npos);
  auto interp_owned = build_simulation(testing::compile_text(kSmall));
  Simulation& interp = *interp_owned;
  CHECK(use_backend(interp, Backend::Vm, 100, 2).notice.find("one thread") != std::string::npos);
  auto bad = testing::run_shell(
      fmt::format("{} run {}/examples/cuba.neuro --threads 0", NEURO_BINARY, NEURO_SOURCE_DIR));
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--threads needs a whole number from 1 to 256") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("jit: the thread team runs every part of every round exactly once") {
  // Rounds of different sizes back to back: a worker late for one round
  // must not claim in the next (it did once: a part ran twice and the
  // caller waited forever).
  for (unsigned threads : {2u, 3u}) {
    CAPTURE(threads);
    neuro::interp::StepPool pool(threads);
    std::vector<std::atomic<int>> runs(16);
    const std::function<void(unsigned)> job = [&](unsigned k) { runs[k].fetch_add(1); };
    bool once = true;
    for (int round = 0; round < 20000 && once; ++round) {
      const unsigned parts = 2 + static_cast<unsigned>(round % 5) * 3;  // 2, 5, 8, 11, 14
      for (auto& r : runs) r.store(0);
      pool.run(parts, job);
      for (unsigned k = 0; k < runs.size(); ++k) once &= runs[k].load() == (k < parts ? 1 : 0);
    }
    CHECK(once);
  }
}

TEST_CASE("jit: a handler onto its own population reads pre.x as the post.x it writes") {
  // post.a += pre.a: with both neurons spiking in one step, the second
  // synapse must read pre.a before the first one's add (the chunks'
  // order), as the interpreter does: a = 5 mV in both, not 9 and 11.
  const char* text = R"(
neuron Th {
  state v = 0 mV
  state a = 1 mV
  spike when v > 100 mV { v = 0 mV }
}
synapse Kick { on pre { post.v += 200 mV } }
synapse Alias { on pre { post.a += pre.a + 1 mV } }
circuit C {
  G = spike_generator[1] { times = [1 ms] }
  A = Th[2]
  connect G -> A via Kick all_to_all
  connect A -> A via Alias all_to_all
}
run C for 4 ms  dt = 0.1 ms  seed = 1
)";
  const std::string dir = test_cache() + "_alias";
  EnvGuard cache("XDG_CACHE_HOME", dir);
  auto mod = testing::compile_text(text);
  auto vm_owned = build_simulation(mod), jit_owned = build_simulation(mod);
  Simulation &vm = *vm_owned, &jit = *jit_owned;
  REQUIRE(use_backend(jit, Backend::Jit, 40).jit);
  vm.run(40);
  jit.run(40);
  const double* a_vm = vm.state_array("A", "a");
  const double* a_jit = jit.state_array("A", "a");
  for (int i = 0; i < 2; ++i) {
    CHECK(a_vm[i] == doctest::Approx(5e-3).epsilon(1e-12).scale(0));
    CHECK(a_jit[i] == a_vm[i]);
  }
  fs::remove_all(dir);
}
