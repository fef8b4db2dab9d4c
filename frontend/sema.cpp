#include "frontend/sema.h"

#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <cmath>
#include <functional>
#include <set>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

// Compartments become members of the neuron named `comp.x`. Inside a
// compartment a bare name means that compartment's member first; `comp.x`
// names any compartment's member anywhere in the neuron (and `post.comp.x`
// in synapse code). Done once, before the neuron is checked.
void flatten_compartments(Member& model) {
  std::map<std::string, std::set<std::string>> names;  // compartment → its members
  for (const auto& m : model.body)
    if (m->kind == MemberKind::Compartment)
      for (const auto& b : m->body)
        if (b->kind != MemberKind::Ode) names[m->name].insert(b->name);
  if (names.empty()) return;
  std::function<void(ExprPtr&, const std::string&)> fix = [&](ExprPtr& e, const std::string& cur) {
    if (!e) return;
    if (e->kind == ExprKind::Member && e->args[0]->kind == ExprKind::Name &&
        names.count(e->args[0]->text)) {
      auto n = std::make_shared<Expr>();
      n->kind = ExprKind::Name;
      n->range = e->range;
      n->text = e->args[0]->text + "." + e->text;
      e = n;
      return;
    }
    if (e->kind == ExprKind::Name && !cur.empty() && names[cur].count(e->text))
      e->text = cur + "." + e->text;
    for (auto& a : e->args) fix(a, cur);
  };
  std::function<void(std::vector<StmtPtr>&, const std::string&)> fix_stmts =
      [&](std::vector<StmtPtr>& body, const std::string& cur) {
        for (auto& st : body) {
          if (st->kind == Stmt::Assign) {
            if (names.count(st->object)) {
              st->target = st->object + "." + st->target;
              st->object.clear();
            } else if (st->object.empty() && !cur.empty() && names[cur].count(st->target)) {
              st->target = cur + "." + st->target;
            }
          }
          fix(st->value, cur);
          fix(st->cond, cur);
          fix_stmts(st->then_body, cur);
          fix_stmts(st->else_body, cur);
        }
      };
  std::vector<MemberPtr> flat;
  for (auto& m : model.body) {
    if (m->kind != MemberKind::Compartment) {
      fix(m->value, "");
      fix_stmts(m->stmts, "");
      flat.push_back(m);
      continue;
    }
    for (auto& b : m->body) {
      // The ODE of a compartment's own state names it bare: `dv/dt`.
      if (b->kind != MemberKind::Ode || names[m->name].count(b->name))
        b->name = m->name + "." + b->name;
      fix(b->value, m->name);
      flat.push_back(b);
    }
  }
  model.body = std::move(flat);
}

const char* kSolvers[] = {"exact", "expeuler", "euler", "rk4", "rk45"};

}  // namespace

bool Checker::declare_local(Scope& scope, Member& m, NameRef::Kind kind, const Type& t) {
  if (is_reserved_name(m.name)) {
    diags_.error(Code::Reserved, m.name_range,
                 fmt::format("`{}` is a name the language reserves", m.name), "pick another name");
    return false;
  }
  auto it = scope.names.find(m.name);
  if (it != scope.names.end()) {
    auto& d =
        diags_.error(Code::Duplicate, m.name_range, fmt::format("`{}` is declared twice", m.name));
    if (it->second.decl) d.notes.push_back({it->second.decl->name_range, "first declared here"});
    return false;
  }
  scope.names[m.name] = {kind, &m, t};
  if (m.kind != MemberKind::Bind) ec_.decl_types[&m] = t;
  return true;
}

