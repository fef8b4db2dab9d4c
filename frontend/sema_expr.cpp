#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "frontend/sema_internal.h"
#include "numeric/evaluate.h"

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

bool dimensionless_math(const std::string& n) {
  return n == "exp" || n == "log" || n == "log10" || n == "sin" || n == "cos" || n == "tan" ||
         n == "tanh" || n == "sinh" || n == "cosh" || n == "floor" || n == "ceil";
}

const char* kReserved[] = {"t", "dt", "i", "j", "N", "pi", "pre", "post", "spikes", "delay"};

// What a neuron reads of its segment collection `distal`: `distal.active_segments`.
// In ir::SegmentField order: lowering turns the index into the IR slot.
const char* kSegmentFields[] = {"active_segments", "matching_segments", "segments",
                                "best_potential"};

}  // namespace

bool is_reserved_name(const std::string& name) {
  for (const char* r : kReserved)
    if (name == r) return true;
  return builtin_arity(name).has_value();
}

std::optional<int> builtin_arity(const std::string& name) {
  for (const auto& b : kBuiltins)
    if (name == b.name) return b.arity;
  return std::nullopt;
}

const char* segment_field_name(int k) {
  return k >= 0 && k < static_cast<int>(std::size(kSegmentFields)) ? kSegmentFields[k] : nullptr;
}

int segment_field(const std::string& name) {
  for (size_t k = 0; k < std::size(kSegmentFields); ++k)
    if (name == kSegmentFields[k]) return static_cast<int>(k);
  return -1;
}

bool is_bare_number(const Expr& e) {
  if (e.kind == ExprKind::Number) return e.unit.empty();
  if (e.kind == ExprKind::Unary && (e.op == Op::Neg || e.op == Op::Pos))
    return is_bare_number(*e.args[0]);
  return false;
}

Member* find_in_model(const Member* model, const std::string& name) {
  if (!model) return nullptr;
  for (const auto& m : model->body)
    if ((m->kind == MemberKind::Param || m->kind == MemberKind::State ||
         m->kind == MemberKind::Let) &&
        m->name == name)
      return m.get();
  return nullptr;
}

Type ExprChecker::check_number(Expr& e) {
  double scale = 1;
  Dimension d;
  bool ok = true;
  for (const auto& a : e.unit) {
    auto u = lookup_unit(a.symbol);
    if (!u) {
      std::string hint = "units are symbols such as mV, ms, nS, pF, nA, Hz, um, Mohm";
      if (a.symbol == "sec") hint = "write `s` for seconds";
      if (a.symbol == "msec") hint = "write `ms` for milliseconds";
      if (a.symbol == "uF" || a.symbol == "ohms") hint = "write `ohm` for ohms";
      diags_.error(Code::UnknownUnit, a.range, "`" + a.symbol + "` is not a unit", hint);
      ok = false;
      continue;
    }
    double s = std::pow(u->scale, a.exponent);
    Dimension ud = u->dim.pow(a.exponent);
    if (a.divide) {
      scale /= s;
      d = d / ud;
    } else {
      scale *= s;
      d = d * ud;
    }
  }
  if (!ok) return Type::error();
  e.si = e.number * scale;
  return Type::quantity(d);
}

