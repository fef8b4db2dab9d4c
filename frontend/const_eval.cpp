// Constant evaluation: the SI value of a checked expression made of numbers,
// constants, math and user functions, folded before the run. Kept apart from
// the type checks: it computes values, where they compute types and units.
#include <fmt/format.h>

#include <cmath>

#include "frontend/sema_internal.h"
#include "numeric/evaluate.h"

namespace neuro::frontend {

std::optional<double> ExprChecker::constant(const Expr& e) const {
  auto arg = [&](size_t k) { return constant(*e.args[k]); };
  switch (e.kind) {
    case ExprKind::Number:
      return e.si;
    case ExprKind::Bool:
      return e.number;
    case ExprKind::Name: {
      if (e.ref.kind == NameRef::Const) {
        auto it = const_values.find(e.ref.decl);
        if (it != const_values.end()) return it->second;
        return std::nullopt;
      }
      if (e.ref.kind == NameRef::Builtin && e.text == "pi") return M_PI;
      if (e.ref.kind == NameRef::FnArg && !const_frames_.empty()) {
        auto it = const_frames_.back().find(e.text);
        if (it != const_frames_.back().end()) return it->second;
      }
      return std::nullopt;
    }
    case ExprKind::Unary: {
      // The arithmetic of every backend (numeric/evaluate.h): a folded
      // `const` has the bits the same expression has at run time.
      auto a = arg(0);
      if (!a) return std::nullopt;
      return num::apply_unary(e.op, *a);
    }
    case ExprKind::Binary: {
      auto a = arg(0), b = arg(1);
      if (!a || !b) return std::nullopt;
      return num::apply_binary(e.op, *a, *b);
    }
    case ExprKind::Cond: {
      auto c = arg(0);
      if (!c) return std::nullopt;
      return *c != 0 ? arg(1) : arg(2);
    }
    case ExprKind::Call: {
      if (e.ref.kind != NameRef::Builtin) {
        // A user function of constants is a constant: fold its body.
        const Member* fn = e.ref.decl;
        if (!fn || fn->kind != MemberKind::Func || const_frames_.size() > 64) return std::nullopt;
        std::map<std::string, double> frame;
        for (size_t k = 0; k < fn->params.size() && k < e.args.size(); ++k) {
          auto a = arg(k);
          if (!a) return std::nullopt;
          frame[fn->params[k]] = *a;
        }
        const_frames_.push_back(std::move(frame));
        auto v = constant(*fn->value);
        const_frames_.pop_back();
        return v;
      }
      std::vector<double> v;
      for (size_t k = 0; k < e.args.size(); ++k) {
        auto a = arg(k);
        if (!a) return std::nullopt;
        v.push_back(*a);
      }
      if (auto f = num::fn_named(e.text)) return num::apply_fn(*f, v.data(), v.size());
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<long long> ExprChecker::constant_integer(const Expr& e, const std::string& what) {
  auto v = constant(e);
  if (!v) {
    diags_.error(Code::NotConstant, e.range,
                 fmt::format("{} must be a constant known before the run", what),
                 "use numbers and `const` values only");
    return std::nullopt;
  }
  if (*v != std::floor(*v) || std::fabs(*v) > 9e15) {
    diags_.error(Code::BadValue, e.range,
                 fmt::format("{} must be a whole number, not {}", what, *v));
    return std::nullopt;
  }
  return static_cast<long long>(*v);
}

}  // namespace neuro::frontend
