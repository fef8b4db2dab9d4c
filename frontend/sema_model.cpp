// Checks of neuron and synapse models: parameters, states, equations, the
// spike condition, derived values in dependency order and handler statements.
// Separate from circuits: a model's body is checked once on its own; only a
// synapse's handlers are checked again for each connect that uses it.
#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <functional>
#include <set>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

const char* kSolvers[] = {"exact", "expeuler", "euler", "rk4", "rk45"};

}  // namespace

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

}  // namespace neuro::frontend
