#include "ir/fold_constants.h"

#include "frontend/theory.h"
#include "ir/exp.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace neuro::ir {

double apply_fn(Fn f, const double* a, size_t n) {
  switch (f) {
    case Fn::Exp:
      return ir::exp(a[0]);  // every backend's exp (ir/exp.h)
    case Fn::Log:
      return std::log(a[0]);
    case Fn::Log10:
      return std::log10(a[0]);
    case Fn::Sqrt:
      return std::sqrt(a[0]);
    case Fn::Abs:
      return std::fabs(a[0]);
    case Fn::Sin:
      return std::sin(a[0]);
    case Fn::Cos:
      return std::cos(a[0]);
    case Fn::Tan:
      return std::tan(a[0]);
    case Fn::Tanh:
      return std::tanh(a[0]);
    case Fn::Sinh:
      return std::sinh(a[0]);
    case Fn::Cosh:
      return std::cosh(a[0]);
    case Fn::Floor:
      return std::floor(a[0]);
    case Fn::Ceil:
      return std::ceil(a[0]);
    case Fn::Min:
      return *std::min_element(a, a + n);
    case Fn::Max:
      return *std::max_element(a, a + n);
    case Fn::Clip:
      return std::min(std::max(a[0], a[1]), a[2]);
    case Fn::FalseMatch:
      return frontend::false_match(a[0], a[1], a[2], a[3]);
    case Fn::FalseNegative:
      return frontend::false_negative(a[0], a[1], a[2], a[3]);
    case Fn::UnionSize:
      return frontend::union_size(a[0], a[1], a[2]);
  }
  return 0;
}

double apply_binary(Op op, double a, double b) {
  switch (op) {
    case Op::Add:
      return a + b;
    case Op::Sub:
      return a - b;
    case Op::Mul:
      return a * b;
    case Op::Div:
      return a / b;
    case Op::Mod:
      return std::fmod(a, b);
    case Op::Pow:
      return std::pow(a, b);
    case Op::Lt:
      return a < b;
    case Op::Le:
      return a <= b;
    case Op::Gt:
      return a > b;
    case Op::Ge:
      return a >= b;
    case Op::Eq:
      return a == b;
    case Op::Ne:
      return a != b;
    case Op::And:
      return (a != 0) && (b != 0);
    case Op::Or:
      return (a != 0) || (b != 0);
    default:
      return 0;
  }
}

double apply_unary(Op op, double a) {
  switch (op) {
    case Op::Neg:
      return -a;
    case Op::Not:
      return a == 0;
    default:
      return a;
  }
}

ExprPtr fold_constants(const ExprPtr& e) {
  if (!e || e->args.empty()) return e;
  std::vector<ExprPtr> args;
  bool changed = false, all_const = true;
  for (const auto& a : e->args) {
    ExprPtr f = fold_constants(a);
    changed |= f != a;
    all_const &= f->kind == Kind::Const;
    args.push_back(f);
  }
  auto c = [&](double v) { return Expr::constant(v, e->dim, e->range, e->boolean); };
  switch (e->kind) {
    case Kind::Unary:
      if (all_const) return c(apply_unary(e->op, args[0]->value));
      break;
    case Kind::Binary:
      if (all_const) return c(apply_binary(e->op, args[0]->value, args[1]->value));
      if ((e->op == Op::Mul && args[1]->is_const(1)) ||
          (e->op == Op::Div && args[1]->is_const(1)) ||
          ((e->op == Op::Add || e->op == Op::Sub) && args[1]->is_const(0)))
        return args[0];
      if ((e->op == Op::Mul && args[0]->is_const(1)) || (e->op == Op::Add && args[0]->is_const(0)))
        return args[1];
      // `true and c` is c, `false and c` is false (expressions have no side
      // effects, so nothing is lost by not evaluating c).
      if (e->op == Op::And || e->op == Op::Or)
        for (int k = 0; k < 2; ++k)
          if (args[k]->kind == Kind::Const && args[1 - k]->boolean) {
            bool v = args[k]->value != 0;
            if (e->op == Op::And) return v ? args[1 - k] : c(0);
            return v ? c(1) : args[1 - k];
          }
      break;
    case Kind::Call:
      if (all_const) {
        std::vector<double> v;
        for (const auto& a : args) v.push_back(a->value);
        return c(apply_fn(e->fn, v.data(), v.size()));
      }
      break;
    case Kind::Select:
      if (args[0]->kind == Kind::Const) return args[0]->value != 0 ? args[1] : args[2];
      break;
    default:
      break;
  }
  if (!changed) return e;
  auto copy = std::make_shared<Expr>(*e);
  copy->args = std::move(args);
  return copy;
}

namespace {

void fold(std::vector<Stmt>& body) {
  for (auto& s : body) {
    s.value = fold_constants(s.value);
    s.cond = fold_constants(s.cond);
    fold(s.then_body);
    fold(s.else_body);
  }
}

}  // namespace

void fold_constants(Module& m) {
  for (auto& k : m.kernels) {
    for (auto& v : k.params) v.value = fold_constants(v.value);
    for (auto& v : k.states) v.value = fold_constants(v.value);
    for (auto& l : k.lets) l.value = fold_constants(l.value);
    for (auto& o : k.odes) o.rhs = fold_constants(o.rhs);
    k.threshold = fold_constants(k.threshold);
    k.refractory = fold_constants(k.refractory);
    fold(k.reset);
  }
  for (auto& p : m.pops) {
    for (auto& in : p.init) in.value = fold_constants(in.value);
    p.rate = fold_constants(p.rate);
  }
  for (auto& pr : m.projections) {
    for (auto& v : pr.vars) v.value = fold_constants(v.value);
    pr.delay = fold_constants(pr.delay);
    pr.when = fold_constants(pr.when);
    fold(pr.on_pre);
    fold(pr.on_post);
  }
  for (auto& d : m.drives) d.value = fold_constants(d.value);
  for (auto& k : m.kernels)
    for (auto& g : k.groups) g.arg = fold_constants(g.arg);
  for (auto& d : m.dendrites) {
    d.candidate = fold_constants(d.candidate);
    for (auto* acts : {&d.on_segment, &d.on_cell}) {
      for (auto& a : *acts) {
        a.guard = fold_constants(a.guard);
        a.a = fold_constants(a.a);
        a.b = fold_constants(a.b);
      }
      // An action whose condition is never true is dropped.
      acts->erase(std::remove_if(acts->begin(), acts->end(),
                                 [](const Dendrite::Action& a) { return a.guard->is_const(0); }),
                  acts->end());
    }
  }
  for (auto& mo : m.monitors)
    for (auto& p : mo.probes) p.value = fold_constants(p.value);
}

}  // namespace neuro::ir
