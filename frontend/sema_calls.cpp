// Checks of calls: user functions (inlined, so never recursive) and the
// built-in functions, with the table of their names and arities. Each
// built-in has its own rule for its arguments and their units.
#include <fmt/format.h>

#include <cmath>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

struct Builtin {
  const char* name;
  int arity;  // -1: one or more
};

const Builtin kBuiltins[] = {
    {"exp", 1},
    {"log", 1},
    {"log10", 1},
    {"sqrt", 1},
    {"abs", 1},
    {"sin", 1},
    {"cos", 1},
    {"tan", 1},
    {"tanh", 1},
    {"sinh", 1},
    {"cosh", 1},
    {"floor", 1},
    {"ceil", 1},
    {"min", -1},
    {"max", -1},
    {"clip", 3},
    {"rand", 0},
    {"randn", 0},
    // Draws from distributions (numeric/distributions.h).
    {"uniform", 2},
    {"normal", -1},  // normal(m, sd), normal(m, sd, lo), normal(m, sd, lo, hi)
    {"lognormal", 2},
    {"poisson", 1},
    {"binomial", 2},
    {"table", 2},
    // Sparse-representation theory (Ahmad & Hawkins 2016).
    {"false_match", 4},
    {"false_negative", 4},
    {"union_size", 3},
    // Reductions over consecutive groups of a population's neurons.
    {"group_max", 2},
    {"group_argmax", 2},
    {"group_sum", 2},
    // SDR encoders: 1 for the neurons (bits) active in the code, else 0.
    {"scalar_code", 4},
    {"category_code", 2},
};

bool theory_function(const std::string& n) {
  return n == "false_match" || n == "false_negative" || n == "union_size";
}

bool random_function(const std::string& n) {
  return n == "rand" || n == "randn" || n == "uniform" || n == "normal" || n == "lognormal" ||
         n == "poisson" || n == "binomial";
}

// Parameters that are numbers, not quantities: lognormal's (those of the
// underlying normal), a Poisson mean, a binomial's n and p.
bool dimensionless_draw(const std::string& n) {
  return n == "lognormal" || n == "poisson" || n == "binomial";
}

bool dimensionless_math(const std::string& n) {
  return n == "exp" || n == "log" || n == "log10" || n == "sin" || n == "cos" || n == "tan" ||
         n == "tanh" || n == "sinh" || n == "cosh" || n == "floor" || n == "ceil";
}

}  // namespace

std::optional<int> builtin_arity(const std::string& name) {
  for (const auto& b : kBuiltins)
    if (name == b.name) return b.arity;
  return std::nullopt;
}

uint64_t ExprChecker::inline_terms(const Expr& e) {
  uint64_t n = 1;
  if (e.kind == ExprKind::Call) {
    auto g = program_.globals.find(e.text);
    if (g != program_.globals.end() && g->second->kind == MemberKind::Func)
      n = inline_terms(g->second);
  }
  for (const auto& a : e.args)
    if (a) n = std::min<uint64_t>(n + inline_terms(*a), kMaxExpressionTerms + 1);
  return n;
}

uint64_t ExprChecker::inline_terms(const Member* fn) {
  if (auto it = inline_terms_.find(fn); it != inline_terms_.end()) return it->second;
  inline_terms_[fn] = 1;  // a recursive call counts once: checking reports the recursion
  const uint64_t n = fn->value ? inline_terms(*fn->value) : 1;
  inline_terms_[fn] = n;
  return n;
}

