#include "ir/lower_step.h"

#include <cstring>
#include <functional>

#include "ir/propagator.h"
#include "numeric/tableaux.h"

namespace neuro::ir {

namespace {

// Appends operations to one loop, defining each local once.
struct Body {
  PopStep& step;
  StepLoop& loop;

  ExprPtr read(int local) const {
    return Expr::var(Space::Local, local, step.locals[local], Dimension{});
  }
  int define(const std::string& name) {
    step.locals.push_back(name);
    return static_cast<int>(step.locals.size()) - 1;
  }
  int let(const std::string& name, ExprPtr value, std::string note = "") {
    StepOp op;
    op.kind = StepOp::Let;
    op.local = define(name);
    op.value = std::move(value);
    op.note = std::move(note);
    loop.body.push_back(op);
    return op.local;
  }
  // (base ≥ 0 ? base : bias) + Σ coef·local, every term kept.
  int affine(const std::string& name, int base, double bias,
             std::vector<std::pair<double, int>> terms, std::string note = "") {
    StepOp op;
    op.kind = StepOp::Affine;
    op.local = define(name);
    op.base = base;
    op.bias = bias;
    op.terms = std::move(terms);
    op.note = std::move(note);
    loop.body.push_back(op);
    return op.local;
  }
  void store(int state, int local) {
    StepOp op;
    op.kind = StepOp::Store;
    op.state = state;
    op.local = local;
    loop.body.push_back(op);
  }
};

// The name of a Runge–Kutta stage's local: a2.v, y2.v, k2.v, …
std::string fmt_stage(const char* what, int stage, const std::string& state) {
  return std::string(what) + std::to_string(stage + 1) + "." + state;
}

ExprPtr refractory() {
  auto e = Expr::var(Space::Refractory, 0, "refractory", Dimension{});
  auto b = std::make_shared<Expr>(*e);
  b->boolean = true;
  return b;
}

bool held(const Kernel& k, const Ode& o) {
  return o.unless_refractory && k.refractory;
}

bool same_bits(const double* a, const double* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(double)) == 0;
}

// x ← P·x + q (c constant: q = Q·c when lowered) or P·x + Q·c, each sum
// starting at q (or 0) and adding the terms left to right. Rows that a
// refractory neuron holds get a second sum with the held matrices.
void exact(const Module& m, const Kernel& k, Body& b) {
  const LinearSystem& sys = k.linear;
  const Propagator prop = make_propagator(sys, k, m.run.dt);
  const size_t n = prop.n;
  bool c_const = true;
  for (const auto& c : sys.c) c_const &= c->kind == Kind::Const;
  std::vector<double> q(n, 0), q_ref(n, 0);
  if (c_const)
    for (size_t r = 0; r < n; ++r)
      for (size_t c = 0; c < n; ++c) {
        q[r] += prop.Q[r * n + c] * sys.c[c]->value;
        q_ref[r] += prop.Q_ref[r * n + c] * sys.c[c]->value;
      }
  bool clamps = false;
  for (const auto& o : k.odes) clamps |= held(k, o);
  auto name = [&](const char* pre, size_t r) { return pre + k.states[sys.states[r]].name; };
  std::vector<int> x(n), cl(n);
  for (size_t r = 0; r < n; ++r)
    x[r] = b.let(name("x.", r), Expr::var(Space::State, sys.states[r], k.states[sys.states[r]].name,
                                          k.states[sys.states[r]].dim));
  if (!c_const)
    for (size_t r = 0; r < n; ++r) cl[r] = b.let(name("c.", r), sys.c[r], "inhomogeneous term");
  auto row = [&](size_t r, const std::vector<double>& P, const std::vector<double>& Q,
                 const std::vector<double>& qv, const std::string& nm, const char* note) {
    std::vector<std::pair<double, int>> terms;
    for (size_t c = 0; c < n; ++c) terms.emplace_back(P[r * n + c], x[c]);
    if (!c_const)
      for (size_t c = 0; c < n; ++c) terms.emplace_back(Q[r * n + c], cl[c]);
    return b.affine(nm, -1, c_const ? qv[r] : 0.0, std::move(terms), note);
  };
  std::vector<char> held_state(k.states.size(), 0);
  for (const auto& o : k.odes) held_state[o.state] = held(k, o);
  std::vector<int> y(n);
  for (size_t r = 0; r < n; ++r) {
    y[r] = row(r, prop.P, prop.Q, q, name("y.", r), c_const ? "q + P·x" : "P·x + Q·c");
    if (!clamps) continue;
    // A held row of the refractory propagator is the identity: the value
    // itself (not 0 + 1·x, which would turn −0 into +0).
    if (held_state[sys.states[r]]) {
      y[r] = b.let(name("new.", r), Expr::select(refractory(), b.read(x[r]), b.read(y[r])),
                   "held while refractory");
      continue;
    }
    const bool same = same_bits(&prop.P[r * n], &prop.P_ref[r * n], n) &&
                      (c_const ? same_bits(&q[r], &q_ref[r], 1)
                               : same_bits(&prop.Q[r * n], &prop.Q_ref[r * n], n));
    if (same) continue;
    // A row coupled to a held one changes while the neuron is refractory.
    const int held_row = row(r, prop.P_ref, prop.Q_ref, q_ref, name("r.", r), "while refractory");
    y[r] = b.let(name("new.", r), Expr::select(refractory(), b.read(held_row), b.read(y[r])));
  }
  for (size_t r = 0; r < n; ++r) b.store(sys.states[r], y[r]);
}

// Exponential Euler and Euler: every new value from the old ones.
void updates(const Kernel& k, Body& b) {
  std::vector<int> u(k.odes.size());
  for (size_t e = 0; e < k.odes.size(); ++e) {
    const Ode& o = k.odes[e];
    const std::string nm = k.states[o.state].name;
    u[e] = b.let("u." + nm, k.update[e]);
    if (held(k, o))
      u[e] = b.let(
          "new." + nm,
          Expr::select(refractory(), Expr::var(Space::State, o.state, nm, k.states[o.state].dim),
                       b.read(u[e])));
  }
  for (size_t e = 0; e < k.odes.size(); ++e) b.store(k.odes[e].state, u[e]);
}

// `e` with the states read from `stage` (local per state, -1: the array)
// and the time `t + dt_c` (both `t` and table look-ups).
ExprPtr at_stage(const ExprPtr& e, const std::vector<int>& stage, double dt_c, Body& b) {
  if (e->kind == Kind::Var && e->space == Space::State && stage[e->slot] >= 0)
    return b.read(stage[e->slot]);
  if (dt_c != 0 && e->kind == Kind::Time)
    return Expr::binary(Op::Add, e, Expr::constant(dt_c), e->range);
  std::vector<ExprPtr> args;
  bool changed = false;
  for (const auto& a : e->args) {
    args.push_back(at_stage(a, stage, dt_c, b));
    changed |= args.back() != a;
  }
  if (dt_c != 0 && e->kind == Kind::Table && args.empty()) {
    args.push_back(Expr::binary(Op::Add, Expr::make(Kind::Time, e->dim, e->range),
                                Expr::constant(dt_c), e->range));
    changed = true;
  }
  if (!changed) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

// Classical RK4: stage values x + h·Σ a·k, derivatives at t + c·h, then
// x + h·Σ b·k.
void rk4(const Module& m, const Kernel& k, Body& b) {
  const num::Tableau& tb = num::kRk4;
  const double h = m.run.dt;
  const size_t U = k.odes.size();
  std::vector<int> x(U), stage(k.states.size(), -1);
  for (size_t u = 0; u < U; ++u) {
    const auto& st = k.states[k.odes[u].state];
    x[u] = b.let("x." + st.name, Expr::var(Space::State, k.odes[u].state, st.name, st.dim));
  }
  std::vector<std::vector<int>> ks(tb.stages, std::vector<int>(U));
  for (int s = 0; s < tb.stages; ++s) {
    for (size_t u = 0; u < U; ++u) {
      const std::string nm = k.states[k.odes[u].state].name;
      std::vector<std::pair<double, int>> terms;
      for (int q = 0; q < s; ++q) terms.emplace_back(tb.a[s][q], ks[q][u]);
      const int acc = b.affine(fmt_stage("a", s, nm), -1, 0.0, std::move(terms), "Σ a·k");
      stage[k.odes[u].state] = b.affine(fmt_stage("y", s, nm), x[u], 0, {{h, acc}}, "x + h·Σ a·k");
    }
    for (size_t u = 0; u < U; ++u) {
      const Ode& o = k.odes[u];
      ExprPtr rhs = at_stage(o.rhs, stage, tb.c[s] * h, b);
      if (held(k, o)) rhs = Expr::select(refractory(), Expr::constant(0.0, rhs->dim), rhs);
      ks[s][u] = b.let(fmt_stage("k", s, k.states[o.state].name), rhs);
    }
  }
  std::vector<int> out(U);
  for (size_t u = 0; u < U; ++u) {
    const std::string nm = k.states[k.odes[u].state].name;
    std::vector<std::pair<double, int>> terms;
    for (int s = 0; s < tb.stages; ++s) terms.emplace_back(tb.b[s], ks[s][u]);
    const int acc = b.affine("b." + nm, -1, 0.0, std::move(terms), "Σ b·k");
    out[u] = b.affine("new." + nm, x[u], 0, {{h, acc}}, "x + h·Σ b·k");
  }
  for (size_t u = 0; u < U; ++u) b.store(k.odes[u].state, out[u]);
}

}  // namespace

void lower_step(Module& m) {
  for (auto& k : m.kernels) {
    PopStep& st = k.step;
    st = PopStep{};
    if (!k.odes.empty()) {
      StepLoop loop;
      loop.kind = k.solver == Solver::RK45 ? StepLoop::Substeps : StepLoop::Neurons;
      st.loops.push_back(std::move(loop));
      Body b{st, st.loops.back()};
      switch (k.solver) {
        case Solver::Exact:
          exact(m, k, b);
          break;
        case Solver::ExpEuler:
        case Solver::Euler:
          updates(k, b);
          break;
        case Solver::RK4:
          rk4(m, k, b);
          break;
        case Solver::RK45:
          break;
      }
    }
    for (size_t g = 0; g < k.groups.size(); ++g) {
      StepLoop loop;
      loop.kind = StepLoop::Group;
      loop.group = static_cast<int>(g);
      st.loops.push_back(std::move(loop));
    }
    if (k.threshold) {
      StepLoop loop;
      loop.kind = StepLoop::Threshold;
      StepOp flag;
      flag.kind = StepOp::Flag;
      if (!k.fast_threshold) flag.value = k.threshold;  // ir/recognise_threshold.cpp
      loop.body.push_back(flag);
      st.loops.push_back(std::move(loop));
    }
    if (!k.reset.empty()) {
      StepLoop loop;
      loop.kind = StepLoop::Reset;
      st.loops.push_back(std::move(loop));
    }
  }
}

}  // namespace neuro::ir
