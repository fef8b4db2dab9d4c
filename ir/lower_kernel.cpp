// Kernel lowering: a population's neuron model specialised for it (uniform
// parameters folded into constants, settled in dependency order), and the
// per-neuron initialisers in the order they read each other.
#include "ir/lower_internal.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/fold_constants.h"

namespace neuro::ir::lowering {

using namespace frontend;

namespace {

void reads(const ExprPtr& e, std::vector<std::pair<Space, int>>& out) {
  if (!e) return;
  if (e->kind == Kind::Var) out.push_back({e->space, e->slot});
  for (const auto& a : e->args) reads(a, out);
}

}  // namespace

// Builds the kernel of one population: its model with the parameters that
// are equal across the population folded into constants.
int Lowerer::make_kernel(const Member& bind, const PopInfo& info,
                         const std::vector<std::pair<const FStmt*, bool>>& inits,
                         const std::set<const Member*>& driven, Population& pop) {
  const Member& model = *info.model;
  Kernel k;
  k.model = model.name;
  k.range = model.name_range;
  Env env;
  env.kernel = &k;
  env.N = static_cast<double>(info.size);
  env.has_N = true;
  std::map<const Member*, const FStmt*> init_of;
  for (auto [s, _] : inits) init_of[s->ref.decl] = s;
  // Reserve the slots first so every expression can refer to any of them.
  for (const auto& m : model.body) {
    if (m->kind == MemberKind::Param) {
      env.param_slot[m.get()] = static_cast<int>(k.params.size());
      k.params.push_back(
          {m->name, prog_.decl_types.at(m.get()).dim, m->name_range, nullptr, false});
    } else if (m->kind == MemberKind::State) {
      env.state_slot[m.get()] = static_cast<int>(k.states.size());
      k.states.push_back(
          {m->name, prog_.decl_types.at(m.get()).dim, m->name_range, nullptr, false});
    } else if (m->kind == MemberKind::Segments) {
      env.segment_slot[m.get()] = static_cast<int>(k.segments.size());
      k.segments.push_back(m->name);
    }
  }
  // Parameter values in dependency order, whatever the textual order: a
  // parameter is settled once everything it refers to is.
  std::vector<const Member*> unsettled;
  for (const auto& m : model.body)
    if (m->kind == MemberKind::Param) unsettled.push_back(m.get());
  for (bool progress = true; progress && !unsettled.empty();) {
    progress = false;
    for (auto it = unsettled.begin(); it != unsettled.end();) {
      const Member* m = *it;
      auto init = init_of.find(m);
      env.pending = false;
      auto given = overrides_.params.find({bind.name, m->name});
      ExprPtr value =
          given != overrides_.params.end()
              ? Expr::constant(given->second, k.params[env.param_slot[m]].dim, m->name_range)
              : fold_constants(expr(init != init_of.end() ? *init->second->value : *m->value, env));
      if (env.pending) {
        ++it;
        continue;
      }
      Variable& v = k.params[env.param_slot[m]];
      v.value = value;
      // A parameter that differs between neurons, or that a drive changes,
      // is held per neuron; the engine evaluates its value for each neuron.
      v.per_neuron = value->kind != Kind::Const || driven.count(m);
      it = unsettled.erase(it);
      progress = true;
    }
  }
  for (const Member* m : unsettled) {
    diags_.error(
        Code::DerivedCycle, m->name_range,
        fmt::format("the value of `{}` depends on itself through other parameters", m->name),
        "give one of them a value that does not refer back");
    k.params[env.param_slot[m]].value = Expr::constant(0, k.params[env.param_slot[m]].dim);
  }
  for (const auto& m : model.body) {
    if (m->kind != MemberKind::State) continue;
    Variable& v = k.states[env.state_slot[m.get()]];
    auto it = init_of.find(m.get());
    v.value = fold_constants(expr(it != init_of.end() ? *it->second->value : *m->value, env));
    if (m->per_step) {
      v.per_step = true;
      v.rest = constant(*m->value, env);
    }
  }
  int id = static_cast<int>(mod_.kernels.size());
  auto order = prog_.let_order.find(&model);
  if (order != prog_.let_order.end())
    for (const Member* l : order->second) {
      // Through the cache, so code that reads the let later does not lower
      // it (and report its problems) a second time.
      ExprPtr v = expr(*l->value, env);
      let_cache_[{env.kernel, l}] = v;
      k.lets.push_back({l->name, prog_.decl_types.at(l).dim, fold_constants(v)});
    }
  for (const auto& m : model.body) {
    switch (m->kind) {
      case MemberKind::Ode:
        k.odes.push_back({env.state_slot.at(find_in_model(&model, m->name)),
                          fold_constants(expr(*m->value, env)), m->unless_refractory, m->range});
        break;
      case MemberKind::Spike:
        k.threshold = fold_constants(expr(*m->value, env));
        k.reset = stmts(m->stmts, env);
        break;
      case MemberKind::Refractory:
        k.refractory = fold_constants(expr(*m->value, env));
        break;
      case MemberKind::Solver:
        k.solver_forced = true;
        k.solver_range = m->range;
        for (Solver s : {Solver::Exact, Solver::ExpEuler, Solver::Euler, Solver::RK4, Solver::RK45})
          if (m->name == solver_name(s)) k.solver = s;
        break;
      default:
        break;
    }
  }
  auto sel = selects_.find(&bind);
  if (sel != selects_.end())
    for (const Member* m : sel->second) scores_[m] = fold_constants(expr(*m->value, env));
  let_cache_.clear();
  (void)pop;
  mod_.kernels.push_back(std::move(k));
  return id;
}

// Orders initialisers so each runs after those it reads (Kahn's algorithm,
// keeping declaration order among independent ones).
std::vector<Population::Init> Lowerer::order_inits(const std::vector<Population::Init>& inits,
                                                   const Kernel& k, SourceRange where) {
  const size_t n = inits.size();
  std::vector<std::vector<size_t>> users(n);
  std::vector<size_t> waiting(n, 0);
  for (size_t b = 0; b < n; ++b) {
    std::vector<std::pair<Space, int>> r;
    reads(inits[b].value, r);
    for (size_t a = 0; a < n; ++a)
      if (a != b &&
          std::find(r.begin(), r.end(), std::make_pair(inits[a].space, inits[a].slot)) != r.end()) {
        users[a].push_back(b);
        waiting[b]++;
      }
  }
  std::vector<Population::Init> out;
  std::vector<bool> done(n, false);
  while (out.size() < n) {
    size_t pick = n;
    for (size_t a = 0; a < n && pick == n; ++a)
      if (!done[a] && waiting[a] == 0) pick = a;
    if (pick == n) {
      std::string names;
      for (size_t a = 0; a < n; ++a)
        if (!done[a]) {
          const auto& vars = inits[a].space == Space::Param ? k.params : k.states;
          names += (names.empty() ? "`" : ", `") + vars[inits[a].slot].name + "`";
        }
      diags_.error(Code::DerivedCycle, where,
                   fmt::format("initial values depend on each other in a circle: {}", names),
                   "give one of them a value that does not refer back");
      return out;
    }
    done[pick] = true;
    out.push_back(inits[pick]);
    for (size_t b : users[pick]) waiting[b]--;
  }
  return out;
}

}  // namespace neuro::ir::lowering
