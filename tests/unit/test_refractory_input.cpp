// Input to a held variable is dropped while the neuron is refractory
// (ir/guard_held_writes.cpp, docs/semantics.md "Refractoriness"): the IR's
// guard, and a single neuron that every handler path drives through a
// refractory period, on both backends, against the closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "ir/print_step.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"
#include "tests/unit/compile_text.h"

using namespace neuro;
using neuro::testing::compile_text;

namespace {

// One neuron per handler path. Each gets a 20 mV kick at 1 ms (acting at
// the start of step 10) and 2 mV inputs at 1.5, 2.0 and 2.1 ms (steps 15,
// 20, 21); `I`, which no equation holds, counts 1 mV per small input.
// (Set's `post.v = w` gives the same v: the neuron is at 0 mV when its
// first input lands.)
const char* const kHeldModel = R"(
neuron L {
  param t_ref = 1 ms
  state v = 0 mV
  state I = 0 mV
  dv/dt = -v / 10 ms   unless refractory
  spike when v > 10 mV { v = 0 mV }
  refractory t_ref
}
synapse Kick {
  param w = 20 mV
  on pre { post.v += w }
  on post { post.v += 1 mV;  post.I += 10 mV }
}
synapse Tight { param w = 2 mV;  on pre { post.v += w } }
synapse Two { param w = 2 mV;  on pre { post.v += w;  post.I += 1 mV } }
synapse Direct { param w = 2 mV;  on pre { post.v += w / 2 * 2;  post.I += 1 mV } }
synapse Chunked { param w = 2 mV;  on pre { post.v += w / 2;  post.v += w / 2;  post.I += 1 mV } }
synapse Sequential { param w = 2 mV;  on pre { post.v += w + 0 * post.v;  post.I += 1 mV } }
synapse Set { param w = 2 mV;  on pre { post.v = w;  post.I += 1 mV } }
circuit C {
  K = spike_generator[1] { times = [1 ms] }
  S = spike_generator[1] { times = [1.5 ms, 2 ms, 2.1 ms] }
  PTight = L[1]
  PTwo = L[1]
  PDirect = L[1]
  PChunked = L[1]
  PSequential = L[1]
  PSet = L[1]
  PQueued = L[1]
  Z = L[1] { t_ref = 0 ms }
  connect K -> PTight via Kick
  connect K -> PTwo via Kick
  connect K -> PDirect via Kick
  connect K -> PChunked via Kick
  connect K -> PSequential via Kick
  connect K -> PSet via Kick
  connect K -> PQueued via Kick
  connect K -> Z via Kick
  connect S -> PTight via Tight
  connect S -> PTwo via Two
  connect S -> PDirect via Direct
  connect S -> PChunked via Chunked
  connect S -> PSequential via Sequential
  connect S -> PSet via Set
  connect S -> PQueued via Two { delay = 0 ms * rand() }
  connect S -> Z via Two
}
run C for 3 ms  dt = 0.1 ms
)";

// The synapse loop of a projection's `on pre`.
const ir::EventLoop& held_on_pre_loop(const ir::Module& m, size_t projection) {
  const auto& loops = m.projections.at(projection).step.on_pre;
  REQUIRE(loops.size() == 1);
  return loops[0];
}

}  // namespace

TEST_CASE("held input: handler writes to `unless refractory` states are guarded, others not") {
  auto mod = compile_text(kHeldModel);
  const ir::Module& m = *mod;
  // Kick → PTight: a scatter-add, masked where the target is refractory.
  const ir::Projection& kick = m.projections.at(0);
  REQUIRE(kick.scatter.size() == 1);
  CHECK(kick.scatter[0].held);
  CHECK(held_on_pre_loop(m, 0).body == ir::EventLoop::ScatterAdd);
  // `on post` runs after the spike: held when the neuron is in the next step.
  REQUIRE(kick.on_post.size() == 2);
  CHECK(ir::print(kick.on_post, 0) ==
        "if not post.refractory_next_step {\n  post.v += 1 mV\n}\npost.I += 10 mV\n");
  // Two → PTwo: v guarded, I not.
  const ir::Projection& two = m.projections.at(9);
  REQUIRE(two.scatter.size() == 2);
  CHECK(two.scatter[0].held);
  CHECK_FALSE(two.scatter[1].held);
  CHECK(ir::print(two.on_pre, 0) == "if not post.refractory {\n  post.v += w\n}\npost.I += 1 mV\n");
  // Each other handler runs the path its name says, guard and all.
  CHECK(held_on_pre_loop(m, 10).independent);        // Direct
  CHECK_FALSE(held_on_pre_loop(m, 11).independent);  // Chunked
  CHECK_FALSE(held_on_pre_loop(m, 11).sequential);   //
  CHECK(held_on_pre_loop(m, 12).sequential);         // Sequential
  // Set: a masked `=` keeps the old value, which reads it, but the guard
  // is the same for all of a neuron's synapses (mark_sequential).
  CHECK_FALSE(held_on_pre_loop(m, 13).sequential);
  CHECK(m.projections.at(14).delay->kind != ir::Kind::Const);  // Queued
  CHECK(ir::print_step(m).find("(scatter-add, masked: if not post.refractory)") !=
        std::string::npos);
}

