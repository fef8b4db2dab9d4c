#include "ir/lower.h"
#include "ir/lower_layers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "ir/fold_constants.h"

namespace neuro::ir {

using namespace frontend;
using FExpr = frontend::Expr;
using FStmt = frontend::Stmt;

namespace {

Fn builtin_fn(const std::string& n) {
  static const std::map<std::string, Fn> fns = {{"exp", Fn::Exp},
                                                {"log", Fn::Log},
                                                {"log10", Fn::Log10},
                                                {"sqrt", Fn::Sqrt},
                                                {"abs", Fn::Abs},
                                                {"sin", Fn::Sin},
                                                {"cos", Fn::Cos},
                                                {"tan", Fn::Tan},
                                                {"tanh", Fn::Tanh},
                                                {"sinh", Fn::Sinh},
                                                {"cosh", Fn::Cosh},
                                                {"floor", Fn::Floor},
                                                {"ceil", Fn::Ceil},
                                                {"min", Fn::Min},
                                                {"max", Fn::Max},
                                                {"clip", Fn::Clip},
                                                {"false_match", Fn::FalseMatch},
                                                {"false_negative", Fn::FalseNegative},
                                                {"union_size", Fn::UnionSize}};
  return fns.at(n);
}

// How names resolve while lowering one piece of code.
struct Env {
  // Neuron code: the kernel whose params/states/lets are in scope.
  const Kernel* kernel = nullptr;
  std::map<const Member*, int> param_slot, state_slot;
  std::map<const Member*, const Member*>* lets = nullptr;  // let decl → itself (in scope)
  // Synapse code.
  std::map<const Member*, int> syn_slot;
  std::map<const Member*, int> trace_slot;
  const Kernel* pre = nullptr;
  const Kernel* post = nullptr;
  std::map<const Member*, int> pre_slot, post_slot;  // model decl → state slot
  // The neuron models at either end: a synapse model used by several
  // connects is annotated by the checker for the last one, so names are
  // resolved again in these.
  const Member *pre_model = nullptr, *post_model = nullptr;
  std::map<const Member*, ExprPtr> pre_const, post_const;  // uniform params
  double N = 0;
  bool has_N = false;
  std::map<const Member*, int> segment_slot;  // `segments` member → collection index
  // Dendrite code: its parameters (constants), and post./pre. names that
  // resolve in `kernel` (the cell at the lane).
  std::map<const Member*, ExprPtr> dend_params;
  bool dendrite = false;
  // Set when an expression refers to a parameter whose value is not known
  // yet (parameters may refer to parameters declared after them).
  mutable bool pending = false;
};

class Lowerer {
 public:
  Lowerer(const CheckedProgram& prog, const RunOverrides& overrides, Module& mod,
          Diagnostics& diags)
      : prog_(prog), overrides_(overrides), mod_(mod), diags_(diags) {}

  ExprPtr expr(const FExpr& e, const Env& env);
  std::vector<Stmt> stmts(const std::vector<StmtPtr>& body, const Env& env);
  void circuit(const Member& circuit);
  int rand_site(const FExpr& e);
  int modulator_slot(const Member* m) const {
    for (size_t k = 0; k < mod_.modulators.size(); ++k)
      if (mod_.modulators[k].name == m->name) return static_cast<int>(k);
    NEURO_INTERNAL_ASSERT(false, "undeclared modulator " + m->name);
  }

 private:
  ExprPtr name(const FExpr& e, const Env& env);
  ExprPtr call(const FExpr& e, const Env& env);
  ExprPtr group_reduce(const FExpr& e, const Env& env);
  ExprPtr sdr_code(const FExpr& e, const Env& env);
  void dendrite(const Member& m);
  Env kernel_env(int pop);
  void flatten_actions(const std::vector<StmtPtr>& body, const ExprPtr& guard, const Env& env,
                       std::vector<Dendrite::Action>& out);
  int make_kernel(const Member& bind, const PopInfo& info,
                  const std::vector<std::pair<const FStmt*, bool>>& inits,
                  const std::set<const Member*>& driven, Population& pop);
  void projection(const Member& m);
  std::vector<Population::Init> order_inits(const std::vector<Population::Init>& inits,
                                            const Kernel& k, SourceRange where);
  void monitor(const Member& m);
  void drive(const Member& m);
  // Rate layers: `layer[n]`, `via dense`, `learn` (checked in frontend/sema_layers.cpp).
  void layer(const Member& m);
  void dense(const Member& m);
  void learn(const Member& m);
  Slice slice(const FExpr& e) const;
  double constant(const FExpr& e, const Env& env);

