// Engines through the C API give the same bits whatever runs them: alone or
// on threads side by side, on the interpreter or the JIT backend.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "neuro/neuro.h"
#include "tests/unit/c_api_fixtures.h"
#include "tests/unit/env_guard.h"

using namespace neuro::testing;

namespace {

// P.v of kModel after 20 ms, built with `seed` (and `backend` when ≥ 0);
// empty when any call fails. Safe on any thread (no test macros); what the
// engine writes (a JIT fallback notice) goes to `written` when given.
std::vector<double> final_v(uint64_t seed, int backend = -1, std::string* written = nullptr) {
  neuro_config cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.user = written;
  if (written)
    cfg.write = [](void* user, const char* text) { *static_cast<std::string*>(user) += text; };
  neuro_engine* e = neuro_new(&cfg);
  std::vector<double> out;
  if (!e) return out;
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_SEED | (backend >= 0 ? static_cast<unsigned>(NEURO_BUILD_BACKEND) : 0u);
  opt.seed = seed;
  opt.backend = backend;
  size_t n = 0;
  double buf[2];
  bool ok = neuro_load_text(e, kModel, nullptr) == NEURO_OK && neuro_build(e, &opt) == NEURO_OK;
  for (int i = 0; ok && i < 20; ++i) ok = neuro_run(e, 0.001) == NEURO_OK;
  if (ok && neuro_get(e, "P.v", nullptr, buf, 2, &n) == NEURO_OK) out.assign(buf, buf + n);
  neuro_free(e);
  return out;
}

}  // namespace

TEST_CASE("c api: engines are independent, also on different threads") {
  auto run_one = [](uint64_t seed, std::vector<double>* out) { *out = final_v(seed); };
  std::vector<double> alone, t1, t2;
  run_one(3, &alone);
  std::thread a(run_one, 3, &t1), b(run_one, 3, &t2);
  a.join();
  b.join();
  REQUIRE(alone.size() == 2);
  CHECK(t1 == alone);
  CHECK(t2 == alone);

  // The last error is per thread.
  CHECK(neuro_run(nullptr, 1) == NEURO_INVALID_HANDLE);
  std::string seen_there = "unset";
  std::thread c([&] { seen_there = neuro_last_error(); });
  c.join();
  CHECK(seen_there.empty());
  CHECK(!last_error().empty());
}

TEST_CASE(
    "c api: the JIT backend gives the interpreter's results; a bad backend is a usage error") {
  // A private cache, so the test neither reads nor fills the user's.
  auto cache =
      std::filesystem::temp_directory_path() / ("neuro_c_jit_" + std::to_string(::getpid()));
  std::string notice;
  std::vector<double> vm, jit;
  {
    EnvGuard private_cache("XDG_CACHE_HOME", cache.string());
    vm = final_v(5, NEURO_BACKEND_VM);
    jit = final_v(5, NEURO_BACKEND_JIT, &notice);
  }
  CHECK(notice.empty());  // the generated code ran: no fallback notice
  std::filesystem::remove_all(cache);
  REQUIRE(vm.size() == 2);
  CHECK(jit == vm);
  neuro_engine* e = neuro_new(nullptr);
  REQUIRE(neuro_load_text(e, kModel, nullptr) == NEURO_OK);
  neuro_build_options opt;
  std::memset(&opt, 0, sizeof opt);
  opt.flags = NEURO_BUILD_BACKEND;
  opt.backend = 7;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("unknown backend") != std::string::npos);
  opt.flags = NEURO_BUILD_THREADS;
  opt.threads = 0;
  CHECK(neuro_build(e, &opt) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("threads") != std::string::npos);
  opt.threads = 2;  // accepted; the interpreter says it runs on one thread
  CHECK(neuro_build(e, &opt) == NEURO_OK);
  neuro_free(e);
}
