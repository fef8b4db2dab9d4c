// Types and units of expressions: numbers with units, names, `pre.x` and
// `post.x`, operators and conditionals; and the names the language reserves.
// Calls (sema_calls.cpp) and constant values (const_eval.cpp) have files of their own.
#include <fmt/format.h>

#include <cmath>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

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

}  // namespace neuro::frontend
