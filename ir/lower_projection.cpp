// Synapse lowering: `connect … via` a synapse model becomes a Projection
// (pre./post. names bound to the kernels at either end), via a dendrite
// model a Dendrite (its actions flattened under their guards).
#include "ir/lower_internal.h"

#include "ir/fold_constants.h"

namespace neuro::ir::lowering {

using namespace frontend;

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
    } else if (o.name == "fixed_out_degree") {
      pr.rule = Rule::OutDegree;
      pr.k = static_cast<size_t>(constant(*o.value, env));
    } else if (o.name == "fixed_total_number") {
      pr.rule = Rule::TotalNumber;
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

}  // namespace neuro::ir::lowering
