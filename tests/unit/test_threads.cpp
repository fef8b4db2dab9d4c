// `--threads N` (docs/jit.md, "Threads"): every golden model and example
// gives the bits of one thread at 1, 2 and 3 threads on both backends.
// NEURO_SPLIT_MIN=1 splits even these small networks, and the reports must
// say that work was split — otherwise the comparison would prove nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "driver/driver.h"
#include "interpreter/build_simulation.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"
#include "tests/unit/env_guard.h"
#include "tests/unit/fingerprint.h"
#include "tests/unit/golden_runner.h"

namespace fs = std::filesystem;
using namespace neuro;

namespace {

struct ThreadRuns {
  size_t models = 0;         // models that built and ran
  size_t split_models = 0;   // of which some delivery was split at 2 threads
  size_t split_delayed = 0;  // … with per-synapse delays
  size_t threaded_pops = 0;  // JIT: populations split at 2 threads, summed
};

// Whether any projection of the module has per-synapse delays.
bool per_synapse_delays(const ir::Module& m) {
  for (const auto& pr : m.projections)
    if (pr.delay->kind != ir::Kind::Const) return true;
  return false;
}

// Runs `path` for `seconds` at 1, 2 and 3 threads on both backends and
// checks every run against the interpreter on one thread.
void check_thread_bits(const std::string& path, double seconds, ThreadRuns& runs) {
  std::unique_ptr<driver::Compiled> c = driver::compile_file(path, {}, false);
  if (c->diags.has_errors() || !c->module || c->module->run.circuit.empty()) return;
  std::unique_ptr<Simulation> ref;
  try {
    ref = build_simulation(c->module);
  } catch (const SimulationError&) {
    return;
  }
  const uint64_t steps = ref->steps_for(seconds);
  std::string ref_error;
  try {
    ref->run(steps);
  } catch (const SimulationError& e) {
    ref_error = e.what();
  }
  const auto want = testing::fingerprint(*ref);
  ++runs.models;
  bool split = false;
  for (Backend b : {Backend::Vm, Backend::Jit})
    for (unsigned threads : {1u, 2u, 3u}) {
      auto sim = build_simulation(c->module);
      const BackendReport r = use_backend(*sim, b, steps, threads);
      if (threads == 2) {
        split |= r.projs_threaded > 0;
        if (b == Backend::Jit) runs.threaded_pops += r.pops_threaded;
      }
      std::string error;
      try {
        sim->run(steps);
      } catch (const SimulationError& e) {
        error = e.what();
      }
      INFO(fs::path(path).filename().string()
           << ", " << backend_name(b) << ", " << threads << " threads");
      CHECK(error == ref_error);
      CHECK(sim->step_index() == ref->step_index());
      CHECK(testing::differences(want, testing::fingerprint(*sim)) == "");
    }
  runs.split_models += split;
  runs.split_delayed += split && per_synapse_delays(*c->module);
}

}  // namespace

TEST_CASE("threads: every golden model and example gives the one-thread bits at 1, 2, 3 threads") {
  testing::EnvGuard cache(
      "XDG_CACHE_HOME",
      (fs::temp_directory_path() / fmt::format("neuro_thr_{}", getpid())).string());
  testing::EnvGuard split("NEURO_SPLIT_MIN", "1");
  ThreadRuns runs;
  for (const char* dir : {NEURO_SOURCE_DIR "/tests/golden", NEURO_SOURCE_DIR "/examples"})
    for (const auto& f : testing::neuro_files(dir)) {
      if (f.find("/embed/") != std::string::npos) continue;
      check_thread_bits(f, 0.2, runs);
    }
  MESSAGE(
      fmt::format("{} models; delivery split in {} ({} with per-synapse delays); {} "
                  "populations split on the JIT",
                  runs.models, runs.split_models, runs.split_delayed, runs.threaded_pops));
  CHECK(runs.models > 40);
  CHECK(runs.split_models > 10);  // the work was split: the bits above mean something
  CHECK(runs.split_delayed > 0);
  CHECK(runs.threaded_pops > 20);
  fs::remove_all(std::getenv("XDG_CACHE_HOME"));
}

TEST_CASE("threads: large deliveries are split by default, small ones say why not") {
  // Without NEURO_SPLIT_MIN: cuba.neuro (256 000 and 64 000 synapses in two
  // projections) is below the default, so nothing is split and the notice says so.
  auto c = driver::compile_file(NEURO_SOURCE_DIR "/examples/cuba.neuro", {}, false);
  REQUIRE(c->module);
  auto sim = build_simulation(c->module);
  const BackendReport r = use_backend(*sim, Backend::Vm, 10, 2);
  CHECK(r.projs_threaded == 0);
  CHECK(r.notice.find("large enough") != std::string::npos);
  testing::EnvGuard split("NEURO_SPLIT_MIN", "50000");
  auto big = build_simulation(c->module);
  CHECK(use_backend(*big, Backend::Vm, 10, 2).projs_threaded == 2);
}
