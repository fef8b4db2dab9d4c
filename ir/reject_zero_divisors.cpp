#include "ir/reject_zero_divisors.h"

#include <fmt/format.h>

#include <functional>

namespace neuro::ir {

void reject_zero_divisors(Module& m, frontend::Diagnostics& diags) {
  std::function<void(const ExprPtr&)> walk = [&](const ExprPtr& e) {
    if (!e) return;
    for (const auto& a : e->args) walk(a);
    if (e->kind != Kind::Binary || (e->op != Op::Div && e->op != Op::Mod)) return;
    const Expr& d = *e->args[1];
    if (d.kind != Kind::Const || d.value != 0) return;
    const SourceRange& at = d.range.line ? d.range : e->range;
    diags.error(frontend::Code::BadValue, at,
                fmt::format("this {} is zero: `{}` has no value",
                            e->op == Op::Div ? "divisor" : "modulus", print(*e)),
                "a time constant (or any divisor) must not be 0; check the value it is given");
  };
  for_each_expr(m, [&](ExprPtr& e) { walk(e); });
}

}  // namespace neuro::ir
