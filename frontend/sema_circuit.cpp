// Checks of a circuit's members: populations and their initialisers, slices
// and aliases, records, drives, selects and learn rules. Connects, the
// largest of them, have their own file (sema_connect.cpp).
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

void Checker::check_circuit(Member& circuit) {
  Scope scope;
  for (auto& mp : circuit.body) {
    Member& m = *mp;
    switch (m.kind) {
      case MemberKind::Const: {
        check_const(m, scope);
        declare_local(scope, m, NameRef::Const,
                      ec_.decl_types.count(&m) ? ec_.decl_types[&m] : Type::error());
        break;
      }
      case MemberKind::Bind:
        check_bind(m, scope);
        break;
      case MemberKind::Connect:
        check_connect(m, scope);
        break;
      case MemberKind::Record:
        check_record(m, scope);
        break;
      case MemberKind::Drive:
        check_drive(m, scope);
        break;
      case MemberKind::Select:
        check_select(m, scope);
        break;
      case MemberKind::Learn: {
        auto r = population(*m.value, scope, "the layer of a `learn` rule");
        check_learn(m, r ? &*r : nullptr, scope, out_, ec_, diags_);
        break;
      }
      default:
        break;
    }
  }
}

// A population expression: `P`, `E` (an alias) or `P[lo:hi]`.
std::optional<PopRef> Checker::population(Expr& e, const Scope& scope, const char* role) {
  Expr* base = &e;
  if (e.kind == ExprKind::Slice || e.kind == ExprKind::Index) base = e.args[0].get();
  if (base->kind != ExprKind::Name) {
    diags_.error(Code::TypeMismatch, e.range,
                 fmt::format("{} must be a population or a slice `P[a:b]`", role));
    return std::nullopt;
  }
  const Symbol* s = scope.find(base->text);
  if (!s || s->kind != NameRef::Population) {
    diags_.error(Code::UnknownName, base->range, fmt::format("unknown population `{}`", base->text),
                 "populations are made in the circuit: `P = LIF[100]`");
    return std::nullopt;
  }
  base->ref = {NameRef::Population, s->decl};
  PopRef r = out_.aliases.count(s->decl) ? out_.aliases[s->decl]
                                         : PopRef{s->decl, 0, out_.populations[s->decl].size};
  if (e.kind == ExprKind::Index) {
    auto k = [&]() -> std::optional<long long> {
      if (!ec_.expect(*e.args[1], scope, Dimension(), "an index")) return std::nullopt;
      return ec_.constant_integer(*e.args[1], "an index");
    }();
    if (!k) return std::nullopt;
    if (*k < 0 || *k >= r.size()) {
      diags_.error(
          Code::BadValue, e.args[1]->range,
          fmt::format("index {} is outside `{}`, which has {} neurons", *k, base->text, r.size()));
      return std::nullopt;
    }
    r = {r.pop, r.lo + *k, r.lo + *k + 1};
  } else if (e.kind == ExprKind::Slice) {
    long long lo = 0, hi = r.size();
    for (int side = 1; side <= 2; ++side) {
      if (!e.args[side]) continue;
      if (!ec_.expect(*e.args[side], scope, Dimension(), "a slice bound")) return std::nullopt;
      auto v = ec_.constant_integer(*e.args[side], "a slice bound");
      if (!v) return std::nullopt;
      (side == 1 ? lo : hi) = *v;
    }
    if (lo < 0 || hi > r.size() || lo >= hi) {
      diags_.error(Code::BadValue, e.range,
                   fmt::format("slice [{}:{}] is empty or outside `{}`, which has {} neurons", lo,
                               hi, base->text, r.size()),
                   "slices are half-open: P[0:10] is the first ten neurons");
      return std::nullopt;
    }
    r = {r.pop, r.lo + lo, r.lo + hi};
  }
  out_.pop_refs[&e] = r;
  return r;
}

