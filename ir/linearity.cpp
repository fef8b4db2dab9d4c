#include "ir/linearity.h"

#include "ir/fold_constants.h"

namespace neuro::ir {

bool depends_on_state(const ExprPtr& e, int slot) {
  if (!e) return false;
  if (e->kind == Kind::Var && e->space == Space::State && (slot < 0 || e->slot == slot))
    return true;
  for (const auto& a : e->args)
    if (depends_on_state(a, slot)) return true;
  return false;
}

bool depends_on_time_or_rand(const ExprPtr& e) {
  if (!e) return false;
  if (e->kind == Kind::Time || e->kind == Kind::Rand || e->kind == Kind::Randn ||
      e->kind == Kind::Draw || e->kind == Kind::Table)
    return true;
  if (e->kind == Kind::Var && e->space == Space::Modulator) return true;  // changes during the run
  for (const auto& a : e->args)
    if (depends_on_time_or_rand(a)) return true;
  return false;
}

namespace {

// nullptr stands for an exact zero so that sums stay small.
using Part = std::pair<ExprPtr, ExprPtr>;

ExprPtr add(Op op, const ExprPtr& a, const ExprPtr& b) {
  if (!b) return a;
  if (!a) return op == Op::Sub ? Expr::unary(Op::Neg, b) : b;
  return Expr::binary(op, a, b);
}

ExprPtr mul(Op op, const ExprPtr& a, const ExprPtr& b) {
  if (!a) return nullptr;  // 0·b and 0/b; b is finite coefficient structure here
  return Expr::binary(op, a, b);
}

std::optional<Part> split(const ExprPtr& e, int slot) {
  if (!depends_on_state(e, slot)) return Part{nullptr, e};
  switch (e->kind) {
    case Kind::Var:
      return Part{Expr::constant(1), nullptr};
    case Kind::Unary:
      if (e->op == Op::Neg) {
        auto p = split(e->args[0], slot);
        if (!p) return std::nullopt;
        return Part{p->first ? Expr::unary(Op::Neg, p->first) : nullptr,
                    p->second ? Expr::unary(Op::Neg, p->second) : nullptr};
      }
      return std::nullopt;
    case Kind::Binary: {
      if (e->op == Op::Add || e->op == Op::Sub) {
        auto l = split(e->args[0], slot), r = split(e->args[1], slot);
        if (!l || !r) return std::nullopt;
        return Part{add(e->op, l->first, r->first), add(e->op, l->second, r->second)};
      }
      if (e->op == Op::Mul) {
        bool ld = depends_on_state(e->args[0], slot), rd = depends_on_state(e->args[1], slot);
        if (ld && rd) return std::nullopt;
        const ExprPtr& k = ld ? e->args[1] : e->args[0];
        auto p = split(ld ? e->args[0] : e->args[1], slot);
        if (!p) return std::nullopt;
        auto times = [&](const ExprPtr& x) -> ExprPtr {
          if (!x) return nullptr;
          return ld ? Expr::binary(Op::Mul, x, k) : Expr::binary(Op::Mul, k, x);
        };
        return Part{times(p->first), times(p->second)};
      }
      if (e->op == Op::Div && !depends_on_state(e->args[1], slot)) {
        auto p = split(e->args[0], slot);
        if (!p) return std::nullopt;
        return Part{mul(Op::Div, p->first, e->args[1]), mul(Op::Div, p->second, e->args[1])};
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::pair<ExprPtr, ExprPtr>> split_linear(const ExprPtr& e, int slot) {
  auto p = split(e, slot);
  if (!p) return std::nullopt;
  ExprPtr a = p->first ? fold_constants(p->first) : Expr::constant(0);
  ExprPtr b = p->second ? fold_constants(p->second) : Expr::constant(0, e->dim);
  return std::make_pair(a, b);
}

}  // namespace neuro::ir