void Checker::declare_globals(const LoadedProgram& lp) {
  for (const auto& prog : lp.modules) {
    bool root = prog.file == lp.root_file;
    for (const auto& mp : prog.members) {
      Member& m = *mp;
      if (m.kind == MemberKind::Run) {
        if (!root) continue;  // an imported file's run statement is not ours
        if (out_.run) {
          auto& d = diags_.error(Code::Duplicate, m.name_range, "a file holds one `run` statement");
          d.notes.push_back({out_.run->name_range, "the first one is here"});
        } else {
          out_.run = &m;
        }
        continue;
      }
      if (m.kind != MemberKind::Const && m.kind != MemberKind::Func &&
          m.kind != MemberKind::Model && m.kind != MemberKind::Modulator)
        continue;
      if (is_reserved_name(m.name) || m.name == "poisson" || m.name == "spike_generator" ||
          m.name == "layer" || m.name == "dense") {
        diags_.error(Code::Reserved, m.name_range,
                     fmt::format("`{}` is a name the language reserves", m.name),
                     "pick another name");
        continue;
      }
      auto [it, fresh] = out_.globals.emplace(m.name, &m);
      if (!fresh) {
        auto& d = diags_.error(Code::Duplicate, m.name_range,
                               fmt::format("`{}` is declared twice", m.name));
        d.notes.push_back({it->second->name_range, "first declared here"});
        continue;
      }
      if (m.kind == MemberKind::Model) out_.models.push_back(&m);
    }
  }
  // Function parameters must not hide the language's names.
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Func)
        for (size_t k = 0; k < mp->params.size(); ++k)
          if (is_reserved_name(mp->params[k]))
            diags_.error(Code::Reserved, mp->param_ranges[k],
                         fmt::format("`{}` is a name the language reserves", mp->params[k]),
                         "pick another name");
  // Constants in any order: each is checked when first used, or here.
  std::set<Member*> in_progress, attempted;
  ec_.ensure_const = [this, in_progress, attempted](Member* m) mutable {
    if (ec_.decl_types.count(m)) return;
    if (!in_progress.count(m) && !attempted.insert(m).second) return;  // failed before: reported
    if (!in_progress.insert(m).second) {
      diags_.error(Code::DerivedCycle, m->name_range,
                   fmt::format("the value of `{}` depends on itself", m->name),
                   "give one of the constants involved a value that does not refer back");
      return;
    }
    Scope global;
    check_const(*m, global);
    in_progress.erase(m);
  };
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Const && out_.globals[mp->name] == mp.get())
        ec_.ensure_const(mp.get());
  // Modulators change during the run (a drive or the host sets them); their
  // initial value is checked like a constant's.
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Modulator && out_.globals[mp->name] == mp.get())
        ec_.ensure_const(mp.get());
}

void Checker::check_const(Member& m, Scope& scope) {
  Type t = ec_.check(*m.value, scope);
  if (!t.ok()) return;
  if (t.kind != Type::Quantity && t.kind != Type::Bool) {
    diags_.error(Code::TypeMismatch, m.value->range,
                 "a constant is a number with a unit, or a condition");
    return;
  }
  ec_.decl_types[&m] = t;  // known even when the value is not (the REPL's :type)
  auto v = ec_.constant(*m.value);
  if (!v) {
    diags_.error(Code::NotConstant, m.value->range,
                 fmt::format("the value of `{}` must be known before the run", m.name),
                 "constants are made of numbers, other constants and math functions");
    return;
  }
  ec_.const_values[&m] = *v;
}

void Checker::check_all() {
  for (Member* m : out_.models) {
    if (m->model_kind == ModelKind::Neuron) {
      flatten_compartments(*m);
      check_neuron(*m);
    }
    if (m->model_kind == ModelKind::Synapse) check_synapse(*m);
    if (m->model_kind == ModelKind::Dendrite) check_dendrite_model(*m, ec_, diags_);
  }
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Circuit) check_circuit(*m);
  // Synapse models that no connect uses are still checked, so a library's
  // mistakes show up before someone first uses it.
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Synapse && !used_synapses_.count(m))
      check_synapse_handlers(*m, nullptr, nullptr, true, nullptr);
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Dendrite && !used_synapses_.count(m))
      check_dendrite_use(*m, nullptr, nullptr, true, ec_, diags_);
  if (out_.run) check_run(*out_.run);
}