Type ExprChecker::check_name(Expr& e, const Scope& scope) {
  const std::string& n = e.text;
  if (const Symbol* s = scope.find(n)) {
    if (s->kind == NameRef::SegmentField) {
      diags_.error(Code::TypeMismatch, e.range,
                   fmt::format("`{}` is a collection of dendritic segments, not a value", n),
                   fmt::format("read `{}.active_segments` (or matching_segments, segments, "
                               "best_potential)",
                               n));
      return Type::error();
    }
    e.ref = {s->kind, s->decl};
    return s->type;
  }
  auto builtin = [&](bool allowed, Type t, const char* where) -> Type {
    if (!allowed) {
      diags_.error(Code::UnknownName, e.range, fmt::format("`{}` has no meaning here", n),
                   fmt::format("`{}` {}", n, where));
      return Type::error();
    }
    e.ref = {NameRef::Builtin, nullptr};
    return t;
  };
  if (n == "t")
    return builtin(scope.has_t, Type::quantity(dim::time()),
                   "is the simulation time, known in per-step code");
  if (n == "dt") return builtin(true, Type::quantity(dim::time()), "is the time step");
  if (n == "i")
    return builtin(scope.has_i, Type::quantity({}),
                   "is a neuron's index in its population, or the presynaptic index in a connect");
  if (n == "j")
    return builtin(scope.has_j, Type::quantity({}), "is the postsynaptic index in a connect");
  if (n == "N")
    return builtin(scope.has_N, Type::quantity({}),
                   "is the population size, known in its initialiser");
  if (n == "pi") return builtin(true, Type::quantity({}), "");
  auto g = program_.globals.find(n);
  if (g != program_.globals.end()) {
    Member* m = g->second;
    if (m->kind == MemberKind::Const) {
      e.ref = {NameRef::Const, m};
      if (!decl_types.count(m) && ensure_const) ensure_const(m);
      auto t = decl_types.find(m);
      return t != decl_types.end() ? t->second : Type::error();
    }
    if (m->kind == MemberKind::Model) {
      e.ref = {NameRef::Model, m};
      return {Type::Model, {}};
    }
    if (m->kind == MemberKind::Modulator) {
      e.ref = {NameRef::Modulator, m};
      if (!decl_types.count(m) && ensure_const) ensure_const(m);  // its initial value is a constant
      auto t = decl_types.find(m);
      return t != decl_types.end() ? t->second : Type::error();
    }
    diags_.error(Code::TypeMismatch, e.range,
                 fmt::format("`{}` is a function; call it with `{}(…)`", n, n));
    return Type::error();
  }
  std::string hint;
  if (lookup_unit(n))
    hint = fmt::format(
        "`{}` is a unit; units follow a number, as in `1 {}`; a compound unit goes in brackets: `1 "
        "[mV/{}]`",
        n, n, n);
  diags_.error(Code::UnknownName, e.range, fmt::format("unknown name `{}`", n), hint);
  return Type::error();
}

Type ExprChecker::check_member(Expr& e, const Scope& scope) {
  // `post.dend.v`: the variable `dend.v` (of compartment dend) of the post neuron.
  while (e.args[0]->kind == ExprKind::Member && e.args[0]->args[0]->kind == ExprKind::Name &&
         (e.args[0]->args[0]->text == "pre" || e.args[0]->args[0]->text == "post")) {
    e.text = e.args[0]->text + "." + e.text;
    e.args[0] = e.args[0]->args[0];
  }
  Expr& obj = *e.args[0];
  if (obj.kind == ExprKind::Name) {
    const Symbol* sym = scope.find(obj.text);
    if (sym && sym->kind == NameRef::SegmentField) {
      int field = segment_field(e.text);
      if (field < 0) {
        diags_.error(Code::UnknownName, e.range,
                     fmt::format("a segment collection has no value `{}`", e.text),
                     fmt::format("`{0}.active_segments`, `{0}.matching_segments`, "
                                 "`{0}.segments` and `{0}.best_potential`",
                                 obj.text));
        return Type::error();
      }
      e.ref = {NameRef::SegmentField, sym->decl};
      return Type::quantity({});
    }
  }
  if (obj.kind == ExprKind::Name && (obj.text == "pre" || obj.text == "post")) {
    bool post = obj.text == "post";
    if (!scope.synapse) {
      diags_.error(
          Code::UnknownName, obj.range,
          fmt::format("`{}.` refers to a synapse's {}synaptic neuron; it has no meaning here",
                      obj.text, post ? "post" : "pre"));
      return Type::error();
    }
    if (scope.post_unknown) return Type::error();  // checked again per connect
    if (post && scope.dendrite && e.text == "spiked") {
      e.ref = {NameRef::SegmentVar, scope.dendrite};
      return Type::boolean();
    }
    Member* model = post ? scope.post_model : scope.pre_model;
    if (!model) {
      // Sources (Poisson, generators) have no variables.
      diags_.error(Code::UnknownName, e.range,
                   fmt::format("the {}synaptic population has no variable `{}`",
                               post ? "post" : "pre", e.text));
      return Type::error();
    }
    Member* decl = find_in_model(model, e.text);
    if (!decl) {
      auto& d =
          diags_.error(Code::UnknownName, e.range,
                       fmt::format("neuron model `{}` has no variable `{}`", model->name, e.text));
      d.notes.push_back({model->name_range, fmt::format("`{}` is declared here", model->name)});
      return Type::error();
    }
    e.ref = {post ? NameRef::PostVar : NameRef::PreVar, decl};
    auto t = decl_types.find(decl);
    return t != decl_types.end() ? t->second : Type::error();
  }
  diags_.error(Code::TypeMismatch, e.range,
               "`.` is only used as `pre.x` and `post.x` in synapse code, and `P.x` in `drive`");
  return Type::error();
}

