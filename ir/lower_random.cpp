// Draws from distributions in model code, lowered to rand(), randn() and
// Draw nodes (numeric/distributions.h):
//   uniform(lo, hi)          lo + (hi − lo)·rand()
//   normal(m, sd)            m + sd·randn()
//   normal(m, sd, lo[, hi])  m + sd·z, z a standard normal truncated to
//                            [(lo − m)/sd, (hi − m)/sd] (hi: +∞ when absent)
//   lognormal(mu, sigma)     exp(mu + sigma·randn())
//   poisson(λ), binomial(n, p)
// Each call is one random site. Parameters that are constants are checked
// here, with the argument's location; others give NaN when invalid.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "ir/fold_constants.h"
#include "ir/lower_internal.h"

namespace neuro::ir::lowering {

using namespace frontend;

ExprPtr Lowerer::draw(const FExpr& e, const Env& env) {
  const std::string& n = e.text;
  std::vector<ExprPtr> args;
  for (const auto& a : e.args) args.push_back(fold_constants(expr(*a, env)));
  const SourceRange r = e.range;
  auto value = [&](size_t k) -> std::optional<double> {
    if (k < args.size() && args[k]->kind == Kind::Const) return args[k]->value;
    return std::nullopt;
  };
  // A constant argument outside its domain: located at that argument.
  auto refuse = [&](size_t k, const std::string& what, const std::string& hint) {
    diags_.error(Code::BadValue, e.args[k]->range, what, hint);
  };
  auto shown = [&](size_t k) { return format_quantity(*value(k), args[k]->dim); };
  for (size_t k = 0; k < args.size(); ++k)
    if (auto v = value(k); v && !std::isfinite(*v) && !(n == "normal" && k >= 2))
      refuse(k, fmt::format("argument {} of `{}` is {}", k + 1, n, *v),
             "the parameters of a distribution are finite numbers");
  const int site = rand_site(e);
  auto make_rand = [&](Kind k) {
    auto x = Expr::make(k, {}, r);
    std::const_pointer_cast<Expr>(x)->slot = site;
    return x;
  };
  auto make_draw = [&](num::Dist d, std::vector<ExprPtr> params) {
    auto x = Expr::make(Kind::Draw, {}, r);
    auto& m = *std::const_pointer_cast<Expr>(x);
    m.slot = site;
    m.dist = d;
    m.args = std::move(params);
    return x;
  };
  if (n == "uniform") {
    if (value(0) && value(1) && *value(1) < *value(0))
      refuse(1,
             fmt::format("uniform(lo, hi) needs lo ≤ hi, but hi = {} is below lo = {}", shown(1),
                         shown(0)),
             "swap the bounds");
    ExprPtr width = Expr::binary(Op::Sub, args[1], args[0], r);
    return Expr::binary(Op::Add, args[0], Expr::binary(Op::Mul, width, make_rand(Kind::Rand), r),
                        r);
  }
  if (n == "lognormal") {
    if (value(1) && *value(1) < 0)
      refuse(1, fmt::format("the sigma of lognormal(mu, sigma) is negative ({})", *value(1)),
             "sigma is the standard deviation of the underlying normal, ≥ 0");
    ExprPtr z = Expr::binary(Op::Add, args[0],
                             Expr::binary(Op::Mul, args[1], make_rand(Kind::Randn), r), r);
    return Expr::call(Fn::Exp, {z}, {}, r);
  }
  if (n == "poisson") {
    if (value(0) && !(*value(0) >= 0 && *value(0) <= 1e15))
      refuse(0, fmt::format("the mean of poisson(λ) must be in [0, 1e15], not {}", *value(0)),
             "λ is the expected count, e.g. poisson(rate * dt) for one step of a Poisson process");
    return make_draw(num::Dist::Poisson, {args[0]});
  }
  if (n == "binomial") {
    if (auto v = value(0); v && !(*v >= 0 && *v <= 9007199254740992.0 && std::floor(*v) == *v))
      refuse(0, fmt::format("the n of binomial(n, p) is a whole number ≥ 0, not {}", *v),
             "n is the number of trials");
    if (auto v = value(1); v && !(*v >= 0 && *v <= 1))
      refuse(1, fmt::format("the p of binomial(n, p) is a probability in [0, 1], not {}", *v),
             "p is the probability of success of one trial");
    return make_draw(num::Dist::Binomial, {args[0], args[1]});
  }
  // normal
  if (auto sd = value(1); sd && *sd < 0)
    refuse(1, fmt::format("the standard deviation of normal() is negative ({})", shown(1)),
           "normal(mean, sd) needs sd ≥ 0");
  if (args.size() == 2)
    return Expr::binary(Op::Add, args[0], Expr::binary(Op::Mul, args[1], make_rand(Kind::Randn), r),
                        r);
  const ExprPtr hi = args.size() == 4
                         ? args[3]
                         : Expr::constant(std::numeric_limits<double>::infinity(), args[0]->dim, r);
  if (auto sd = value(1); sd && *sd == 0)
    refuse(1, "a truncated normal() needs a standard deviation > 0",
           "without spread there is nothing to truncate: write the mean, or clip(m, lo, hi)");
  if (value(2) && std::isnan(*value(2))) refuse(2, "the lower bound of normal() is NaN", "");
  if (args.size() == 4 && value(3) && std::isnan(*value(3)))
    refuse(3, "the upper bound of normal() is NaN", "");
  const bool all_const = value(0) && value(1) && value(2) && hi->kind == Kind::Const;
  if (all_const && *value(1) > 0) {
    const double m = *value(0), sd = *value(1);
    double a = (*value(2) - m) / sd, b = (hi->value - m) / sd;
    if (!(a < b)) {
      refuse(2,
             fmt::format("normal(mean, sd, lo, hi) needs lo < hi, not lo = {} and hi = {}",
                         shown(2), format_quantity(hi->value, args[0]->dim)),
             "the draw is redrawn until it lies in [lo, hi]");
    } else {
      if (a > 0) {  // mirrored, as the draw does: the tail where erfc is accurate
        const double t = a;
        a = -b;
        b = -t;
      }
      if (!(num::normal_cdf(b) > num::normal_cdf(a)))
        refuse(2,
               fmt::format("normal({}, {}) truncated to [{}, {}] has no probability mass left: "
                           "the bounds are {:.3g} and {:.3g} standard deviations from the mean",
                           shown(0), shown(1), shown(2), format_quantity(hi->value, args[0]->dim),
                           (*value(2) - m) / sd, (hi->value - m) / sd),
               "bounds within a few standard deviations of the mean");
    }
  }
  ExprPtr a = Expr::binary(Op::Div, Expr::binary(Op::Sub, args[2], args[0], r), args[1], r);
  ExprPtr b = Expr::binary(Op::Div, Expr::binary(Op::Sub, hi, args[0], r), args[1], r);
  ExprPtr z = make_draw(num::Dist::NormalTrunc, {fold_constants(a), fold_constants(b)});
  return Expr::binary(Op::Add, args[0], Expr::binary(Op::Mul, args[1], z, r), r);
}

}  // namespace neuro::ir::lowering