// Derived values may use each other in any textual order; they are computed
// in dependency order, and a cycle among them is an error.
void Checker::order_lets(Member& model, Scope& scope) {
  std::vector<Member*> lets;
  std::map<std::string, size_t> index;
  for (auto& m : model.body)
    if (m->kind == MemberKind::Let) {
      if (!declare_local(scope, *m, NameRef::Let, Type::error())) continue;
      index[m->name] = lets.size();
      lets.push_back(m.get());
    }
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(lets.size());
  std::function<void(const Expr&, size_t)> deps = [&](const Expr& e, size_t user) {
    if (e.kind == ExprKind::Name) {
      auto it = index.find(e.text);
      if (it != index.end()) boost::add_edge(it->second, user, g);  // dependency → user
    }
    for (const auto& a : e.args)
      if (a) deps(*a, user);
  };
  for (size_t k = 0; k < lets.size(); ++k) deps(*lets[k]->value, k);

  std::vector<int> comp(lets.size());
  int ncomp = lets.empty() ? 0 : boost::strong_components(g, comp.data());
  std::vector<int> comp_size(ncomp, 0);
  for (int c : comp) comp_size[c]++;
  std::set<size_t> cyclic;
  for (size_t k = 0; k < lets.size(); ++k) {
    bool self = boost::edge(k, k, g).second;
    if (comp_size[comp[k]] > 1 || self) cyclic.insert(k);
  }
  std::set<int> reported;
  for (size_t k : cyclic) {
    if (!reported.insert(comp[k]).second) continue;
    std::string names;
    for (size_t q : cyclic)
      if (comp[q] == comp[k]) names += (names.empty() ? "`" : ", `") + lets[q]->name + "`";
    diags_.error(Code::DerivedCycle, lets[k]->name_range,
                 fmt::format("derived values depend on each other in a circle: {}", names),
                 "one of them must be a state with its own equation");
  }
  if (!cyclic.empty()) return;
  std::vector<size_t> order;
  boost::topological_sort(g, std::back_inserter(order));  // reverse topological
  std::vector<Member*> ordered;
  for (auto it = order.rbegin(); it != order.rend(); ++it) ordered.push_back(lets[*it]);
  for (Member* l : ordered) {
    Type t = ec_.check(*l->value, scope);
    if (t.ok() && t.kind != Type::Quantity && t.kind != Type::Bool) {
      diags_.error(Code::TypeMismatch, l->value->range,
                   "a derived value is a number or a condition");
      t = Type::error();
    }
    scope.names[l->name].type = t;
    ec_.decl_types[l] = t;
  }
  out_.let_order[&model] = ordered;
}

void Checker::check_neuron(Member& model) {
  Scope params;
  for (auto& m : model.body)
    if (m->kind == MemberKind::Param) {
      Type t = ec_.check(*m->value, params);
      if (t.ok() && t.kind != Type::Quantity) {
        diags_.error(Code::TypeMismatch, m->value->range, "a parameter is a number with a unit");
        t = Type::error();
      }
      declare_local(params, *m, NameRef::Param, t);
    }
  Scope states = params.child();
  states.has_i = states.has_N = states.has_rand = true;
  for (auto& m : model.body)
    if (m->kind == MemberKind::State) {
      Type t = ec_.check(*m->value, states);
      if (t.ok() && t.kind != Type::Quantity) {
        diags_.error(Code::TypeMismatch, m->value->range,
                     "a state variable is a number with a unit");
        t = Type::error();
      }
      // An input is set back to its value at the start of every step, so
      // that value is one constant for the whole population.
      if (t.ok() && m->per_step && !ec_.constant(*m->value)) {
        diags_.error(Code::NotConstant, m->value->range,
                     "an input's value is what it is set back to at every step: a constant",
                     "write a number with a unit, e.g. `input I = 0 nA`; per-neuron starting "
                     "values belong to a `state`");
        t = Type::error();
      }
      declare_local(states, *m, NameRef::State, t);
    }
  // Per-step code sees everything.
  Scope step = states.child();
  step.has_t = true;
  step.has_N = false;
  step.neuron_step = true;
  for (auto& m : model.body)
    if (m->kind == MemberKind::Segments) declare_local(step, *m, NameRef::SegmentField, {});
  order_lets(model, step);

  std::map<std::string, Member*> odes;
  Member *spike = nullptr, *refractory = nullptr, *solver = nullptr;
  bool wants_refractory = false;
  for (auto& mp : model.body) {
    Member& m = *mp;
    switch (m.kind) {
      case MemberKind::Ode: {
        const Symbol* s = step.find(m.name);
        if (!s || s->kind != NameRef::State) {
          diags_.error(
              Code::OdeWithoutState, m.name_range,
              fmt::format("`d{}/dt` needs a state variable `{}`", m.name, m.name),
              s ? fmt::format("`{}` is not a state; declare it with `state {} = …`", m.name, m.name)
                : fmt::format("declare it with `state {} = …`", m.name));
          break;
        }
        auto [it, fresh] = odes.emplace(m.name, &m);
        if (!fresh) {
          auto& d = diags_.error(Code::DuplicateOde, m.name_range,
                                 fmt::format("`{}` has two equations", m.name));
          d.notes.push_back({it->second->name_range, "the first one is here"});
          break;
        }
        if (s->type.ok())
          ec_.expect(*m.value, step, s->type.dim / dim::time(), fmt::format("`d{}/dt`", m.name));
        wants_refractory |= m.unless_refractory;
        break;
      }
      case MemberKind::Spike:
        if (spike) {
          auto& d = diags_.error(Code::Duplicate, m.name_range, "a neuron has one spike condition",
                                 "combine conditions with `or`");
          d.notes.push_back({spike->name_range, "the first one is here"});
          break;
        }
        spike = &m;
        ec_.expect_bool(*m.value, step, "the spike condition");
        check_stmts(m.stmts, step, "spike reset");
        break;
      case MemberKind::Refractory:
        if (refractory) {
          diags_.error(Code::Duplicate, m.name_range, "a neuron has one refractory period");
          break;
        }
        refractory = &m;
        ec_.expect(*m.value, params, dim::time(), "the refractory period");
        break;
      case MemberKind::Solver: {
        bool known = false;
        for (const char* s : kSolvers) known |= m.name == s;
        if (!known)
          diags_.error(Code::BadSolver, m.name_range, fmt::format("unknown solver `{}`", m.name),
                       "solvers: exact, expeuler, euler, rk4, rk45");
        if (solver) diags_.error(Code::Duplicate, m.name_range, "a neuron has one solver");
        solver = &m;
        break;
      }
      default:
        break;
    }
  }
  if (refractory && !spike)
    diags_.error(Code::Missing, refractory->name_range,
                 "a refractory period without a spike condition",
                 "add `spike when <condition> { <reset> }`");
  if (wants_refractory && !refractory)
    for (auto& [name, m] : odes)
      if (m->unless_refractory) {
        diags_.error(Code::Missing, m->range, "`unless refractory` needs a refractory period",
                     "add `refractory 2 ms` (or another duration) to the neuron");
        break;
      }
}