void Checker::check_bind(Member& m, Scope& scope) {
  Expr& v = *m.value;
  // An alias: `E = P[0:3200]` or `Q = P`.
  if (v.kind == ExprKind::Slice ||
      (v.kind == ExprKind::Name && scope.find(v.text) &&
       scope.find(v.text)->kind == NameRef::Population) ||
      (v.kind == ExprKind::Index && v.args[0]->kind == ExprKind::Name &&
       scope.find(v.args[0]->text) && scope.find(v.args[0]->text)->kind == NameRef::Population)) {
    auto r = population(v, scope, "the right side");
    if (!r) return;
    if (m.has_init)
      diags_.error(Code::Placement, m.range,
                   "a slice has no initialiser; initialise the whole population");
    out_.aliases[&m] = *r;
    declare_local(scope, m, NameRef::Population, {Type::Population, {}});
    return;
  }
  if (v.kind != ExprKind::Index || v.args[0]->kind != ExprKind::Name) {
    diags_.error(Code::TypeMismatch, v.range,
                 "a circuit names populations: `P = LIF[100]` or slices `E = P[0:80]`",
                 "constants are declared with `const`");
    return;
  }
  Expr& model_name = *v.args[0];
  PopInfo info;
  const std::string& mn = model_name.text;
  if (mn == "poisson") {
    info.kind = PopKind::Poisson;
  } else if (mn == "spike_generator") {
    info.kind = PopKind::Generator;
  } else if (mn == "layer") {
    info.kind = PopKind::Layer;
  } else {
    auto g = out_.globals.find(mn);
    if (g == out_.globals.end() || g->second->kind != MemberKind::Model ||
        g->second->model_kind != ModelKind::Neuron) {
      diags_.error(Code::UnknownModel, model_name.range,
                   g == out_.globals.end() ? fmt::format("unknown neuron model `{}`", mn)
                                           : fmt::format("`{}` is not a neuron model", mn),
                   "populations are made of neuron models, `poisson`, `spike_generator` or "
                   "`layer`");
      return;
    }
    info.model = g->second;
    model_name.ref = {NameRef::Model, g->second};
  }
  if (!ec_.expect(*v.args[1], scope, Dimension(), "the population size")) return;
  auto n = ec_.constant_integer(*v.args[1], "the population size");
  if (!n) return;
  if (*n <= 0 || *n > (1ll << 31)) {
    diags_.error(Code::BadValue, v.args[1]->range,
                 fmt::format("a population needs between 1 and 2^31 neurons, not {}", *n));
    return;
  }
  info.size = *n;
  out_.populations[&m] = info;
  declare_local(scope, m, NameRef::Population, {Type::Population, {}});

  // The initialiser: per-neuron values of parameters and states.
  Scope init = scope.child();
  init.has_i = init.has_N = init.has_rand = true;
  std::set<std::string> given;
  if (info.model)
    for (auto& b : info.model->body)
      if (b->kind == MemberKind::Param || b->kind == MemberKind::State)
        init.names[b->name] = {
            b->kind == MemberKind::Param ? NameRef::Param : NameRef::State, b.get(),
            ec_.decl_types.count(b.get()) ? ec_.decl_types[b.get()] : Type::error()};
  if (info.kind == PopKind::Poisson) init.has_t = true;
  if (info.kind == PopKind::Layer) {
    for (auto& sp : m.stmts) init_line(*sp, given);
    check_layer_init(m, init, ec_, diags_);
    return;
  }
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (!init_line(s, given)) continue;
    if (info.kind == PopKind::Poisson) {
      if (s.target != "rate") {
        diags_.error(Code::UnknownName, s.target_range,
                     fmt::format("a poisson source has no `{}`", s.target), "set its `rate`");
        continue;
      }
      ec_.expect(*s.value, init, dim::frequency(), "`rate`");
      continue;
    }
    if (info.kind == PopKind::Generator) {
      if (s.target != "times" && s.target != "spikes") {
        diags_.error(Code::UnknownName, s.target_range,
                     fmt::format("a spike_generator has no `{}`", s.target),
                     "give `times = [t0, t1, …]` (every neuron) or `spikes = [(i, t), …]`");
        continue;
      }
      Expr& list = *s.value;
      if (list.kind != ExprKind::List) {
        diags_.error(Code::TypeMismatch, list.range, fmt::format("`{}` is a list `[…]`", s.target));
        continue;
      }
      for (auto& item : list.args) {
        Expr* time = item.get();
        if (s.target == "spikes") {
          if (item->kind != ExprKind::Tuple || item->args.size() != 2) {
            diags_.error(Code::TypeMismatch, item->range, "each spike is a pair `(neuron, time)`");
            continue;
          }
          if (!ec_.expect(*item->args[0], init, Dimension(), "a neuron index")) continue;
          auto k = ec_.constant_integer(*item->args[0], "a neuron index");
          if (k && (*k < 0 || *k >= info.size))
            diags_.error(
                Code::BadValue, item->args[0]->range,
                fmt::format("neuron {} is outside the generator, which has {}", *k, info.size));
          time = item->args[1].get();
        }
        if (!ec_.expect(*time, init, dim::time(), "a spike time")) continue;
        auto tv = ec_.constant(*time);
        if (!tv)
          diags_.error(Code::NotConstant, time->range, "spike times must be constants");
        else if (*tv < 0)
          diags_.error(Code::BadValue, time->range, "spike times cannot be negative");
      }
      continue;
    }
    const Symbol* sym = init.find(s.target);
    if (!sym || (sym->kind != NameRef::Param && sym->kind != NameRef::State) ||
        !find_in_model(info.model, s.target)) {
      diags_.error(Code::UnknownName, s.target_range,
                   fmt::format("neuron model `{}` has no parameter or state `{}`", info.model->name,
                               s.target));
      continue;
    }
    s.ref = {sym->kind, sym->decl};
    if (sym->type.ok()) ec_.expect(*s.value, init, sym->type.dim, fmt::format("`{}`", s.target));
  }
  if (info.kind == PopKind::Poisson && !given.count("rate"))
    diags_.error(Code::Missing, v.range, "a poisson source needs a rate",
                 "write `S = poisson[100] { rate = 5 Hz }`");
}