TEST_CASE("held input: a state without `unless refractory` is not guarded") {
  auto mod = compile_text(R"(
neuron CubaLike {
  state v = 0 mV
  state ge = 0 mV
  dv/dt = (ge - v) / 20 ms   unless refractory
  dge/dt = -ge / 5 ms
  spike when v > 10 mV { v = 0 mV }
  refractory 2 ms
}
synapse Exc { param w = 1 mV;  on pre { post.ge += w } }
circuit C { P = CubaLike[2];  connect P -> P via Exc }
run C for 1 ms  dt = 0.1 ms
)");
  const ir::Projection& pr = mod->projections.at(0);
  REQUIRE(pr.scatter.size() == 1);
  CHECK_FALSE(pr.scatter[0].held);
  CHECK(pr.on_pre.at(0).type == ir::Stmt::Assign);
}

// With q = exp(−dt/τ) = exp(−0.01) per step. A neuron with t_ref = 1 ms
// (R = 10 steps): the kick gives v = 20 mV at the start of step 10, 20q >
// 10 mV spikes (stamp 1.1 ms), v = 0 and the neuron is held in steps
// 11 … 20; `on post`'s 1 mV is dropped, its 10 mV to I kept. The inputs of
// steps 15 and 20 are dropped, the one of step 21 is added: v = 0 after
// step 20 and v = 2 mV·q^(n−20) after step n ≥ 21; I = 13 mV at the end.
// Z (t_ref = 0) is never held after its spike: v = 1 mV after step 10,
// and every input counts.
TEST_CASE("held input: dropped inside the refractory period, added after, on both backends") {
  auto mod = compile_text(kHeldModel);
  const double q = std::exp(-0.01);
  const std::vector<std::string> held = {"PTight",      "PTwo", "PDirect", "PChunked",
                                         "PSequential", "PSet", "PQueued"};
  std::vector<std::vector<double>> seen[2];
  int k = 0;
  for (Backend b : {Backend::Vm, Backend::Jit}) {
    CAPTURE(backend_name(b));
    auto sim = build_simulation(mod);
    if (b == Backend::Jit) REQUIRE(use_backend(*sim, b, 30).jit);
    for (int n = 0; n < 30; ++n) {  // after step n
      sim->run(1);
      std::vector<double> row;
      for (const auto& p : held) {
        CAPTURE(p);
        CAPTURE(n);
        const double v = sim->state_array(p, "v")[0];
        row.push_back(v);
        if (n < 10)
          CHECK(v == 0.0);
        else if (n <= 20)
          CHECK(v == 0.0);  // the reset's value, held: nothing added
        else
          CHECK(v == doctest::Approx(2e-3 * std::pow(q, n - 20)).epsilon(1e-12));
      }
      const double z = sim->state_array("Z", "v")[0];
      row.push_back(z);
      double want = 0;
      if (n >= 10) want += 1e-3 * std::pow(q, n - 10);
      for (int at : {15, 20, 21})
        if (n >= at) want += 2e-3 * std::pow(q, n - at + 1);
      CAPTURE(n);
      CHECK(z == doctest::Approx(want).epsilon(1e-12));
      seen[k].push_back(row);
    }
    for (const auto& p : held) {
      CAPTURE(p);
      const double want = p == "PTight" ? 10e-3 : 13e-3;
      CHECK(sim->state_array(p, "I")[0] == doctest::Approx(want).epsilon(1e-14));
    }
    CHECK(sim->state_array("Z", "I")[0] == doctest::Approx(13e-3).epsilon(1e-14));
    ++k;
  }
  // The same bits on both backends, step after step.
  REQUIRE(seen[0].size() == seen[1].size());
  for (size_t n = 0; n < seen[0].size(); ++n)
    CHECK(std::memcmp(seen[0][n].data(), seen[1][n].data(), seen[0][n].size() * 8) == 0);
}