void Checker::check_synapse(Member& model) {
  Scope scope;
  scope.has_rand = scope.has_i = scope.has_j = true;
  for (auto& m : model.body) {
    if (m->kind == MemberKind::State && m->per_step)
      diags_.error(Code::Placement, m->name_range, "an `input` belongs in a neuron",
                   "a synapse adds to its target's input with `on pre { post.x += w }`; "
                   "declare the synapse's own variables with `state`");
    if (m->kind == MemberKind::Param || m->kind == MemberKind::State) {
      Type t = ec_.check(*m->value, scope);
      if (t.ok() && t.kind != Type::Quantity) {
        diags_.error(Code::TypeMismatch, m->value->range,
                     "a synapse variable is a number with a unit");
        t = Type::error();
      }
      declare_local(scope, *m, m->kind == MemberKind::Param ? NameRef::SynParam : NameRef::SynState,
                    t);
    }
    if (m->kind == MemberKind::Trace) {
      // An event-driven trace: decays with its time constant between
      // events, changed by handlers. Dimensionless unless its value says.
      Type t = Type::quantity({});
      if (m->value) {
        t = ec_.check(*m->value, scope);
        if (t.ok() && (t.kind != Type::Quantity || !ec_.constant(*m->value))) {
          diags_.error(Code::NotConstant, m->value->range, "a trace starts from a constant value");
          t = Type::error();
        }
      }
      if (!m->decay) {
        diags_.error(Code::Missing, m->name_range,
                     fmt::format("the trace `{}` has no decay time", m->name),
                     fmt::format("write `trace {} decays 20 ms`", m->name));
      } else if (auto tau = positive_time(*m->decay, scope, "a trace's decay time"); !tau) {
        // reported
      }
      declare_local(scope, *m, NameRef::SynTrace, t);
    }
    if (m->kind == MemberKind::On && m->name != "pre" && m->name != "post")
      diags_.error(Code::UnknownName, m->name_range, fmt::format("unknown event `{}`", m->name),
                   "a synapse reacts to `on pre { … }` and `on post { … }`");
    if (m->kind == MemberKind::Let)
      diags_.error(Code::Unsupported, m->name_range,
                   "derived values in synapses are not supported yet",
                   "write the expression in the handler");
  }
}

// Handlers use `pre.x` and `post.x`, which mean something only once the
// synapse connects two populations: they are checked for each connect.
void Checker::check_synapse_handlers(Member& syn, Member* pre, Member* post, bool unknown,
                                     const Member* site) {
  Scope scope;
  scope.synapse = true;
  scope.has_t = true;
  scope.has_rand = true;
  scope.pre_model = pre;
  scope.post_model = post;
  scope.post_unknown = unknown;
  for (auto& m : syn.body)
    if (m->kind == MemberKind::Param || m->kind == MemberKind::State ||
        m->kind == MemberKind::Trace)
      scope.names[m->name] = {
          m->kind == MemberKind::Param   ? NameRef::SynParam
          : m->kind == MemberKind::State ? NameRef::SynState
                                         : NameRef::SynTrace,
          m.get(), ec_.decl_types.count(m.get()) ? ec_.decl_types[m.get()] : Type::error()};
  for (auto& m : syn.body)
    if (m->kind == MemberKind::On && (m->name == "pre" || m->name == "post")) {
      size_t before = diags_.error_count();
      check_stmts(m->stmts, scope, "synapse handler");
      if (site && diags_.error_count() > before) {
        auto& last = const_cast<Diagnostic&>(diags_.list().back());
        last.notes.push_back({site->range, "when the synapse is used by this connect"});
      }
    }
}

