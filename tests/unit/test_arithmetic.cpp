// Constant folding and run-time evaluation agree bit for bit: every built-in
// function and the operators % and ^ over a sweep of arguments, folded by
// the checker (`const k = f(x)`), by the IR's fold pass (`param p = f(x)`),
// and computed during a step by the interpreter and by the JIT (a reset
// statement `y = f(x)` with x set by the host). All four come from one
// definition (numeric/evaluate.h, numeric/arith.h, numeric/exp.h); before it
// the checker used libm's exp, which differs from the engine's in the last
// bit for about one argument in ten.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"

using namespace neuro;

namespace {

constexpr int kSweep = 96;  // arguments per function

// A built-in or operator with its sweep: the arguments of call j.
struct Case {
  std::string name;  // state and constant names
  std::string form;  // the expression, with {0}, {1}, {2}, {3} for arguments
  int arity;
  std::vector<double> args[4];  // args[a][j]
};

// Arguments that stay inside each function's domain (the checker rejects a
// constant that is not finite), spread over non-round values.
double spread(int j, double lo, double hi) {
  return lo + (hi - lo) * (j + 0.3819660112501051) / kSweep;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  auto unary = [&](const std::string& fn, double lo, double hi) {
    Case c{fn, fn + "({0})", 1, {}};
    for (int j = 0; j < kSweep; ++j) c.args[0].push_back(spread(j, lo, hi));
    out.push_back(c);
  };
  unary("exp", -5, 5);
  unary("log", 1e-3, 50);
  unary("log10", 1e-3, 50);
  unary("sqrt", 0, 50);
  unary("abs", -5, 5);
  unary("sin", -7, 7);
  unary("cos", -7, 7);
  unary("tan", -1.5, 1.5);
  unary("tanh", -5, 5);
  unary("sinh", -5, 5);
  unary("cosh", -5, 5);
  unary("floor", -5, 5);
  unary("ceil", -5, 5);
  auto nary = [&](const std::string& name, const std::string& form, int arity) {
    Case c{name, form, arity, {}};
    for (int j = 0; j < kSweep; ++j)
      for (int a = 0; a < arity; ++a)
        c.args[a].push_back(spread((j * (a + 3) + 7 * a) % kSweep, -4, 4));
    out.push_back(c);
  };
  nary("min2", "min({0}, {1})", 2);
  nary("max2", "max({0}, {1})", 2);
  nary("min3", "min({0}, {1}, {2})", 3);
  nary("max3", "max({0}, {1}, {2})", 3);
  nary("clip", "clip({0}, {1}, {2})", 3);
  nary("mod", "{0} % {1}", 2);
  {
    Case c{"pow", "{0} ^ {1}", 2, {}};
    for (int j = 0; j < kSweep; ++j) {
      c.args[0].push_back(spread(j, 0.05, 4));
      c.args[1].push_back(spread((j * 7) % kSweep, -3, 3));
    }
    out.push_back(c);
  }
  // Sparse-representation theory: whole numbers in range.
  {
    Case fm{"false_match", "false_match({0}, {1}, {2}, {3})", 4, {}};
    Case fn{"false_negative", "false_negative({0}, {1}, {2}, {3})", 4, {}};
    Case us{"union_size", "union_size({0}, {1}, {2})", 3, {}};
    for (int j = 0; j < kSweep; ++j) {
      const double s = 8 + j % 24, theta = 1 + j % static_cast<int>(s);
      fm.args[0].push_back(1024 + 16 * j);
      fm.args[1].push_back(40);
      fm.args[2].push_back(s);
      fm.args[3].push_back(theta);
      fn.args[0].push_back(40);
      fn.args[1].push_back(s);
      fn.args[2].push_back(theta);
      fn.args[3].push_back(j % 20);
      us.args[0].push_back(2048);
      us.args[1].push_back(10 + j);
      us.args[2].push_back(1 + j % 30);
    }
    out.push_back(fm);
    out.push_back(fn);
    out.push_back(us);
  }
  return out;
}

// A double as model text that reads back as the same double.
std::string literal(double v) {
  return fmt::format("{:.17g}", v);
}

std::string call_text(const Case& c, int j) {
  std::string a[4];
  for (int k = 0; k < c.arity; ++k) a[k] = "(" + literal(c.args[k][j]) + ")";
  return fmt::format(fmt::runtime(c.form), a[0], a[1], a[2], a[3]);
}

// The model: per-neuron parameters a0…a3 (the host sets them), one state
// per case computed by the reset, which runs once (y starts above
// threshold); for each case and argument a folded `const` and a folded
// parameter.
std::string model_text(const std::vector<Case>& cs) {
  std::string consts, params, states, reset;
  for (const auto& c : cs) {
    states += fmt::format("  state r_{} = 0\n", c.name);
    reset += fmt::format("    r_{} = {}\n", c.name,
                         fmt::format(fmt::runtime(c.form), "a0", "a1", "a2", "a3"));
    for (int j = 0; j < kSweep; ++j) {
      consts += fmt::format("const k_{}_{} = {}\n", c.name, j, call_text(c, j));
      params += fmt::format("  param p_{0}_{1} = k_{0}_{1}\n", c.name, j);
      params += fmt::format("  param q_{}_{} = {}\n", c.name, j, call_text(c, j));
    }
  }
  return consts +
         "neuron Probe {\n  param a0 = 0\n  param a1 = 0\n  param a2 = 0\n  param a3 = 0\n" +
         params + states + "  state y = 1\n  spike when y > 0 {\n    y = 0\n" + reset + "  }\n}\n" +
         fmt::format("circuit C {{\n  P = Probe[{}] {{ a0 = i; a1 = i; a2 = i; a3 = i }}\n}}\n",
                     kSweep) +
         "run C for 0.1 ms\n";
}

uint64_t bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

double param_value(const ir::Kernel& k, const std::string& name) {
  for (const auto& p : k.params)
    if (p.name == name) {
      REQUIRE(p.value);
      REQUIRE(p.value->kind == ir::Kind::Const);
      return p.value->value;
    }
  FAIL("no parameter " << name);
  return 0;
}

// Runs one step on `backend` with the arguments of every case set per
// neuron; returns each case's results.
std::vector<std::vector<double>> run_step(const std::shared_ptr<ir::Module>& m,
                                          const std::vector<Case>& cs, Backend backend) {
  std::vector<std::vector<double>> out;
  for (const auto& c : cs) {
    auto sim_owned = build_simulation(m);
    Simulation& sim = *sim_owned;
    if (backend == Backend::Jit) {
      BackendReport r = use_backend(sim, Backend::Jit, 1);
      INFO(r.notice);
      REQUIRE(r.jit);
      REQUIRE(r.pops_native == 1);
    }
    for (int a = 0; a < 4; ++a) {
      double* arr = sim.param_array("P", "a" + std::to_string(a));
      REQUIRE(arr);
      for (int j = 0; j < kSweep; ++j) arr[j] = a < c.arity ? c.args[a][j] : 0;
    }
    REQUIRE(sim.run(1) == 1);
    const double* r = sim.state_array("P", "r_" + c.name);
    REQUIRE(r);
    out.emplace_back(r, r + kSweep);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "arithmetic: const folding, the fold pass, the interpreter and the JIT agree bit for bit") {
  // A private JIT cache: the user's must not decide what this test sees.
  const auto cache =
      std::filesystem::temp_directory_path() / fmt::format("neuro_arith_test_{}", ::getpid());
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", cache.c_str(), 1);
  const auto cs = cases();
  auto m = testing::compile_text(model_text(cs));
  REQUIRE(m->kernels.size() == 1);
  const ir::Kernel& k = m->kernels[0];
  const auto vm = run_step(m, cs, Backend::Vm);
  const auto jit = run_step(m, cs, Backend::Jit);
  size_t compared = 0;
  for (size_t c = 0; c < cs.size(); ++c) {
    for (int j = 0; j < kSweep; ++j) {
      const double folded = param_value(k, fmt::format("p_{}_{}", cs[c].name, j));
      const double passed = param_value(k, fmt::format("q_{}_{}", cs[c].name, j));
      INFO(cs[c].name << " at " << call_text(cs[c], j) << ": const " << folded << ", fold pass "
                      << passed << ", vm " << vm[c][j] << ", jit " << jit[c][j]);
      CHECK(std::isfinite(folded));
      CHECK(bits(folded) == bits(passed));
      CHECK(bits(folded) == bits(vm[c][j]));
      CHECK(bits(folded) == bits(jit[c][j]));
      ++compared;
    }
  }
  CHECK(compared == cs.size() * kSweep);
  std::filesystem::remove_all(cache);
  if (old)
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
}