// An initialiser line must be `name = value`, each name once. Reports and
// returns false otherwise.
bool Checker::init_line(const Stmt& s, std::set<std::string>& given) {
  if (s.kind != Stmt::Assign || !s.object.empty() || s.op != AssignOp::Set) {
    diags_.error(Code::Placement, s.range, "an initialiser holds `name = value` lines only");
    return false;
  }
  if (!given.insert(s.target).second) {
    diags_.error(Code::Duplicate, s.target_range,
                 fmt::format("`{}` is initialised twice", s.target));
    return false;
  }
  return true;
}

void Checker::check_record(Member& m, Scope& scope) {
  auto r = population(*m.value, scope, "a record target");
  if (m.every) positive_time(*m.every, scope, "the recording interval");
  if (m.from && ec_.expect(*m.from, scope, dim::time(), "the start of a recording")) {
    const auto t = ec_.constant(*m.from);
    if (!t)
      diags_.error(Code::NotConstant, m.from->range, "the start of a recording must be a constant");
    else if (!(*t >= 0) || !std::isfinite(*t))
      diags_.error(Code::BadValue, m.from->range,
                   fmt::format("a recording cannot start at {}", format_quantity(*t, dim::time())),
                   "give a time from 0 on: `from 500 ms`");
  }
  if (!r || reject_layer(*r, *m.value, "recording", out_, diags_)) return;
  const PopInfo& info = out_.populations[r->pop];
  for (size_t k = 0; k < m.vars.size(); ++k) {
    const std::string& v = m.vars[k];
    if (v == "spikes") continue;
    if (!info.model) {
      diags_.error(Code::UnknownName, m.var_ranges[k], "a source only records `spikes`");
      continue;
    }
    Member* decl = find_in_model(info.model, v);
    if (!decl)
      diags_.error(Code::UnknownName, m.var_ranges[k],
                   fmt::format("neuron model `{}` has no variable `{}`", info.model->name, v),
                   "record `spikes` or a param, state or derived value");
  }
}