void Checker::check_stmts(std::vector<StmtPtr>& stmts, const Scope& scope, const char* where) {
  for (auto& sp : stmts) {
    Stmt& s = *sp;
    if (s.kind == Stmt::If) {
      ec_.expect_bool(*s.cond, scope, "the condition of `if`");
      check_stmts(s.then_body, scope, where);
      check_stmts(s.else_body, scope, where);
      continue;
    }
    if (s.kind == Stmt::Call) {
      bool action = s.target == "adapt" || s.target == "grow" || s.target == "create";
      diags_.error(action ? Code::BadAction : Code::Syntax, s.target_range,
                   action
                       ? fmt::format("`{}` changes dendritic segments; it has no meaning in a {}",
                                     s.target, where)
                       : fmt::format("a call on its own does nothing in a {}", where),
                   action ? "declare a `dendrite` model, give a neuron `segments distal`, and "
                            "act in the dendrite's `on segment` / `on cell` handlers"
                          : "assign its value: `x = …`");
      continue;
    }
    Type target;
    std::string what =
        s.object.empty() ? "`" + s.target + "`" : "`" + s.object + "." + s.target + "`";
    if (!s.object.empty()) {
      if (s.object == "pre") {
        diags_.error(Code::NotAssignable, s.target_range,
                     "presynaptic variables are read-only in a synapse",
                     "change `post.` variables or the synapse's own");
        continue;
      }
      if (s.object != "post" || !scope.synapse) {
        diags_.error(
            Code::UnknownName, s.target_range, fmt::format("cannot assign to {} here", what),
            scope.synapse ? "write `post.x` or a synapse variable" : "assign to a state variable");
        continue;
      }
      if (scope.post_unknown) {
        ec_.check(*s.value, scope);
        continue;
      }
      Member* decl = find_in_model(scope.post_model, s.target);
      if (!decl || !scope.post_model) {
        diags_.error(Code::UnknownName, s.target_range,
                     scope.post_model
                         ? fmt::format("neuron model `{}` has no variable `{}`",
                                       scope.post_model->name, s.target)
                         : "the postsynaptic population is a source; it has no variables");
        continue;
      }
      if (decl->kind != MemberKind::State) {
        diags_.error(Code::NotAssignable, s.target_range,
                     fmt::format("{} is a {}; only state variables change", what,
                                 member_keyword(decl->kind)));
        continue;
      }
      s.ref = {NameRef::PostVar, decl};
      target = ec_.decl_types[decl];
    } else {
      const Symbol* sym = scope.find(s.target);
      if (!sym) {
        diags_.error(Code::UnknownName, s.target_range, fmt::format("unknown name `{}`", s.target),
                     "assign to a state variable of this model");
        continue;
      }
      bool ok = sym->kind == NameRef::State || sym->kind == NameRef::SynParam ||
                sym->kind == NameRef::SynState || sym->kind == NameRef::SynTrace;
      if (!ok) {
        std::string hint =
            sym->kind == NameRef::Param
                ? fmt::format("parameters are constant; declare `state {} = …` instead", s.target)
                : "only state variables change";
        diags_.error(Code::NotAssignable, s.target_range,
                     fmt::format("cannot assign to {} in a {}", what, where), hint);
        continue;
      }
      s.ref = {sym->kind, sym->decl};
      target = sym->type;
    }
    if (!target.ok()) {
      ec_.check(*s.value, scope);
      continue;
    }
    if (s.op == AssignOp::Mul || s.op == AssignOp::Div)
      ec_.expect(*s.value, scope, Dimension(),
                 fmt::format("the factor in `{}`", assign_text(s.op)));
    else
      ec_.expect(*s.value, scope, target.dim, what);
  }
}

