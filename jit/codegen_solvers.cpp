// The update of one neuron inside nj_popN_integrate, one generator per
// solver: the exact propagator, Euler and exponential Euler, classical RK4.
// Each writes the interpreter's sums in its order (docs/jit.md, "Same bits").
#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "interpreter/engine_state.h"
#include "jit/emit.h"
#include "jit/pop_gen.h"
#include "numeric/tableaux.h"

namespace neuro::jit {

using ir::Kind;

namespace {

bool same_bits(const double* a, const double* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(double)) == 0;
}

}  // namespace

// The update of neuron i (S_x[i]) by the kernel's solver; rk45 (adaptive
// substeps shared by the population) has none: PopGen::run leaves it to the
// interpreter.
bool PopGen::solve() {
  switch (k_.solver) {
    case ir::Solver::Exact:
      return exact();
    case ir::Solver::ExpEuler:
    case ir::Solver::Euler:
      return updates();
    case ir::Solver::RK4:
      return rk4();
    case ir::Solver::RK45:
      return false;
  }
  return false;
}

void PopGen::ode_comments() {
  for (const auto& o : k_.odes)
    w_.line("// d{}/dt = {}{}  ({})", k_.states[o.state].name, ir::print(*o.rhs),
            o.unless_refractory ? "  unless refractory" : "", at(o.range));
}

// x ← P·x + q (or + Q·c): the sums in the interpreter's order, q first.
bool PopGen::exact() {
  if (k_.odes.empty()) return true;
  Propagator prop = make_propagator(k_.linear, k_, m_.run.dt);
  const size_t n = prop.n;
  const auto& sys = k_.linear;
  bool c_const = true;
  for (const auto& c : sys.c) c_const &= c->kind == Kind::Const;
  std::vector<double> q(n, 0), q_ref(n, 0);
  if (c_const)
    for (size_t r = 0; r < n; ++r)
      for (size_t c = 0; c < n; ++c) {
        q[r] += prop.Q[r * n + c] * sys.c[c]->value;
        q_ref[r] += prop.Q_ref[r * n + c] * sys.c[c]->value;
      }
  ode_comments();
  w_.line("// exact: x <- P*x + {}, P = exp(M dt) computed when the code was made",
          c_const ? "q" : "Q*c");
  for (size_t r = 0; r < n; ++r) w_.line("const double x{} = S_{}[i];", r, sname(sys.states[r]));
  bool ok = true;
  if (!c_const) {
    Ctx cx = ctx("S_");
    for (size_t r = 0; r < n; ++r) w_.line("const double c{} = {};", r, expr(sys.c[r], cx));
    ok = cx.ok;
  }
  auto row = [&](size_t r, const std::vector<double>& P, const std::vector<double>& Q,
                 const std::vector<double>& qv, const std::string& name) {
    std::string s = fmt::format("double {} = {};", name, c_const ? lit(qv[r]) : "0.0");
    w_.line("{}", s);
    // Terms with a zero coefficient are left out, as the interpreter's
    // term() makes them contribute nothing.
    for (size_t c = 0; c < n; ++c)
      if (P[r * n + c] != 0.0) w_.line("{} += {} * x{};", name, lit(P[r * n + c]), c);
    if (!c_const)
      for (size_t c = 0; c < n; ++c)
        if (Q[r * n + c] != 0.0) w_.line("{} += {} * c{};", name, lit(Q[r * n + c]), c);
  };
  if (clamps_) w_.line("const bool refractory = step < ref_end[i];");
  for (size_t r = 0; r < n; ++r) {
    row(r, prop.P, prop.Q, q, fmt::format("y{}", r));
    if (!clamps_) continue;
    bool same = same_bits(&prop.P[r * n], &prop.P_ref[r * n], n) &&
                (c_const ? same_bits(&q[r], &q_ref[r], 1)
                         : same_bits(&prop.Q[r * n], &prop.Q_ref[r * n], n));
    if (same) continue;
    w_.line("// refractory neurons: {} held", k_.states[sys.states[r]].name);
    row(r, prop.P_ref, prop.Q_ref, q_ref, fmt::format("r{}", r));
    w_.line("if (refractory) y{0} = r{0};", r);
  }
  for (size_t r = 0; r < n; ++r) w_.line("S_{}[i] = y{};", sname(sys.states[r]), r);
  return ok;
}

// Exponential Euler / Euler: every new value from the old ones.
bool PopGen::updates() {
  ode_comments();
  Ctx cx = ctx("S_");
  for (size_t u = 0; u < k_.odes.size(); ++u)
    w_.line("const double u{} = {};", u, expr(k_.update[u], cx));
  for (size_t u = 0; u < k_.odes.size(); ++u) {
    const auto& o = k_.odes[u];
    if (o.unless_refractory && k_.refractory)
      w_.line("if (step >= ref_end[i]) S_{}[i] = u{};", sname(o.state), u);
    else
      w_.line("S_{}[i] = u{};", sname(o.state), u);
  }
  return cx.ok;
}

// Classical RK4, as interpreter/runge_kutta.cpp forms its sums.
bool PopGen::rk4() {
  ode_comments();
  const num::Tableau& tb = num::kRk4;
  const auto& a = tb.a;
  const auto& b = tb.b;
  const auto& cc = tb.c;
  const double h = m_.run.dt;
  const size_t U = k_.odes.size();
  w_.line("const double t0 = t;");
  if (clamps_) w_.line("const bool refractory = step < ref_end[i];");
  // Stage values: every state (those without an equation stay put).
  for (size_t s = 0; s < k_.states.size(); ++s) w_.line("double y_{0} = S_{0}[i];", sname(s));
  Ctx cx = ctx("y_");
  for (int s = 0; s < tb.stages; ++s) {
    w_.line("// stage {}", s + 1);
    for (size_t u = 0; u < U; ++u) {
      w_.line("{{");
      w_.line("  double acc = 0.0;");
      for (int q = 0; q < s; ++q) w_.line("  acc += {} * k{}_{};", lit(a[s][q]), q, u);
      w_.line("  y_{0} = S_{0}[i] + {1} * acc;", sname(k_.odes[u].state), lit(h));
      w_.line("}}");
    }
    w_.line("{{");
    w_.line("  const double t = t0 + {} * {};", lit(cc[s]), lit(h));
    w_.line("  (void)t;");
    for (size_t u = 0; u < U; ++u) {
      std::string v = expr(k_.odes[u].rhs, cx);
      if (k_.odes[u].unless_refractory && k_.refractory) v = "refractory ? 0.0 : " + v;
      w_.line("  k{}_{} = {};", s, u, v);
    }
    w_.line("}}");
  }
  // Declarations of the stage derivatives go first.
  std::string decl = "double";
  for (int s = 0; s < tb.stages; ++s)
    for (size_t u = 0; u < U; ++u) decl += fmt::format("{} k{}_{}", s + u ? "," : "", s, u);
  // Inserted before the stages: find the "const double t0" line.
  const std::string marker = "const double t0 = t;\n";
  auto pos = w_.out.rfind(marker);
  if (U > 0) w_.out.insert(pos + marker.size(), std::string(2 * w_.depth, ' ') + decl + ";\n");
  for (size_t u = 0; u < U; ++u) {
    w_.line("{{");
    w_.line("  double acc = 0.0;");
    for (int s = 0; s < tb.stages; ++s) w_.line("  acc += {} * k{}_{};", lit(b[s]), s, u);
    w_.line("  S_{0}[i] = S_{0}[i] + {1} * acc;", sname(k_.odes[u].state), lit(h));
    w_.line("}}");
  }
  return cx.ok;
}

}  // namespace neuro::jit
