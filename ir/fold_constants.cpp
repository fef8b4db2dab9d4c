#include "ir/fold_constants.h"

#include "numeric/evaluate.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace neuro::ir {

namespace {

// Shared subexpressions (a `let` used twice) fold once and stay shared: a
// tree walk would take time exponential in a chain of such lets.
using Memo = std::unordered_map<const Expr*, ExprPtr>;

ExprPtr fold(const ExprPtr& e, Memo& memo);

ExprPtr fold_node(const ExprPtr& e, Memo& memo) {
  if (!e || e->args.empty()) return e;
  std::vector<ExprPtr> args;
  bool changed = false, all_const = true;
  for (const auto& a : e->args) {
    ExprPtr f = fold(a, memo);
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

ExprPtr fold(const ExprPtr& e, Memo& memo) {
  if (!e || e->args.empty()) return e;
  if (auto it = memo.find(e.get()); it != memo.end()) return it->second;
  ExprPtr f = fold_node(e, memo);
  memo.emplace(e.get(), f);
  return f;
}

}  // namespace

ExprPtr fold_constants(const ExprPtr& e) {
  Memo memo;
  return fold(e, memo);
}

void fold_constants(Module& m) {
  Memo memo;  // (the module's expressions share the lets they use)
  for_each_expr(m, [&](ExprPtr& e) { e = fold(e, memo); });
  // An action whose condition is never true is dropped.
  for (auto& d : m.dendrites)
    for (auto* acts : {&d.on_segment, &d.on_cell})
      acts->erase(std::remove_if(acts->begin(), acts->end(),
                                 [](const Dendrite::Action& a) { return a.guard->is_const(0); }),
                  acts->end());
}

}  // namespace neuro::ir