// `connect P -> Q.distal via Distal`: the segments `distal` of Q's cells take
// their presynaptic cells from P.
void Checker::check_segments_connect(Member& m, Scope& scope, Member& dend) {
  auto src = population(*m.source, scope, "the source of a connect");
  Expr& tgt = *m.target;
  if (tgt.kind != ExprKind::Member || tgt.args[0]->kind != ExprKind::Name) {
    diags_.error(
        Code::TypeMismatch, tgt.range,
        fmt::format("`{}` is a dendrite model: connect to a population's segments", dend.name),
        fmt::format("write `connect P -> Q.distal via {}`, where Q's neuron model declares "
                    "`segments distal`",
                    dend.name));
    return;
  }
  auto dst = population(*tgt.args[0], scope, "the target of a connect");
  for (auto& o : m.options)
    diags_.error(Code::BadOption, o.range,
                 fmt::format("a segment connection takes no option `{}`", o.name),
                 "segments start empty and grow; the dendrite model says how");
  if (m.when) diags_.error(Code::BadOption, m.when->range, "a segment connection has no `when`");
  // `{ activation_threshold = 3, … }`: the dendrite's parameters for this use.
  std::set<std::string> given;
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (!init_line(s, given)) continue;
    Member* decl = nullptr;
    for (auto& b : dend.body)
      if (b->kind == MemberKind::Param && b->name == s.target) decl = b.get();
    if (!decl) {
      diags_.error(Code::UnknownName, s.target_range,
                   fmt::format("dendrite model `{}` has no parameter `{}`", dend.name, s.target));
      continue;
    }
    s.ref = {NameRef::Param, decl};
    auto t = ec_.decl_types.find(decl);
    if (t == ec_.decl_types.end() || !t->second.ok()) continue;
    if (!ec_.expect(*s.value, scope, t->second.dim, fmt::format("`{}`", s.target))) continue;
    auto v = ec_.constant(*s.value);
    if (!v) {
      diags_.error(Code::NotConstant, s.value->range,
                   fmt::format("`{}` must be a constant known before the run", s.target));
      continue;
    }
    if (auto bad = dendrite_tuning_error(s.target, *v))
      diags_.error(Code::BadValue, s.value->range, *bad);
  }
  if (!src || !dst) return;
  PopInfo& di = out_.populations[dst->pop];
  PopInfo& si = out_.populations[src->pop];
  if (dst->lo != 0 || dst->hi != di.size || src->lo != 0 || src->hi != si.size)
    diags_.error(Code::Unsupported, m.range,
                 "segments connect whole populations; slices are not supported yet");
  Member* coll = nullptr;
  if (di.model)
    for (auto& b : di.model->body)
      if (b->kind == MemberKind::Segments && b->name == tgt.text) coll = b.get();
  if (!coll) {
    diags_.error(
        Code::UnknownName, tgt.range,
        di.model ? fmt::format("neuron model `{}` has no segments `{}`", di.model->name, tgt.text)
                 : "a source population has no segments",
        fmt::format("declare `segments {}` in the neuron model", tgt.text));
    return;
  }
  tgt.ref = {NameRef::SegmentField, coll};
  used_synapses_.insert(&dend);
  if (!si.model) {
    diags_.error(Code::Unsupported, m.source->range,
                 "segments read the spikes of neuron populations; sources are not supported yet");
    return;
  }
  check_dendrite_use(dend, si.model, di.model, false, ec_, diags_);
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

