#include "ir/limit_expression_size.h"

#include <fmt/format.h>

#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace neuro::ir {

void limit_expression_size(Module& m, frontend::Diagnostics& diags) {
  // Nodes of the expanded tree, counted once per shared node (saturating).
  std::unordered_map<const Expr*, uint64_t> memo;
  std::function<uint64_t(const Expr&)> terms = [&](const Expr& e) -> uint64_t {
    if (auto it = memo.find(&e); it != memo.end()) return it->second;
    uint64_t n = 1;
    for (const auto& a : e.args) n = std::min<uint64_t>(n + terms(*a), kMaxExpressionTerms + 1);
    memo.emplace(&e, n);
    return n;
  };
  // Once per oversized part: an expression that contains one already
  // reported (the next let of the chain) is not reported again.
  std::unordered_set<const Expr*> seen;
  bool blamed = false;
  std::function<void(const Expr&)> visit = [&](const Expr& e) {
    if (!seen.insert(&e).second) {
      blamed |= memo.at(&e) > kMaxExpressionTerms;
      return;
    }
    for (const auto& a : e.args) visit(*a);
  };
  for_each_expr(m, [&](ExprPtr& e) {
    if (!e || terms(*e) <= kMaxExpressionTerms) return;
    blamed = false;
    visit(*e);
    if (blamed) return;
    diags.error(frontend::Code::BadValue, e->range,
                fmt::format("this expression expands to more than {} terms", kMaxExpressionTerms),
                "each use of a `let` or a function copies its expression; introduce a state "
                "variable, or use the value fewer times");
  });
}

}  // namespace neuro::ir