  const CheckedProgram& prog_;
  const RunOverrides& overrides_;
  Module& mod_;
  Diagnostics& diags_;
  std::map<const Member*, int> pop_index_;                   // Bind → population
  std::map<const Member*, int> layer_index_;                 // Bind → Module::layers
  std::map<const Member*, std::set<const Member*>> driven_;  // Bind → driven params
  std::vector<std::map<std::string, ExprPtr>> fn_args_;      // user function call frames
  std::vector<const FExpr*> call_stack_;
  std::map<std::string, int> sites_;
  std::map<std::pair<const Kernel*, const Member*>, ExprPtr> let_cache_;
  std::map<const Member*, std::vector<const Member*>> selects_;  // Bind → its select members
  std::map<const Member*, ExprPtr> scores_;                      // select member → lowered score
};

int Lowerer::rand_site(const FExpr& e) {
  // A call site is the node plus the chain of function calls that inlined
  // it, so `fn noise() = randn()` used twice gives two independent streams.
  std::string key = fmt::format("{}", static_cast<const void*>(&e));
  for (const FExpr* c : call_stack_) key += fmt::format("/{}", static_cast<const void*>(c));
  auto [it, fresh] = sites_.emplace(key, mod_.rand_sites);
  if (fresh) mod_.rand_sites++;
  return it->second;
}

ExprPtr Lowerer::name(const FExpr& e, const Env& env) {
  const NameRef& r = e.ref;
  switch (r.kind) {
    case NameRef::Const:
      return Expr::constant(prog_.const_values.at(r.decl), e.type.dim, e.range,
                            e.type.kind == Type::Bool);
    case NameRef::Modulator:
      return Expr::var(Space::Modulator, modulator_slot(r.decl), e.text, e.type.dim, e.range);
    case NameRef::FnArg:
      return fn_args_.back().at(e.text);
    case NameRef::SegmentVar:
      return Expr::var(Space::SegVar, segvar_slot(e.text), e.text, {}, e.range);
    case NameRef::Param: {
      auto dp = env.dend_params.find(r.decl);
      if (dp != env.dend_params.end()) return dp->second;
      auto it = env.param_slot.find(r.decl);
      NEURO_INTERNAL_ASSERT(it != env.param_slot.end() && env.kernel,
                            "parameter out of scope: " + e.text);
      const Variable& v = env.kernel->params[it->second];
      if (!v.value) env.pending = true;
      if (!v.per_neuron && v.value && v.value->kind == Kind::Const)
        return Expr::constant(v.value->value, v.dim, e.range);
      return Expr::var(Space::Param, it->second, v.name, v.dim, e.range);
    }
    case NameRef::State: {
      auto it = env.state_slot.find(r.decl);
      NEURO_INTERNAL_ASSERT(it != env.state_slot.end(), "state out of scope: " + e.text);
      return Expr::var(Space::State, it->second, e.text, e.type.dim, e.range);
    }
    case NameRef::Let: {
      auto key = std::make_pair(env.kernel, r.decl);
      auto it = let_cache_.find(key);
      if (it != let_cache_.end()) return it->second;
      ExprPtr v = expr(*r.decl->value, env);
      let_cache_[key] = v;
      return v;
    }
    case NameRef::SynParam:
    case NameRef::SynState: {
      auto it = env.syn_slot.find(r.decl);
      NEURO_INTERNAL_ASSERT(it != env.syn_slot.end(), "synapse variable out of scope: " + e.text);
      return Expr::var(Space::Syn, it->second, e.text, e.type.dim, e.range);
    }
    case NameRef::SynTrace:
      return Expr::var(Space::Trace, env.trace_slot.at(r.decl), e.text, e.type.dim, e.range);
    case NameRef::Builtin: {
      if (e.text == "t") return Expr::make(Kind::Time, dim::time(), e.range);
      if (e.text == "dt") return Expr::constant(mod_.run.dt, dim::time(), e.range);
      if (e.text == "pi") return Expr::constant(M_PI, {}, e.range);
      if (e.text == "N") return Expr::constant(env.N, {}, e.range);
      auto x = Expr::make(Kind::Index, {}, e.range);
      std::const_pointer_cast<Expr>(x)->slot = e.text == "j" ? 1 : 0;
      return x;
    }
    default:
      break;
  }
  NEURO_INTERNAL_ASSERT(false, "unresolved name " + e.text);
}

ExprPtr Lowerer::call(const FExpr& e, const Env& env) {
  if (e.ref.kind != NameRef::Builtin) {
    const Member* fn = e.ref.decl;
    std::map<std::string, ExprPtr> frame;
    for (size_t k = 0; k < fn->params.size(); ++k) frame[fn->params[k]] = expr(*e.args[k], env);
    fn_args_.push_back(std::move(frame));
    call_stack_.push_back(&e);
    ExprPtr body = expr(*fn->value, env);
    call_stack_.pop_back();
    fn_args_.pop_back();
    return body;
  }
  if (e.text == "rand" || e.text == "randn") {
    auto x = Expr::make(e.text == "rand" ? Kind::Rand : Kind::Randn, {}, e.range);
    std::const_pointer_cast<Expr>(x)->slot = rand_site(e);
    return x;
  }
  if (e.text.rfind("group_", 0) == 0) return group_reduce(e, env);
  if (e.text == "scalar_code" || e.text == "category_code") return sdr_code(e, env);
  if (e.text == "table") {
    Table t;
    t.step = constant(*e.args[0], env);
    for (const auto& v : e.args[1]->args) t.values.push_back(constant(*v, env));
    auto x = Expr::make(Kind::Table, e.type.dim, e.range);
    std::const_pointer_cast<Expr>(x)->slot = static_cast<int>(mod_.tables.size());
    mod_.tables.push_back(std::move(t));
    return x;
  }
  std::vector<ExprPtr> args;
  for (const auto& a : e.args) args.push_back(expr(*a, env));
  return Expr::call(builtin_fn(e.text), std::move(args), e.type.dim, e.range);
}

ExprPtr Lowerer::expr(const FExpr& e, const Env& env) {
  switch (e.kind) {
    case ExprKind::Number:
      return Expr::constant(e.si, e.type.dim, e.range);
    case ExprKind::Bool:
      return Expr::constant(e.number, {}, e.range, true);
    case ExprKind::Name:
      return name(e, env);
    case ExprKind::Call:
      return call(e, env);
    case ExprKind::Member: {
      if (e.ref.kind == NameRef::SegmentField)
        return Expr::var(Space::Segment,
                         env.segment_slot.at(e.ref.decl) * 4 + segment_field(e.text),
                         e.args[0]->text + "." + e.text, {}, e.range);
      if (e.ref.kind == NameRef::SegmentVar)
        return Expr::var(Space::SegVar, SegPostSpiked, "post.spiked", {}, e.range);
      if (env.dendrite) {
        // `post.x` in dendrite code (`pre.x` in `grow toward`): the neuron's
        // own variable, read at the lane's cell.
        FExpr n = e;
        n.kind = ExprKind::Name;
        n.text = e.ref.decl->name;
        n.args.clear();
        n.ref.kind = e.ref.decl->kind == MemberKind::Param   ? NameRef::Param
                     : e.ref.decl->kind == MemberKind::State ? NameRef::State
                                                             : NameRef::Let;
        return name(n, env);
      }
      bool post = e.args[0]->text == "post";
      const auto& slots = post ? env.post_slot : env.pre_slot;
      const auto& consts = post ? env.post_const : env.pre_const;
      const Member* decl = e.ref.decl;
      if (const Member* model = post ? env.post_model : env.pre_model)
        if (const Member* d = find_in_model(model, e.text)) decl = d;
      auto c = consts.find(decl);
      if (c != consts.end()) return c->second;
      auto it = slots.find(decl);
      if (it == slots.end()) {
        diags_.error(Code::Unsupported, e.range,
                     "synapse code can read the pre/postsynaptic neuron's states and uniform "
                     "parameters only");
        return Expr::constant(0, e.type.dim, e.range);
      }
      return Expr::var(post ? Space::Post : Space::Pre, it->second, e.text, e.type.dim, e.range);
    }
    case ExprKind::Unary: {
      ExprPtr a = expr(*e.args[0], env);
      if (e.op == Op::Pos) return a;
      return Expr::unary(e.op, a, e.range);
    }
    case ExprKind::Binary:
      return Expr::binary(e.op, expr(*e.args[0], env), expr(*e.args[1], env), e.range);
    case ExprKind::Cond:
      return Expr::select(expr(*e.args[0], env), expr(*e.args[1], env), expr(*e.args[2], env),
                          e.range);
    default:
      break;
  }
  NEURO_INTERNAL_ASSERT(false, "cannot lower this expression: " + print(e));
}

double Lowerer::constant(const FExpr& e, const Env& env) {
  ExprPtr x = fold_constants(expr(e, env));
  if (x->kind != Kind::Const) {
    diags_.error(Code::NotConstant, e.range, "this value must be a constant known before the run");
    return 0;
  }
  return x->value;
}

std::vector<Stmt> Lowerer::stmts(const std::vector<StmtPtr>& body, const Env& env) {
  std::vector<Stmt> out;
  for (const auto& sp : body) {
    const FStmt& s = *sp;
    Stmt st;
    st.range = s.range;
    if (s.kind == FStmt::If) {
      st.type = Stmt::If;
      st.cond = expr(*s.cond, env);
      st.then_body = stmts(s.then_body, env);
      st.else_body = stmts(s.else_body, env);
      out.push_back(std::move(st));
      continue;
    }
    st.op = s.op;
    st.name = s.target;
    st.value = expr(*s.value, env);
    switch (s.ref.kind) {
      case NameRef::State:
        st.space = Space::State;
        st.slot = env.state_slot.at(s.ref.decl);
        break;
      case NameRef::SynParam:
      case NameRef::SynState:
        st.space = Space::Syn;
        st.slot = env.syn_slot.at(s.ref.decl);
        break;
      case NameRef::SynTrace:
        st.space = Space::Trace;
        st.slot = env.trace_slot.at(s.ref.decl);
        break;
      case NameRef::PostVar: {
        const Member* decl = s.ref.decl;
        if (env.post_model)
          if (const Member* d = find_in_model(env.post_model, s.target)) decl = d;
        st.space = Space::Post;
        st.slot = env.post_slot.at(decl);
        break;
      }
      default:
        NEURO_INTERNAL_ASSERT(false, "unexpected assignment target " + s.target);
    }
    out.push_back(std::move(st));
  }
  return out;
}

Slice Lowerer::slice(const FExpr& e) const {
  const PopRef& r = prog_.pop_refs.at(&e);
  return {pop_index_.at(r.pop), static_cast<size_t>(r.lo), static_cast<size_t>(r.hi)};
}

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

namespace {
void reads(const ExprPtr& e, std::vector<std::pair<Space, int>>& out) {
  if (!e) return;
  if (e->kind == Kind::Var) out.push_back({e->space, e->slot});
  for (const auto& a : e->args) reads(a, out);
}
}  // namespace

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

void Lowerer::projection(const Member& m) {
  Projection pr;
  pr.range = m.range;
  pr.synapse = m.via;
  pr.src = slice(*m.source);
  pr.dst = slice(*m.target);
  pr.id = static_cast<uint32_t>(mod_.projections.size());
  const Member* syn = prog_.globals.at(m.via);
  Env env;
  const Population& sp = mod_.pops[pr.src.pop];
  const Population& dp = mod_.pops[pr.dst.pop];
  env.pre = sp.kernel >= 0 ? &mod_.kernels[sp.kernel] : nullptr;
  env.post = &mod_.kernels[dp.kernel];
  // pre./post. names resolve to states, or to uniform parameters as constants.
  auto bind_side = [&](const Kernel* k, const PopInfo& info, std::map<const Member*, int>& slots,
                       std::map<const Member*, ExprPtr>& consts) {
    if (!k || !info.model) return;
    int si = 0, pi = 0;
    for (const auto& b : info.model->body) {
      if (b->kind == MemberKind::State) slots[b.get()] = si++;
      if (b->kind == MemberKind::Param) {
        const Variable& v = k->params[pi++];
        if (!v.per_neuron) consts[b.get()] = v.value;
      }
    }
  };
  bind_side(env.pre, prog_.populations.at(prog_.pop_refs.at(m.source.get()).pop), env.pre_slot,
            env.pre_const);
  env.pre_model = prog_.populations.at(prog_.pop_refs.at(m.source.get()).pop).model;
  env.post_model = prog_.populations.at(prog_.pop_refs.at(m.target.get()).pop).model;
  bind_side(env.post, prog_.populations.at(prog_.pop_refs.at(m.target.get()).pop), env.post_slot,
            env.post_const);
  for (const auto& b : syn->body) {
    if (b->kind == MemberKind::Param || b->kind == MemberKind::State) {
      env.syn_slot[b.get()] = static_cast<int>(pr.vars.size());
      pr.vars.push_back({b->name, prog_.decl_types.at(b.get()).dim, b->name_range, nullptr, false});
    }
    if (b->kind == MemberKind::Trace) {
      env.trace_slot[b.get()] = static_cast<int>(pr.traces.size());
      Trace t;
      t.name = b->name;
      t.dim = prog_.decl_types.at(b.get()).dim;
      t.range = b->name_range;
      t.tau = b->decay ? constant(*b->decay, env) : 0;
      t.initial = b->value ? constant(*b->value, env) : 0;
      pr.traces.push_back(t);
    }
  }
  std::map<const Member*, const FStmt*> init_of;
  const FStmt* delay_init = nullptr;
  for (const auto& s : m.stmts) {
    if (s->target == "delay")
      delay_init = s.get();
    else
      init_of[s->ref.decl] = s.get();
  }
  for (const auto& b : syn->body)
    if (b->kind == MemberKind::Param || b->kind == MemberKind::State) {
      Variable& v = pr.vars[env.syn_slot[b.get()]];
      auto it = init_of.find(b.get());
      v.value = fold_constants(expr(it != init_of.end() ? *it->second->value : *b->value, env));
    }
  pr.delay = Expr::constant(0, dim::time(), m.range);
  for (const auto& o : m.options) {
    if (o.name == "p") {
      pr.rule = Rule::Probability;
      pr.p = constant(*o.value, env);
    } else if (o.name == "in_degree") {
      pr.rule = Rule::InDegree;
      pr.k = static_cast<size_t>(constant(*o.value, env));
    } else if (o.name == "one_to_one") {
      pr.rule = Rule::OneToOne;
    } else if (o.name == "all_to_all") {
      pr.rule = Rule::AllToAll;
    } else if (o.name == "pairs") {
      pr.rule = Rule::Pairs;
      for (const auto& item : o.value->args)
        pr.pairs.emplace_back(static_cast<uint32_t>(constant(*item->args[0], env)),
                              static_cast<uint32_t>(constant(*item->args[1], env)));
    } else if (o.name == "delay") {
      pr.delay = Expr::constant(constant(*o.value, env), dim::time(), o.value->range);
    }
  }
  if (delay_init) pr.delay = fold_constants(expr(*delay_init->value, env));
  if (m.when) pr.when = fold_constants(expr(*m.when, env));
  for (const auto& b : syn->body)
    if (b->kind == MemberKind::On) {
      auto body = stmts(b->stmts, env);
      auto& handler = b->name == "pre" ? pr.on_pre : pr.on_post;
      handler.insert(handler.end(), body.begin(), body.end());
    }
  mod_.projections.push_back(std::move(pr));
}

// group_max(x, size) and friends become a per-neuron value the engine
// computes before threshold detection (Space::Group).
ExprPtr Lowerer::group_reduce(const FExpr& e, const Env& env) {
  NEURO_INTERNAL_ASSERT(env.kernel, "group reduction outside a kernel");
  auto* k = const_cast<Kernel*>(env.kernel);
  GroupReduce g;
  g.op = e.text == "group_max"      ? GroupReduce::Max
         : e.text == "group_argmax" ? GroupReduce::ArgMax
                                    : GroupReduce::Sum;
  g.arg = fold_constants(expr(*e.args[0], env));
  g.range = e.range;
  const size_t errors = diags_.error_count();
  double size = constant(*e.args[1], env);
  if (diags_.error_count() > errors) {
    size = 1;  // not a constant: reported
  } else if (!(size >= 1) || std::floor(size) != size) {
    diags_.error(Code::BadValue, e.args[1]->range,
                 fmt::format("a group size is a whole number ≥ 1, not {}", size));
    size = 1;
  }
  g.size = static_cast<size_t>(size);
  // A reduction may read others (`group_sum(group_max(V, 8), 40)`): those in
  // its argument were lowered just above, so they hold lower slots, and the
  // engine computes the reductions in slot order.
  std::string key = fmt::format("{}/{}/{}", static_cast<int>(g.op), g.size, print(*g.arg));
  int slot = -1;
  for (size_t q = 0; q < k->groups.size(); ++q)
    if (fmt::format("{}/{}/{}", static_cast<int>(k->groups[q].op), k->groups[q].size,
                    print(*k->groups[q].arg)) == key)
      slot = static_cast<int>(q);
  if (slot < 0) {
    slot = static_cast<int>(k->groups.size());
    k->groups.push_back(std::move(g));
  }
  auto v = Expr::var(Space::Group, slot, fmt::format("group#{}", slot), e.type.dim, e.range);
  if (e.text == "group_argmax") std::const_pointer_cast<Expr>(v)->boolean = true;
  return v;
}

// The SDR encoders, written out as arithmetic on the neuron's index (so
// every backend computes them alike): neuron i is active when it lies in
// the code's block [start, start + w).
ExprPtr Lowerer::sdr_code(const FExpr& e, const Env& env) {
  const SourceRange r = e.range;
  auto num = [&](double v) { return Expr::constant(v, {}, r); };
  const double w = constant(*e.args.back(), env);
  ExprPtr start;
  if (e.text == "scalar_code") {
    if (!env.has_N) {
      diags_.error(Code::Unsupported, r, "scalar_code needs the population's size, unknown here");
      return num(0);
    }
    if (w > env.N) {
      diags_.error(Code::BadValue, e.args.back()->range,
                   fmt::format("{} active bits do not fit in a population of {}", w, env.N));
      return num(0);
    }
    ExprPtr x = expr(*e.args[0], env), lo = expr(*e.args[1], env), hi = expr(*e.args[2], env);
    ExprPtr lo_f = fold_constants(lo), hi_f = fold_constants(hi);
    if (lo_f->kind == Kind::Const && hi_f->kind == Kind::Const && !(hi_f->value > lo_f->value)) {
      diags_.error(Code::BadValue, e.range,
                   "scalar_code needs a range with its high end above its low end");
      return num(0);
    }
    // start = round((clip(x, lo, hi) − lo) / (hi − lo) · (N − w))
    ExprPtr frac = Expr::binary(
        Op::Div, Expr::binary(Op::Sub, Expr::call(Fn::Clip, {x, lo, hi}, x->dim, r), lo, r),
        Expr::binary(Op::Sub, hi, lo, r), r);
    start = Expr::call(
        Fn::Floor,
        {Expr::binary(Op::Add, Expr::binary(Op::Mul, frac, num(env.N - w), r), num(0.5), r)}, {},
        r);
  } else {
    start = Expr::binary(Op::Mul, expr(*e.args[0], env), num(w), r);
  }
  auto i = Expr::make(Kind::Index, {}, r);
  ExprPtr inside =
      Expr::binary(Op::And, Expr::binary(Op::Ge, i, start, r),
                   Expr::binary(Op::Lt, i, Expr::binary(Op::Add, start, num(w), r), r), r);
  return Expr::select(inside, num(1), num(0), r);
}

// The names of population `pop`'s neuron model, resolved in its kernel.
Env Lowerer::kernel_env(int pop) {
  Env env;
  const Population& p = mod_.pops[pop];
  env.kernel = &mod_.kernels[p.kernel];
  env.N = static_cast<double>(p.size);
  const Member* bind = nullptr;
  for (const auto& [b, idx] : pop_index_)
    if (idx == pop) bind = b;
  const Member* model = prog_.populations.at(bind).model;
  int pi = 0, si = 0, ci = 0;
  for (const auto& m : model->body) {
    if (m->kind == MemberKind::Param) env.param_slot[m.get()] = pi++;
    if (m->kind == MemberKind::State) env.state_slot[m.get()] = si++;
    if (m->kind == MemberKind::Segments) env.segment_slot[m.get()] = ci++;
  }
  return env;
}

void Lowerer::flatten_actions(const std::vector<StmtPtr>& body, const ExprPtr& guard,
                              const Env& env, std::vector<Dendrite::Action>& out) {
  for (const auto& sp : body) {
    const FStmt& s = *sp;
    if (s.kind == FStmt::If) {
      ExprPtr c = expr(*s.cond, env);
      flatten_actions(s.then_body, Expr::binary(Op::And, guard, c, s.cond->range), env, out);
      flatten_actions(
          s.else_body,
          Expr::binary(Op::And, guard, Expr::unary(Op::Not, c, s.cond->range), s.cond->range), env,
          out);
      continue;
    }
    if (s.kind != FStmt::Call) continue;
    Dendrite::Action a;
    a.kind = s.target == "adapt"  ? Dendrite::Action::Adapt
             : s.target == "grow" ? Dendrite::Action::Grow
                                  : Dendrite::Action::Create;
    a.guard = fold_constants(guard);
    a.a = fold_constants(expr(*s.args[0], env));
    a.b = fold_constants(expr(*s.args[1], env));
    a.range = s.range;
    out.push_back(std::move(a));
  }
}

void Lowerer::dendrite(const Member& m) {
  Dendrite d;
  d.model = m.via;
  d.range = m.range;
  d.pre = slice(*m.source).pop;
  d.post = pop_index_.at(prog_.pop_refs.at(m.target->args[0].get()).pop);
  const Member* model = prog_.globals.at(m.via);
  Env env = kernel_env(d.post);
  d.collection = env.segment_slot.at(m.target->ref.decl);
  env.dendrite = true;
  // Parameters are constants of the model (they may refer to each other in order).
  Env plain;
  std::map<const Member*, const FExpr*> given;
  for (const auto& s : m.stmts) given[s->ref.decl] = s->value.get();
  for (const auto& b : model->body)
    if (b->kind == MemberKind::Param) {
      auto g = given.find(b.get());
      plain.dend_params[b.get()] =
          fold_constants(expr(g != given.end() ? *g->second : *b->value, plain));
      env.dend_params[b.get()] = plain.dend_params[b.get()];
    }
  auto tuned = [&](const char* name, double fallback) {
    for (const auto& b : model->body)
      if (b->kind == MemberKind::Param && b->name == name) {
        const ExprPtr& v = env.dend_params.at(b.get());
        if (v->kind == Kind::Const) return v->value;
      }
    return fallback;
  };
  d.connected = tuned("connected", 0.5);
  d.activation = static_cast<size_t>(tuned("activation_threshold", 13));
  d.matching = static_cast<size_t>(tuned("matching_threshold", 10));
  d.max_segments = static_cast<size_t>(tuned("max_segments", 255));
  d.max_synapses = static_cast<size_t>(tuned("max_synapses", 255));
  const ExprPtr yes = Expr::constant(1, {}, m.range, true);
  for (const auto& b : model->body) {
    if (b->kind == MemberKind::Grow) {
      Env pre = kernel_env(d.pre);
      pre.dendrite = true;
      pre.dend_params = env.dend_params;
      d.candidate = fold_constants(expr(*b->value, pre));
    }
    if (b->kind == MemberKind::On)
      flatten_actions(b->stmts, yes, env, b->name == "segment" ? d.on_segment : d.on_cell);
  }
  let_cache_.clear();
  mod_.dendrites.push_back(std::move(d));
}

void Lowerer::monitor(const Member& m) {
  Monitor mo;
  mo.range = m.range;
  mo.target = slice(*m.value);
  const Population& p = mod_.pops[mo.target.pop];
  if (m.every) {
    Env env;
    mo.every = constant(*m.every, env);
  }
  for (const auto& v : m.vars) {
    if (v == "spikes") {
      mo.spikes = true;
      continue;
    }
    const Kernel& k = mod_.kernels[p.kernel];
    Monitor::Probe probe;
    probe.name = v;
    for (size_t s = 0; s < k.states.size(); ++s)
      if (k.states[s].name == v)
        probe.value = Expr::var(Space::State, static_cast<int>(s), v, k.states[s].dim),
        probe.dim = k.states[s].dim;
    for (size_t s = 0; s < k.params.size(); ++s)
      if (k.params[s].name == v) {
        probe.dim = k.params[s].dim;
        probe.value = k.params[s].per_neuron
                          ? Expr::var(Space::Param, static_cast<int>(s), v, probe.dim)
                          : k.params[s].value;
      }
    for (const auto& l : k.lets)
      if (l.name == v) probe.value = l.value, probe.dim = l.dim;
    NEURO_INTERNAL_ASSERT(probe.value != nullptr, "unknown recorded variable " + v);
    mo.probes.push_back(std::move(probe));
  }
  mod_.monitors.push_back(std::move(mo));
}

void Lowerer::drive(const Member& m) {
  Drive d;
  d.range = m.range;
  if (m.drive_target->ref.kind == NameRef::Modulator) {
    d.target.pop = -1;
    d.space = Space::Modulator;
    d.slot = modulator_slot(m.drive_target->ref.decl);
    d.name = m.drive_target->text;
    Env env;
    d.value = fold_constants(expr(*m.value, env));
    mod_.drives.push_back(std::move(d));
    return;
  }
  d.target = slice(*m.drive_target->args[0]);
  d.name = m.drive_target->text;
  const Kernel& k = mod_.kernels[mod_.pops[d.target.pop].kernel];
  d.space = m.drive_target->ref.kind == NameRef::Param ? Space::Param : Space::State;
  const auto& vars = d.space == Space::Param ? k.params : k.states;
  for (size_t s = 0; s < vars.size(); ++s)
    if (vars[s].name == d.name) d.slot = static_cast<int>(s);
  Env env;
  env.N = static_cast<double>(mod_.pops[d.target.pop].size);
  env.has_N = true;  // for the SDR encoders (`N` itself is not in scope in a drive)
  d.value = fold_constants(expr(*m.value, env));
  mod_.drives.push_back(std::move(d));
}

void Lowerer::circuit(const Member& circuit) {
  for (const auto& m : circuit.body)
    if (m->kind == MemberKind::Select)
      selects_[prog_.pop_refs.at(m->drive_target.get()).pop].push_back(m.get());
  // Driven parameters must stay per-neuron arrays: find them first.
  for (const auto& m : circuit.body)
    if (m->kind == MemberKind::Drive && m->drive_target->ref.kind == NameRef::Param &&
        m->drive_target->kind == ExprKind::Member)
      driven_[prog_.pop_refs.at(m->drive_target->args[0].get()).pop].insert(
          m->drive_target->ref.decl);
  for (const auto& mp : circuit.body) {
    const Member& m = *mp;
    if (m.kind != MemberKind::Bind || !prog_.populations.count(&m)) continue;
    const PopInfo& info = prog_.populations.at(&m);
    if (info.kind == PopKind::Layer) {
      layer(m);
      continue;
    }
    Population p;
    p.name = m.name;
    p.range = m.range;
    p.kind = info.kind;
    p.size = static_cast<size_t>(info.size);
    Env env;
    env.N = p.size;
    if (info.kind == PopKind::Neuron) {
      std::vector<std::pair<const FStmt*, bool>> inits;
      for (const auto& s : m.stmts) inits.push_back({s.get(), true});
      p.kernel = make_kernel(m, info, inits, driven_[&m], p);
      Kernel& k = mod_.kernels[p.kernel];
      // Per-neuron initial values: params, then states, each after the
      // values it reads.
      std::vector<Population::Init> values;
      for (size_t s = 0; s < k.params.size(); ++s)
        if (k.params[s].per_neuron)
          values.push_back({Space::Param, static_cast<int>(s), k.params[s].value});
      for (size_t s = 0; s < k.states.size(); ++s)
        values.push_back({Space::State, static_cast<int>(s), k.states[s].value});
      p.init = order_inits(values, k, m.range);
    } else if (info.kind == PopKind::Poisson) {
      for (const auto& s : m.stmts) p.rate = fold_constants(expr(*s->value, env));
    } else {
      for (const auto& s : m.stmts) {
        for (const auto& item : s->value->args) {
          if (s->target == "spikes") {
            p.spikes.emplace_back(static_cast<uint32_t>(constant(*item->args[0], env)),
                                  constant(*item->args[1], env));
          } else {
            double t = constant(*item, env);
            for (size_t n = 0; n < p.size; ++n) p.spikes.emplace_back(static_cast<uint32_t>(n), t);
          }
        }
      }
      std::stable_sort(p.spikes.begin(), p.spikes.end(), [](const auto& a, const auto& b) {
        return a.second < b.second || (a.second == b.second && a.first < b.first);
      });
    }
    pop_index_[&m] = static_cast<int>(mod_.pops.size());
    mod_.pops.push_back(std::move(p));
  }
  for (const auto& [alias, ref] : prog_.aliases) (void)alias, (void)ref;
  for (const auto& mp : circuit.body) {
    switch (mp->kind) {
      case MemberKind::Connect:
        if (mp->via == "dense")
          dense(*mp);
        else if (mp->target->ref.kind == NameRef::SegmentField)
          dendrite(*mp);
        else
          projection(*mp);
        break;
      case MemberKind::Record:
        monitor(*mp);
        break;
      case MemberKind::Drive:
        drive(*mp);
        break;
      case MemberKind::Select: {
        Selection s;
        s.range = mp->range;
        s.target = slice(*mp->drive_target);
        s.score = scores_.at(mp.get());
        s.group = s.target.size();
        Env env;
        for (const auto& o : mp->options) {
          if (o.name == "draw") s.draw = true;
          if (o.name == "k") s.k = static_cast<size_t>(constant(*o.value, env));
          if (o.name == "group") s.group = static_cast<size_t>(constant(*o.value, env));
        }
        mod_.selections.push_back(std::move(s));
        break;
      }
      case MemberKind::Learn:
        learn(*mp);
        break;
      default:
        break;
    }
  }
  if (!mod_.layers.empty()) order_layers(mod_, diags_);
}

void Lowerer::layer(const Member& m) {
  Layer l;
  l.name = m.name;
  l.range = m.range;
  l.size = static_cast<size_t>(prog_.populations.at(&m).size);
  l.bias = Expr::constant(0);
  Env env;
  env.N = static_cast<double>(l.size);
  env.has_N = true;
  for (const auto& s : m.stmts) {
    if (s->target == "activation")
      l.activation = static_cast<Activation>(*frontend::activation_index(s->value->text));
    else if (s->target == "bias")
      l.bias = fold_constants(expr(*s->value, env));
  }
  layer_index_[&m] = static_cast<int>(mod_.layers.size());
  mod_.layers.push_back(std::move(l));
}

void Lowerer::dense(const Member& m) {
  Dense d;
  d.range = m.range;
  d.src = layer_index_.at(prog_.pop_refs.at(m.source.get()).pop);
  d.dst = layer_index_.at(prog_.pop_refs.at(m.target.get()).pop);
  d.weight = Expr::constant(0);
  Env env;
  for (const auto& s : m.stmts) d.weight = fold_constants(expr(*s->value, env));
  mod_.dense.push_back(std::move(d));
}

void Lowerer::learn(const Member& m) {
  Learn l;
  l.range = m.range;
  l.layer = layer_index_.at(prog_.pop_refs.at(m.value.get()).pop);
  Env env;
  for (const auto& o : m.options) {
    if (o.name == "loss") l.loss = static_cast<Loss>(*frontend::loss_index(o.value->text));
    if (o.name == "rate") l.rate = fold_constants(expr(*o.value, env));
  }
  mod_.learners.push_back(std::move(l));
}

}  // namespace

std::optional<Module> lower(const CheckedProgram& program, const RunOverrides& overrides,
                            Diagnostics& diags) {
  Module mod;
  const RunInfo& ri = program.run_info;
  mod.run.duration = overrides.duration.value_or(ri.duration);
  mod.run.dt = overrides.dt.value_or(ri.dt);
  mod.run.seed = overrides.seed.value_or(static_cast<uint64_t>(ri.seed));
  const Member* circuit = ri.circuit;
  if (!overrides.circuit.empty()) {
    auto g = program.globals.find(overrides.circuit);
    circuit = g != program.globals.end() && g->second->kind == MemberKind::Model &&
                      g->second->model_kind == ModelKind::Circuit
                  ? g->second
                  : nullptr;
    if (!circuit) {
      diags.error(Code::UnknownModel, {},
                  fmt::format("there is no circuit `{}`", overrides.circuit));
      return std::nullopt;
    }
  }
  if (!circuit) {
    // No run statement: a file of declarations. Lower its only circuit, if any.
    for (const Member* m : program.models)
      if (m->model_kind == ModelKind::Circuit) circuit = m;
  }
  size_t before = diags.error_count();
  for (const auto& [name, m] : program.globals)
    if (m->kind == MemberKind::Modulator && program.decl_types.count(m))
      mod.modulators.push_back({name, program.decl_types.at(m).dim, program.const_values.at(m)});
  Lowerer l(program, overrides, mod, diags);
  if (circuit) {
    mod.run.circuit = circuit->name;
    l.circuit(*circuit);
  }
  if (diags.error_count() > before) return std::nullopt;
  return mod;
}

}  // namespace neuro::ir