std::optional<double> Checker::positive_time(Expr& e, const Scope& scope, const std::string& what) {
  if (!ec_.expect(e, scope, dim::time(), what)) return std::nullopt;
  auto v = ec_.constant(e);
  if (!v) {
    diags_.error(Code::NotConstant, e.range, fmt::format("{} must be a constant", what));
    return std::nullopt;
  }
  if (!(*v > 0) || !std::isfinite(*v)) {
    diags_.error(
        Code::BadValue, e.range,
        fmt::format("{} must be positive, not {}", what, format_quantity(*v, dim::time())));
    return std::nullopt;
  }
  return v;
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

void Checker::check_connect(Member& m, Scope& scope) {
  auto g0 = out_.globals.find(m.via);
  if (g0 != out_.globals.end() && g0->second->kind == MemberKind::Model &&
      g0->second->model_kind == ModelKind::Dendrite) {
    check_segments_connect(m, scope, *g0->second);
    return;
  }
  auto src = population(*m.source, scope, "the source of a connect");
  auto dst = population(*m.target, scope, "the target of a connect");
  if (m.via == "dense") {
    check_dense_connect(m, src ? &*src : nullptr, dst ? &*dst : nullptr, scope, out_, ec_, diags_);
    return;
  }
  for (auto [r, e] : {std::pair{&src, m.source.get()}, std::pair{&dst, m.target.get()}})
    if (*r && out_.populations[(*r)->pop].kind == PopKind::Layer) {
      diags_.error(Code::TypeMismatch, e->range,
                   "a rate layer connects to another rate layer through `via dense`",
                   "spiking populations and rate layers cannot be connected yet");
      r->reset();
    }
  auto g = out_.globals.find(m.via);
  Member* syn = nullptr;
  if (g == out_.globals.end() || g->second->kind != MemberKind::Model ||
      g->second->model_kind != ModelKind::Synapse) {
    diags_.error(Code::UnknownModel, m.via_range,
                 g == out_.globals.end() ? fmt::format("unknown synapse model `{}`", m.via)
                                         : fmt::format("`{}` is not a synapse model", m.via),
                 "declare it with `synapse Name { … }`");
  } else {
    syn = g->second;
  }
  Scope opts = scope.child();
  int rules = 0;
  std::set<std::string> seen;
  for (auto& o : m.options) {
    if (!seen.insert(o.name).second) {
      diags_.error(Code::BadOption, o.range, fmt::format("`{}` is given twice", o.name));
      continue;
    }
    bool is_rule = o.name == "p" || o.name == "in_degree" || o.name == "one_to_one" ||
                   o.name == "all_to_all" || o.name == "pairs";
    if (is_rule && ++rules == 2)
      diags_.error(
          Code::BadOption, o.range, "a connect has one rule",
          "choose one of `p = …`, `in_degree = …`, `one_to_one`, `all_to_all`, `pairs = […]`; "
          "add conditions with `when`");
    bool flag = o.name == "one_to_one" || o.name == "all_to_all";
    if (!is_rule && o.name != "delay") {
      diags_.error(Code::BadOption, o.range, fmt::format("unknown connect option `{}`", o.name),
                   "options: p, in_degree, one_to_one, all_to_all, pairs, delay");
      continue;
    }
    if (flag != (o.value == nullptr)) {
      diags_.error(Code::BadOption, o.range,
                   flag ? fmt::format("`{}` takes no value", o.name)
                        : fmt::format("`{}` needs a value: `{} = …`", o.name, o.name));
      continue;
    }
    if (o.name == "p") {
      if (!ec_.expect(*o.value, opts, Dimension(), "a connection probability")) continue;
      auto p = ec_.constant(*o.value);
      if (!p)
        diags_.error(Code::NotConstant, o.value->range,
                     "the connection probability must be a constant");
      else if (!(*p >= 0 && *p <= 1))
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("a probability lies in [0, 1], not {}", *p));
    } else if (o.name == "in_degree") {
      if (!ec_.expect(*o.value, opts, Dimension(), "the in-degree")) continue;
      auto k = ec_.constant_integer(*o.value, "the in-degree");
      if (k && src && (*k < 0 || *k > src->size()))
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("each target can draw at most {} distinct sources, not {}",
                                 src->size(), *k));
    } else if (o.name == "one_to_one") {
      if (src && dst && src->size() != dst->size())
        diags_.error(
            Code::BadValue, o.range,
            fmt::format("one_to_one needs equal sizes, but the source has {} and the target {}",
                        src->size(), dst->size()));
    } else if (o.name == "pairs") {
      if (o.value->kind != ExprKind::List) {
        diags_.error(Code::TypeMismatch, o.value->range, "`pairs` is a list of `(i, j)` pairs");
        continue;
      }
      for (auto& item : o.value->args) {
        if (item->kind != ExprKind::Tuple || item->args.size() != 2) {
          diags_.error(Code::TypeMismatch, item->range,
                       "each pair is `(source index, target index)`");
          continue;
        }
        for (int side = 0; side < 2; ++side) {
          if (!ec_.expect(*item->args[side], opts, Dimension(), "an index")) continue;
          auto k = ec_.constant_integer(*item->args[side], "an index");
          const auto& r = side == 0 ? src : dst;
          if (k && r && (*k < 0 || *k >= r->size()))
            diags_.error(Code::BadValue, item->args[side]->range,
                         fmt::format("index {} is outside the {} ({} neurons)", *k,
                                     side == 0 ? "source" : "target", r->size()));
        }
      }
    } else if (o.name == "delay") {
      if (!ec_.expect(*o.value, opts, dim::time(), "a delay")) continue;
      auto d = ec_.constant(*o.value);
      if (!d)
        diags_.error(Code::NotConstant, o.value->range,
                     "a delay option must be a constant; per-synapse delays go in `{ delay = … }`");
      else if (*d < 0)
        diags_.error(Code::BadValue, o.value->range, "a delay cannot be negative");
    }
  }
  if (m.when) {
    Scope w = scope.child();
    w.has_i = w.has_j = true;
    ec_.expect_bool(*m.when, w, "the `when` condition");
  }
  if (!syn) return;
  used_synapses_.insert(syn);
  // Per-synapse initialisers.
  Scope init = scope.child();
  init.has_i = init.has_j = init.has_rand = true;
  std::set<std::string> given;
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (!init_line(s, given)) continue;
    if (s.target == "delay") {
      if (seen.count("delay"))
        diags_.error(Code::BadOption, s.target_range, "the delay is already given as an option");
      ec_.expect(*s.value, init, dim::time(), "`delay`");
      continue;
    }
    Member* decl = nullptr;
    for (auto& b : syn->body)
      if ((b->kind == MemberKind::Param || b->kind == MemberKind::State) && b->name == s.target)
        decl = b.get();
    if (!decl) {
      diags_.error(Code::UnknownName, s.target_range,
                   fmt::format("synapse model `{}` has no variable `{}`", syn->name, s.target),
                   "initialise the synapse's params and states, or `delay`");
      continue;
    }
    s.ref = {decl->kind == MemberKind::Param ? NameRef::SynParam : NameRef::SynState, decl};
    if (ec_.decl_types.count(decl))
      ec_.expect(*s.value, init, ec_.decl_types[decl].dim, fmt::format("`{}`", s.target));
  }
  if (src && dst) {
    const PopInfo& pi = out_.populations[src->pop];
    const PopInfo& po = out_.populations[dst->pop];
    if (po.kind != PopKind::Neuron) {
      diags_.error(Code::TypeMismatch, m.target->range,
                   "the target of a connect must be a neuron population",
                   "sources (poisson, spike_generator) only send spikes");
      return;
    }
    check_synapse_handlers(*syn, pi.model, po.model, false, &m);
  }
}

