#include "ir/choose_solver.h"

#include <fmt/format.h>

#include "ir/fold_constants.h"
#include "ir/linearity.h"

namespace neuro::ir {

namespace {

// dx/dt = M x + c with M constant and c free of these states, time and noise.
std::optional<LinearSystem> linear_system(const Kernel& k, std::string& why_not) {
  LinearSystem sys;
  for (const auto& o : k.odes) sys.states.push_back(o.state);
  for (const auto& o : k.odes) {
    std::vector<double> row;
    ExprPtr rest = o.rhs;
    for (int s : sys.states) {
      auto p = split_linear(rest, s);
      if (!p) {
        why_not =
            fmt::format("d{}/dt is not linear in {}", k.states[o.state].name, k.states[s].name);
        return std::nullopt;
      }
      if (p->first->kind != Kind::Const) {
        why_not = fmt::format("the coefficient of {} in d{}/dt is not constant", k.states[s].name,
                              k.states[o.state].name);
        return std::nullopt;
      }
      row.push_back(p->first->value);
      rest = p->second;
    }
    for (int s : sys.states)
      if (depends_on_state(rest, s)) {
        why_not = fmt::format("d{}/dt is not linear", k.states[o.state].name);
        return std::nullopt;
      }
    if (depends_on_time_or_rand(rest)) {
      why_not = fmt::format("d{}/dt depends on time or random numbers", k.states[o.state].name);
      return std::nullopt;
    }
    sys.M.push_back(row);
    sys.c.push_back(rest);
  }
  return sys;
}

// x ← −B/A + (x + B/A)·e^{A·dt}, or x + B·dt where A = 0.
std::optional<std::vector<ExprPtr>> exponential_euler(const Kernel& k, double dt,
                                                      std::string& why_not) {
  std::vector<ExprPtr> out;
  for (const auto& o : k.odes) {
    auto p = split_linear(o.rhs, o.state);
    if (!p) {
      why_not =
          fmt::format("d{}/dt is not linear in {}", k.states[o.state].name, k.states[o.state].name);
      return std::nullopt;
    }
    const Variable& v = k.states[o.state];
    ExprPtr x = Expr::var(Space::State, o.state, v.name, v.dim);
    ExprPtr A = p->first, B = p->second;
    ExprPtr DT = Expr::constant(dt, frontend::dim::time());
    ExprPtr euler = Expr::binary(Op::Add, x, Expr::binary(Op::Mul, B, DT));
    ExprPtr BA = Expr::binary(Op::Div, B, A);
    ExprPtr expo =
        Expr::binary(Op::Add, Expr::unary(Op::Neg, BA),
                     Expr::binary(Op::Mul, Expr::binary(Op::Add, x, BA),
                                  Expr::call(Fn::Exp, {Expr::binary(Op::Mul, A, DT)}, {})));
    ExprPtr zero = Expr::binary(Op::Eq, A, Expr::constant(0, A->dim));
    out.push_back(fold_constants(Expr::select(zero, euler, expo, o.range)));
  }
  return out;
}

std::vector<ExprPtr> forward_euler(const Kernel& k, double dt) {
  std::vector<ExprPtr> out;
  for (const auto& o : k.odes) {
    const Variable& v = k.states[o.state];
    ExprPtr x = Expr::var(Space::State, o.state, v.name, v.dim);
    out.push_back(fold_constants(Expr::binary(
        Op::Add, x, Expr::binary(Op::Mul, o.rhs, Expr::constant(dt, frontend::dim::time())))));
  }
  return out;
}

}  // namespace

void choose_solver(Module& m, frontend::Diagnostics& diags) {
  for (auto& k : m.kernels) {
    if (k.odes.empty()) {
      k.solver = Solver::Exact;
      k.solver_reason = "no differential equations";
      continue;
    }
    std::string why_exact, why_exp;
    auto sys = linear_system(k, why_exact);
    if (k.solver_forced) {
      switch (k.solver) {
        case Solver::Exact:
          if (!sys) {
            diags.error(
                frontend::Code::BadSolver, k.solver_range,
                fmt::format("`solver exact` needs linear equations with constant coefficients: {}",
                            why_exact),
                "remove the `solver` line to let neuro choose, or pick expeuler, rk4 or rk45");
            continue;
          }
          k.linear = *sys;
          break;
        case Solver::ExpEuler: {
          auto up = exponential_euler(k, m.run.dt, why_exp);
          if (!up) {
            diags.error(
                frontend::Code::BadSolver, k.solver_range,
                fmt::format("`solver expeuler` needs each equation linear in its own variable: {}",
                            why_exp),
                "use rk4 or rk45");
            continue;
          }
          k.update = *up;
          break;
        }
        case Solver::Euler:
          k.update = forward_euler(k, m.run.dt);
          break;
        default:
          break;
      }
      k.solver_reason = "chosen in the model";
      continue;
    }
    if (sys) {
      k.solver = Solver::Exact;
      k.linear = *sys;
      k.solver_reason = "linear with constant coefficients";
      continue;
    }
    if (auto up = exponential_euler(k, m.run.dt, why_exp)) {
      k.solver = Solver::ExpEuler;
      k.update = *up;
      k.solver_reason = fmt::format("each equation is linear in its own variable ({})", why_exact);
      continue;
    }
    k.solver = Solver::RK4;
    k.solver_reason = fmt::format("nonlinear ({})", why_exp);
  }
}

}  // namespace neuro::ir