void Checker::check_drive(Member& m, Scope& scope) {
  Expr& t = *m.drive_target;
  // `P.dend.I`: the variable `dend.I` of population P.
  while (t.kind == ExprKind::Member && t.args[0]->kind == ExprKind::Member) {
    t.text = t.args[0]->text + "." + t.text;
    t.args[0] = t.args[0]->args[0];
  }
  if (t.kind == ExprKind::Name) {
    auto g = out_.globals.find(t.text);
    if (g != out_.globals.end() && g->second->kind == MemberKind::Modulator) {
      t.ref = {NameRef::Modulator, g->second};
      Scope value = scope.child();
      value.has_t = value.has_rand = true;
      if (ec_.decl_types.count(g->second))
        ec_.expect(*m.value, value, ec_.decl_types[g->second].dim, fmt::format("`{}`", t.text));
      return;
    }
  }
  if (t.kind != ExprKind::Member) {
    diags_.error(Code::TypeMismatch, t.range,
                 "`drive` sets a variable of a population (`drive P.I = …`) or a modulator (`drive "
                 "dopamine = …`)");
    return;
  }
  auto r = population(*t.args[0], scope, "the population of a drive");
  Scope value = scope.child();
  value.has_t = value.has_i = value.has_rand = true;
  if (!r || reject_layer(*r, *t.args[0], "driving a variable", out_, diags_)) {
    ec_.check(*m.value, value);
    return;
  }
  const PopInfo& info = out_.populations[r->pop];
  Member* decl = info.model ? find_in_model(info.model, t.text) : nullptr;
  if (!decl || decl->kind == MemberKind::Let) {
    diags_.error(Code::UnknownName, t.range,
                 info.model ? fmt::format("neuron model `{}` has no parameter or state `{}`",
                                          info.model->name, t.text)
                            : "a source cannot be driven",
                 "drive a parameter such as an input current `param I_e = 0 nA`");
    ec_.check(*m.value, value);
    return;
  }
  t.ref = {decl->kind == MemberKind::Param ? NameRef::Param : NameRef::State, decl};
  if (ec_.decl_types.count(decl))
    ec_.expect(*m.value, value, ec_.decl_types[decl].dim, fmt::format("`{}`", t.text));
}

// `select P by score k = 3 group = 8 draw`: each step the k neurons with the
// highest score (per group of `group` neurons) spike — or, with `draw`, k
// neurons drawn with probability proportional to the score.
void Checker::check_select(Member& m, Scope& scope) {
  auto r = population(*m.drive_target, scope, "the population of a select");
  Scope score = scope.child();
  score.has_t = score.has_i = score.has_rand = true;
  if (r) {
    const PopInfo& info = out_.populations[r->pop];
    if (!info.model) {
      diags_.error(Code::TypeMismatch, m.drive_target->range,
                   "`select` picks neurons of a neuron population", "sources spike by themselves");
      return;
    }
    for (auto& b : info.model->body)
      if (b->kind == MemberKind::Param || b->kind == MemberKind::State ||
          b->kind == MemberKind::Let)
        score.names[b->name] = {
            b->kind == MemberKind::Param   ? NameRef::Param
            : b->kind == MemberKind::State ? NameRef::State
                                           : NameRef::Let,
            b.get(), ec_.decl_types.count(b.get()) ? ec_.decl_types[b.get()] : Type::error()};
  }
  Type t = ec_.check(*m.value, score);
  bool draw = false;
  long long k = 1, group = r ? r->size() : 1;
  std::set<std::string> seen;
  for (auto& o : m.options) {
    if (!seen.insert(o.name).second) {
      diags_.error(Code::BadOption, o.range, fmt::format("`{}` is given twice", o.name));
      continue;
    }
    if (o.name == "draw" && !o.value) {
      draw = true;
    } else if ((o.name == "k" || o.name == "group") && o.value) {
      if (!ec_.expect(*o.value, scope, Dimension(), fmt::format("`{}`", o.name))) continue;
      auto v = ec_.constant_integer(*o.value, fmt::format("`{}`", o.name));
      if (!v) continue;
      if (*v < 1) {
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("`{}` must be at least 1", o.name));
        continue;
      }
      (o.name == "k" ? k : group) = *v;
    } else {
      diags_.error(Code::BadOption, o.range, fmt::format("unknown select option `{}`", o.name),
                   "options: `k = N` winners (default 1), `group = G` neurons per group, `draw`");
    }
  }
  if (t.ok() && t.kind != Type::Quantity)
    diags_.error(Code::TypeMismatch, m.value->range, "a select scores neurons with a number");
  else if (t.ok() && draw && !t.dim.dimensionless())
    diags_.error(Code::UnitMismatch, m.value->range,
                 fmt::format("`draw` needs dimensionless weights, but this is {}", describe(t.dim)),
                 "divide by a reference value");
  if (r && (r->size() % group != 0 || k > group))
    diags_.error(Code::BadValue, m.range,
                 fmt::format("{} neurons do not split into groups of {} with {} winner{} each",
                             r->size(), group, k, k == 1 ? "" : "s"),
                 "the group size must divide the population and be at least k");
}

}  // namespace neuro::frontend