void Checker::check_record(Member& m, Scope& scope) {
  auto r = population(*m.value, scope, "a record target");
  if (m.every) positive_time(*m.every, scope, "the recording interval");
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

void Checker::check_run(Member& run) {
  RunInfo& info = out_.run_info;
  if (run.name.empty()) {
    std::vector<Member*> circuits;
    for (Member* m : out_.models)
      if (m->model_kind == ModelKind::Circuit) circuits.push_back(m);
    if (circuits.size() != 1) {
      diags_.error(Code::Missing, run.name_range,
                   circuits.empty() ? "there is no circuit to run"
                                    : "there are several circuits; say which one to run",
                   "write `run Name for 1 s`");
    } else {
      info.circuit = circuits[0];
    }
  } else {
    auto g = out_.globals.find(run.name);
    if (g == out_.globals.end() || g->second->kind != MemberKind::Model ||
        g->second->model_kind != ModelKind::Circuit)
      diags_.error(Code::UnknownModel, run.name_range,
                   fmt::format("there is no circuit `{}`", run.name));
    else
      info.circuit = g->second;
  }
  Scope scope;
  if (auto d = positive_time(*run.value, scope, "the run duration")) info.duration = *d;
  for (auto& o : run.options) {
    if (o.name == "dt") {
      if (!o.value) {
        diags_.error(Code::BadOption, o.range, "`dt` needs a value: `dt = 0.1 ms`");
        continue;
      }
      if (info.has_dt) diags_.error(Code::BadOption, o.range, "`dt` is given twice");
      if (auto d = positive_time(*o.value, scope, "the time step")) info.dt = *d;
      info.has_dt = true;
    } else if (o.name == "seed") {
      if (!o.value) {
        diags_.error(Code::BadOption, o.range, "`seed` needs a value: `seed = 42`");
        continue;
      }
      if (!ec_.expect(*o.value, scope, Dimension(), "the seed")) continue;
      auto s = ec_.constant_integer(*o.value, "the seed");
      if (s && *s < 0) diags_.error(Code::BadValue, o.value->range, "the seed cannot be negative");
      if (s) info.seed = *s;
      info.has_seed = true;
    } else {
      diags_.error(Code::BadOption, o.range, fmt::format("unknown run option `{}`", o.name),
                   "options: dt, seed");
    }
  }
  if (info.duration > 0 && info.dt > 0 && info.duration / info.dt > 1e12)
    diags_.error(Code::BadValue, run.value->range, "the run would take more than 10^12 steps");
}

bool check_program(const LoadedProgram& program, Diagnostics& diags, CheckedProgram& out) {
  size_t before = diags.error_count();
  for (const auto& p : program.modules) check_placement(p.members, diags);
  if (diags.error_count() > before) return false;
  Checker c(diags, out);
  c.declare_globals(program);
  c.check_all();
  c.finish();
  return diags.error_count() == before;
}

}  // namespace neuro::frontend
