// The loop-level step IR (ir/lower_step.cpp and the passes after it):
// its coefficients against the closed-form propagator, the passes' effect
// on its shape, and the time each Runge–Kutta stage sees, run on both
// backends against a closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "ir/print_step.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"

using namespace neuro;
using neuro::testing::compile_text;

namespace {

const ir::StepOp& defining(const ir::PopStep& st, const ir::StepLoop& loop,
                           const std::string& name) {
  for (const auto& op : loop.body)
    if ((op.kind == ir::StepOp::Let || op.kind == ir::StepOp::Affine) &&
        st.locals[op.local] == name)
      return op;
  FAIL("no local " << name);
  return loop.body.front();
}

// A simulation of `mod` on backend `b`, run `steps` steps.
std::unique_ptr<Simulation> run_on(Backend b, const std::shared_ptr<ir::Module>& mod,
                                   uint64_t steps) {
  auto sim = build_simulation(mod);
  if (b == Backend::Jit) REQUIRE(use_backend(*sim, b, steps).jit);
  sim->run(steps);
  return sim;
}

}  // namespace

// dv/dt = (g − v)/τm, dg/dt = −g/τg: over dt,
//   v ← e^{−dt/τm}·v + τg/(τg − τm)·(e^{−dt/τg} − e^{−dt/τm})·g,   g ← e^{−dt/τg}·g.
TEST_CASE("step IR: the exact solver's sums hold the closed-form propagator, zero terms dropped") {
  auto mod = compile_text(R"(
neuron Two {
  state v = 0 mV
  state g = 0 mV
  dv/dt = (g - v) / 20 ms  unless refractory
  dg/dt = -g / 5 ms
  spike when v > 10 mV { v = 0 mV }
  refractory 2 ms
}
circuit C { P = Two[4] }
run C for 1 ms  dt = 0.1 ms
)");
  const ir::Kernel& k = mod->kernels.at(0);
  const ir::PopStep& st = k.step;
  // fuse_threshold: the flag ends the update loop; then the reset.
  REQUIRE(st.loops.size() == 2);
  const ir::StepLoop& loop = st.loops[0];
  CHECK(loop.kind == ir::StepLoop::Neurons);
  CHECK(loop.body.back().kind == ir::StepOp::Flag);
  CHECK(st.loops[1].kind == ir::StepLoop::Reset);

  const double dt = 1e-4, tm = 20e-3, tg = 5e-3;
  const double pvv = std::exp(-dt / tm), pgg = std::exp(-dt / tg);
  const double pvg = tg / (tg - tm) * (std::exp(-dt / tg) - std::exp(-dt / tm));
  const ir::StepOp& yv = defining(st, loop, "y.v");
  REQUIRE(yv.kind == ir::StepOp::Affine);
  REQUIRE(yv.terms.size() == 2);
  CHECK(yv.bias == 0.0);
  CHECK(yv.terms[0].first == doctest::Approx(pvv).epsilon(1e-13));
  CHECK(yv.terms[1].first == doctest::Approx(pvg).epsilon(1e-12));
  const ir::StepOp& yg = defining(st, loop, "y.g");
  REQUIRE(yg.kind == ir::StepOp::Affine);
  REQUIRE(yg.terms.size() == 1);  // P_gv = 0: dropped by drop_zero_terms
  CHECK(yg.terms[0].first == doctest::Approx(pgg).epsilon(1e-13));
  // v is held while refractory: the value itself; g is not coupled to v.
  const ir::StepOp& nv = defining(st, loop, "new.v");
  REQUIRE(nv.kind == ir::StepOp::Let);
  CHECK(ir::print(*nv.value) == "if refractory then x.v else y.v");
  CHECK(ir::print_step(*mod).find("r.g") == std::string::npos);
}

TEST_CASE("step IR: group reductions keep the threshold in a loop of its own") {
  auto mod = compile_text(R"(
neuron W {
  state x = 0
  dx/dt = (1 - x) / 10 ms
  spike when group_max(x, 2) > 0.5 and x >= group_max(x, 2) { x = 0 }
}
circuit C { P = W[4] }
run C for 1 ms  dt = 0.1 ms
)");
  const ir::PopStep& st = mod->kernels.at(0).step;
  REQUIRE(st.loops.size() == 4);
  CHECK(st.loops[0].kind == ir::StepLoop::Neurons);
  CHECK(st.loops[0].body.back().kind == ir::StepOp::Store);
  CHECK(st.loops[1].kind == ir::StepLoop::Group);
  CHECK(st.loops[2].kind == ir::StepLoop::Threshold);
  CHECK(st.loops[3].kind == ir::StepLoop::Reset);
}

// dv/dt = k·t: RK4 integrates a polynomial in t exactly, v(t) = k·t²/2,
// but only if each stage sees its own time t + c·dt (with every stage at t
// each step would add k·t·dt, and v(1 ms) would be 10 % low).
TEST_CASE("step IR: each Runge–Kutta stage sees its own time, on both backends") {
  auto mod = compile_text(R"(
neuron T {
  state v = 0 mV
  dv/dt = t * 1 mV / (1 ms * 1 ms)
  solver rk4
}
circuit C {
  P = T[3]
  record v of P
}
run C for 1 ms  dt = 0.1 ms
)");
  CHECK(ir::print_step(*mod).find("t + ") != std::string::npos);
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    CAPTURE(backend_name(b));
    auto sim = run_on(b, mod, 10);
    const double t = 1e-3, kk = 1e-3 / (1e-3 * 1e-3);
    const double* v = sim->state_array("P", "v");
    REQUIRE(v);
    for (size_t i = 0; i < 3; ++i) CHECK(v[i] == doctest::Approx(kk * t * t / 2).epsilon(1e-12));
  }
}

// A NaN the folder computed (sqrt(−1): x86 gives it the sign bit) reaches
// generated code with its bits, so arithmetic passes on the same NaN on
// both backends (a `+nan` literal made the JIT's state +nan, the
// interpreter's −nan).
TEST_CASE("step IR: a folded NaN constant keeps its bits on both backends") {
  auto mod = compile_text(R"(
neuron A {
  state v = 1 mV
  dv/dt = -v / 10 ms + sqrt(-1) * 1 [mV/ms]
}
circuit C { P = A[2] }
run C for 1 ms  dt = 0.1 ms
)");
  uint64_t bits[2] = {};
  int k = 0;
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    CAPTURE(backend_name(b));
    const double v = run_on(b, mod, 10)->state_array("P", "v")[0];
    CHECK(std::isnan(v));
    std::memcpy(&bits[k++], &v, 8);
  }
  CHECK(bits[0] == bits[1]);
}
