// Expression lowering: names resolved in an Env (parameters, states, lets,
// pre./post. variables, constants), inlined user functions, the builtins
// (rand, table, group reductions, SDR encoders) and statements.
#include "ir/lower_internal.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "ir/fold_constants.h"

namespace neuro::ir::lowering {

using namespace frontend;

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

}  // namespace

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
  if (e.text == "uniform" || e.text == "normal" || e.text == "lognormal" ||
      e.text == "poisson" || e.text == "binomial")
    return draw(e, env);
  if (e.text.rfind("group_", 0) == 0) return group_reduce(e, env);
  if (e.text == "scalar_code" || e.text == "category_code") return sdr_code(e, env);
  if (e.text == "table") {
    Table t;
    const size_t errors = diags_.error_count();
    t.step = constant(*e.args[0], env);
    // Its entries are found by t / step: a step that is not positive and
    // finite would index with inf or NaN (a step that is not a constant was
    // reported just now).
    if (diags_.error_count() == errors && (!(t.step > 0) || !std::isfinite(t.step)))
      diags_.error(Code::BadValue, e.args[0]->range,
                   fmt::format("a table's step must be a positive time, not {}",
                               frontend::format_quantity(t.step, frontend::dim::time())),
                   "table(step, [v0, v1, …]) holds v_k from k·step");
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

}  // namespace neuro::ir::lowering