Type ExprChecker::check_call(Expr& e, const Scope& scope) {
  const std::string& n = e.text;
  auto g = program_.globals.find(n);
  if (g != program_.globals.end() && g->second->kind == MemberKind::Func) {
    Member* fn = g->second;
    if (e.args.size() != fn->params.size()) {
      auto& d = diags_.error(Code::BadCall, e.range,
                             fmt::format("`{}` takes {} argument{}, but {} {} given", n,
                                         fn->params.size(), fn->params.size() == 1 ? "" : "s",
                                         e.args.size(), e.args.size() == 1 ? "is" : "are"));
      d.notes.push_back({fn->name_range, "declared here"});
      return Type::error();
    }
    if (calling_.count(fn)) {
      diags_.error(Code::Recursion, e.range,
                   fmt::format("`{}` calls itself; functions are inlined and cannot recurse", n));
      return Type::error();
    }
    // Calls are inlined, each a copy of the body: a chain of functions that
    // each call the previous one twice doubles per link. Refused before
    // checking the copies (which would take as long).
    if (calling_.empty() && inline_terms(fn) > kMaxExpressionTerms) {
      auto& d = diags_.error(
          Code::BadValue, e.range,
          fmt::format("this call of `{}` expands to more than {} terms", n, kMaxExpressionTerms),
          "each call of a function copies its body; use a `let` or a state "
          "variable for a value used many times");
      d.notes.push_back({fn->name_range, "declared here"});
      return Type::error();
    }
    Scope body;
    body.has_rand = scope.has_rand;
    bool ok = true;
    for (size_t k = 0; k < e.args.size(); ++k) {
      Type t = check(*e.args[k], scope);
      if (!t.ok()) ok = false;
      body.names[fn->params[k]] = {NameRef::FnArg, fn, t};
    }
    if (!ok) return Type::error();
    calling_.insert(fn);
    size_t before = diags_.error_count();
    Type t = check(*fn->value, body);
    calling_.erase(fn);
    if (diags_.error_count() > before) {
      auto& last = const_cast<Diagnostic&>(diags_.list().back());
      last.notes.push_back({e.range, fmt::format("in this call of `{}`", n)});
    }
    e.ref = {NameRef::None, fn};
    return t;
  }
  auto arity = builtin_arity(n);
  if (!arity) {
    diags_.error(
        Code::BadCall, e.range, fmt::format("unknown function `{}`", n),
        "built-in functions: exp, log, log10, sqrt, abs, sin, cos, tan, tanh, sinh, cosh, "
        "floor, ceil, min, max, clip, rand, randn, uniform, normal, lognormal, poisson, "
        "binomial, table, false_match, false_negative, union_size, "
        "group_max, group_argmax, group_sum, scalar_code, category_code; or declare `fn name(x) = "
        "…`");
    return Type::error();
  }
  if (n == "normal" && (e.args.size() < 2 || e.args.size() > 4)) {
    diags_.error(Code::BadCall, e.range,
                 fmt::format("`normal` takes 2, 3 or 4 arguments, but {} given", e.args.size()),
                 "normal(mean, sd), normal(mean, sd, lo) or normal(mean, sd, lo, hi): "
                 "truncated to [lo, hi]");
    return Type::error();
  }
  if ((*arity >= 0 && static_cast<int>(e.args.size()) != *arity) ||
      (*arity < 0 && e.args.empty())) {
    diags_.error(Code::BadCall, e.range,
                 *arity >= 0 ? fmt::format("`{}` takes {} argument{}, but {} given", n, *arity,
                                           *arity == 1 ? "" : "s", e.args.size())
                             : fmt::format("`{}` needs at least one argument", n));
    return Type::error();
  }
  e.ref = {NameRef::Builtin, nullptr};
  if (random_function(n) && !scope.has_rand) {
    diags_.error(Code::BadCall, e.range, fmt::format("`{}()` is not allowed here", n),
                 "random numbers belong in equations, initialisers and handlers, not in constants");
    return Type::error();
  }
  if (n == "rand" || n == "randn") return Type::quantity({});
  if (n == "table") {
    // table(step, [v0, v1, …]): v[k] for t in [k·step, (k+1)·step), the last value after.
    if (!expect(*e.args[0], scope, dim::time(), "the step of table()")) return Type::error();
    Expr& list = *e.args[1];
    if (list.kind != ExprKind::List || list.args.empty()) {
      diags_.error(Code::TypeMismatch, list.range,
                   "the second argument of table() is a non-empty list `[v0, v1, …]`");
      return Type::error();
    }
    Type first = check(*list.args[0], scope);
    if (!first.ok()) return Type::error();
    for (size_t k = 1; k < list.args.size(); ++k)
      if (!expect(*list.args[k], scope, first.dim, "every value of the table"))
        return Type::error();
    list.type = {Type::List, first.dim};
    if (!scope.has_t) {
      diags_.error(Code::BadCall, e.range,
                   "table() follows the simulation time, which is not known here");
      return Type::error();
    }
    return Type::quantity(first.dim);
  }
  if (n == "scalar_code" || n == "category_code") {
    // scalar_code(x, lo, hi, w): the block of w neurons whose start moves
    // linearly with x over [lo, hi]; category_code(c, w): neurons
    // [c·w, (c+1)·w). The neuron's index in its population is the bit.
    if (!scope.has_i || scope.synapse) {
      diags_.error(Code::BadCall, e.range,
                   fmt::format("`{}` encodes a value over a population's neurons; it has no "
                               "meaning here",
                               n),
                   "use it in a neuron's code or a `drive P.x = …` onto a population");
      return Type::error();
    }
    if (n == "scalar_code") {
      Type t = check(*e.args[0], scope);
      if (!t.ok()) return Type::error();
      if (t.kind != Type::Quantity) {
        diags_.error(Code::TypeMismatch, e.args[0]->range,
                     fmt::format("`scalar_code` encodes a number, not a {}", describe(t)));
        return Type::error();
      }
      if (!expect(*e.args[1], scope, t.dim, "the low end of the range") ||
          !expect(*e.args[2], scope, t.dim, "the high end of the range"))
        return Type::error();
    } else if (!expect(*e.args[0], scope, Dimension(), "the category")) {
      return Type::error();
    }
    const auto& w = *e.args.back();
    if (!expect(*e.args.back(), scope, Dimension(), "the number of active bits"))
      return Type::error();
    if (auto v = constant(w); v && !(*v >= 1 && std::floor(*v) == *v)) {
      diags_.error(Code::BadValue, w.range,
                   fmt::format("the number of active bits is a whole number ≥ 1, not {}", *v));
      return Type::error();
    }
    return Type::quantity({});
  }
  if (n.rfind("group_", 0) == 0) {
    // group_max(x, size): the largest x among the `size` consecutive neurons
    // of this neuron's group; group_argmax: whether this neuron holds it
    // (the first one on ties); group_sum: their sum.
    if (!scope.neuron_step) {
      diags_.error(
          Code::BadCall, e.range,
          fmt::format("`{}` reduces over a population's neurons; it has no meaning here", n),
          "use it in a neuron's derived values, equations or spike condition");
      return Type::error();
    }
    Type t = check(*e.args[0], scope);
    if (!t.ok()) return Type::error();
    if (t.kind != Type::Quantity) {
      diags_.error(Code::TypeMismatch, e.args[0]->range,
                   fmt::format("`{}` takes a number, not a {}", n, describe(t)),
                   "turn a condition into a number with `if c then 1 else 0`");
      return Type::error();
    }
    if (!expect(*e.args[1], scope, Dimension(), fmt::format("the group size of `{}`", n)))
      return Type::error();
    return n == "group_argmax" ? Type::boolean() : t;
  }
  std::vector<Type> ts;
  for (auto& a : e.args) {
    Type t = check(*a, scope);
    if (!t.ok()) return Type::error();
    if (t.kind != Type::Quantity) {
      diags_.error(Code::TypeMismatch, a->range,
                   fmt::format("`{}` takes numbers, not a {}", n, describe(t)));
      return Type::error();
    }
    ts.push_back(t);
  }
  if (theory_function(n) || dimensionless_draw(n)) {
    for (size_t k = 0; k < e.args.size(); ++k)
      if (!ts[k].dim.dimensionless()) {
        mismatch(*e.args[k], {},
                 fmt::format("argument {} of `{}` ({})", k + 1, n,
                             theory_function(n) ? "a count" : "a number"));
        return Type::error();
      }
    return Type::quantity({});
  }
  if (dimensionless_math(n)) {
    if (!ts[0].dim.dimensionless()) {
      diags_.error(Code::UnitMismatch, e.args[0]->range,
                   fmt::format("`{}` needs a dimensionless argument, but this is {}", n,
                               describe(ts[0].dim)),
                   fmt::format("divide by a reference value, e.g. `{}(x / 1 {})`", n,
                               display_unit(ts[0].dim).symbol));
      return Type::error();
    }
    return Type::quantity({});
  }
  if (n == "sqrt") {
    auto d = ts[0].dim.sqrt();
    if (!d) {
      diags_.error(Code::UnitMismatch, e.args[0]->range,
                   fmt::format("the square root of {} has no unit", describe(ts[0].dim)));
      return Type::error();
    }
    return Type::quantity(*d);
  }
  // abs, min, max, clip: all arguments share one dimension.
  for (size_t k = 1; k < e.args.size(); ++k) {
    if (ts[k].dim != ts[0].dim) {
      mismatch(*e.args[k], ts[0].dim, fmt::format("argument {} of `{}`", k + 1, n));
      return Type::error();
    }
  }
  return Type::quantity(ts[0].dim);
}

}  // namespace neuro::frontend
