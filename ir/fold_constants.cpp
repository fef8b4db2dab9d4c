#include "ir/fold_constants.h"

#include "numeric/evaluate.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace neuro::ir {

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
      if (all_const) return c(num::apply_unary(e->op, args[0]->value));
      break;
    case Kind::Binary:
      if (all_const) return c(num::apply_binary(e->op, args[0]->value, args[1]->value));
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
        return c(num::apply_fn(e->fn, v.data(), v.size()));
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