void ExprChecker::mismatch(const Expr& e, const Dimension& want, const std::string& what) {
  if (is_bare_number(e) && !want.dimensionless()) {
    diags_.error(Code::MissingUnit, e.range,
                 fmt::format("{} needs a unit: it is {}", what, describe(want)),
                 fmt::format("write the unit after the number, e.g. `{} {}`", print(e),
                             display_unit(want).symbol));
    return;
  }
  auto& d = diags_.error(Code::UnitMismatch, e.range,
                         fmt::format("unit mismatch: {} is {}, but this is {}", what,
                                     describe(want), describe(e.type)));
  add_dimensionless_notes(d, e);
}

// Points at declarations written with a bare number when they take part in a
// mismatch: `param tau = 20` is the usual cause of a wrong dimension later.
void ExprChecker::add_dimensionless_notes(Diagnostic& d, const Expr& e) {
  if (e.kind == ExprKind::Name && e.ref.decl && e.ref.decl->value &&
      (e.ref.kind == NameRef::Param || e.ref.kind == NameRef::State ||
       e.ref.kind == NameRef::Const) &&
      is_bare_number(*e.ref.decl->value) && d.notes.size() < 3) {
    d.notes.push_back({e.ref.decl->value->range,
                       fmt::format("`{}` is dimensionless because its value has no unit", e.text)});
  }
  for (const auto& a : e.args)
    if (a) add_dimensionless_notes(d, *a);
}

bool ExprChecker::expect(Expr& e, const Scope& scope, const Dimension& want,
                         const std::string& what) {
  Type t = check(e, scope);
  if (!t.ok()) return false;
  if (t.kind != Type::Quantity) {
    diags_.error(Code::TypeMismatch, e.range,
                 fmt::format("{} must be a quantity, not a {}", what, describe(t)));
    return false;
  }
  if (t.dim != want) {
    mismatch(e, want, what);
    return false;
  }
  return true;
}

bool ExprChecker::expect_bool(Expr& e, const Scope& scope, const std::string& what) {
  Type t = check(e, scope);
  if (!t.ok()) return false;
  if (t.kind != Type::Bool) {
    diags_.error(Code::NotBoolean, e.range,
                 fmt::format("{} must be true or false, but this is {}", what, describe(t)),
                 "compare with `<`, `>`, `==`… to get a condition");
    return false;
  }
  return true;
}

Type ExprChecker::check_binary(Expr& e, const Scope& scope) {
  Expr& a = *e.args[0];
  Expr& b = *e.args[1];
  Type ta = check(a, scope);
  Type tb = check(b, scope);
  if (!ta.ok() || !tb.ok()) return Type::error();
  auto need_quantity = [&](Expr& x, const Type& t) {
    if (t.kind == Type::Quantity) return true;
    diags_.error(Code::TypeMismatch, x.range,
                 fmt::format("`{}` needs a number here, not a {}", op_text(e.op), describe(t)));
    return false;
  };
  auto same_dim = [&]() -> bool {
    if (ta.dim == tb.dim) return true;
    // Blame the bare number if there is one: `v + 3` means `v + 3 mV`.
    if (is_bare_number(b) && !ta.dim.dimensionless()) {
      mismatch(b, ta.dim, fmt::format("the right side of `{}`", op_text(e.op)));
    } else if (is_bare_number(a) && !tb.dim.dimensionless()) {
      mismatch(a, tb.dim, fmt::format("the left side of `{}`", op_text(e.op)));
    } else {
      auto& d = diags_.error(Code::UnitMismatch, e.range,
                             fmt::format("unit mismatch: `{}` of {} and {}", op_text(e.op),
                                         describe(ta.dim), describe(tb.dim)),
                             "both sides must have the same dimension");
      add_dimensionless_notes(d, e);
    }
    return false;
  };
  switch (e.op) {
    case Op::Add:
    case Op::Sub:
    case Op::Mod:
      if (!need_quantity(a, ta) || !need_quantity(b, tb) || !same_dim()) return Type::error();
      return Type::quantity(ta.dim);
    case Op::Mul:
      if (!need_quantity(a, ta) || !need_quantity(b, tb)) return Type::error();
      return Type::quantity(ta.dim * tb.dim);
    case Op::Div:
      if (!need_quantity(a, ta) || !need_quantity(b, tb)) return Type::error();
      return Type::quantity(ta.dim / tb.dim);
    case Op::Pow: {
      if (!need_quantity(a, ta) || !need_quantity(b, tb)) return Type::error();
      if (!tb.dim.dimensionless()) {
        mismatch(b, {}, "an exponent");
        return Type::error();
      }
      if (ta.dim.dimensionless()) return Type::quantity({});
      auto n = constant(b);
      if (!n || *n != std::floor(*n)) {
        diags_.error(
            Code::BadExponent, b.range,
            fmt::format(
                "the exponent of a quantity with a unit ({}) must be a constant whole number",
                describe(ta.dim)),
            "use sqrt() for a square root");
        return Type::error();
      }
      return Type::quantity(ta.dim.pow(static_cast<int>(*n)));
    }
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::Eq:
    case Op::Ne:
      if (ta.kind == Type::Bool && tb.kind == Type::Bool && (e.op == Op::Eq || e.op == Op::Ne))
        return Type::boolean();
      if (!need_quantity(a, ta) || !need_quantity(b, tb) || !same_dim()) return Type::error();
      return Type::boolean();
    case Op::And:
    case Op::Or:
      for (auto* x : {&a, &b}) {
        if (x->type.kind != Type::Bool) {
          diags_.error(Code::NotBoolean, x->range,
                       fmt::format("`{}` joins conditions, but this is {}", op_text(e.op),
                                   describe(x->type)));
          return Type::error();
        }
      }
      return Type::boolean();
    default:
      break;
  }
  NEURO_INTERNAL_ASSERT(false, "unexpected binary operator");
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
        "floor, ceil, min, max, clip, rand, randn, table, false_match, false_negative, union_size, "
        "group_max, group_argmax, group_sum, scalar_code, category_code; or declare `fn name(x) = "
        "…`");
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
  if (n == "rand" || n == "randn") {
    if (!scope.has_rand) {
      diags_.error(
          Code::BadCall, e.range, fmt::format("`{}()` is not allowed here", n),
          "random numbers belong in equations, initialisers and handlers, not in constants");
      return Type::error();
    }
    return Type::quantity({});
  }
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
  if (theory_function(n)) {
    for (size_t k = 0; k < e.args.size(); ++k)
      if (!ts[k].dim.dimensionless()) {
        mismatch(*e.args[k], {}, fmt::format("argument {} of `{}` (a count)", k + 1, n));
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

Type ExprChecker::check(Expr& e, const Scope& scope) {
  Type t;
  switch (e.kind) {
    case ExprKind::Number:
      t = check_number(e);
      break;
    case ExprKind::Bool:
      t = Type::boolean();
      break;
    case ExprKind::String:
      diags_.error(Code::TypeMismatch, e.range, "a string is only used to name a file in `import`");
      t = Type::error();
      break;
    case ExprKind::Name:
      t = check_name(e, scope);
      break;
    case ExprKind::Call:
      t = check_call(e, scope);
      break;
    case ExprKind::Member:
      t = check_member(e, scope);
      break;
    case ExprKind::Index:
    case ExprKind::Slice:
      diags_.error(Code::TypeMismatch, e.range,
                   "indexing makes populations (`LIF[100]`) and slices (`P[0:10]`) in a circuit; "
                   "it has no meaning here");
      t = Type::error();
      break;
    case ExprKind::Unary: {
      Type a = check(*e.args[0], scope);
      if (!a.ok()) {
        t = Type::error();
      } else if (e.op == Op::Not) {
        if (a.kind != Type::Bool) {
          diags_.error(Code::NotBoolean, e.args[0]->range, "`not` needs a condition");
          t = Type::error();
        } else {
          t = a;
        }
      } else if (a.kind != Type::Quantity) {
        diags_.error(Code::TypeMismatch, e.args[0]->range,
                     fmt::format("`{}` needs a number", op_text(e.op)));
        t = Type::error();
      } else {
        t = a;
      }
      break;
    }
    case ExprKind::Binary:
      t = check_binary(e, scope);
      break;
    case ExprKind::Cond: {
      bool c = expect_bool(*e.args[0], scope, "the condition of `if`");
      Type a = check(*e.args[1], scope);
      Type b = check(*e.args[2], scope);
      if (!c || !a.ok() || !b.ok()) {
        t = Type::error();
      } else if (a.kind != b.kind || (a.kind == Type::Quantity && a.dim != b.dim)) {
        if (a.kind == Type::Quantity && b.kind == Type::Quantity)
          mismatch(*e.args[2], a.dim, "the `else` branch");
        else
          diags_.error(Code::TypeMismatch, e.range,
                       "both branches of `if` must give the same kind of value");
        t = Type::error();
      } else {
        t = a;
      }
      break;
    }
    case ExprKind::List:
    case ExprKind::Tuple: {
      bool ok = true;
      for (auto& a : e.args) ok = check(*a, scope).ok() && ok;
      t = ok ? Type{e.kind == ExprKind::List ? Type::List : Type::Tuple, {}} : Type::error();
      break;
    }
  }
  e.type = t;
  return t;
}

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
