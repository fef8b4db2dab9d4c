#include "ir/ir.h"

#include <fmt/format.h>

#include "ir/circuit_graph.h"

namespace neuro::ir {

using frontend::format_quantity;

const char* solver_name(Solver s) {
  switch (s) {
    case Solver::Exact:
      return "exact";
    case Solver::ExpEuler:
      return "expeuler";
    case Solver::Euler:
      return "euler";
    case Solver::RK4:
      return "rk4";
    case Solver::RK45:
      return "rk45";
  }
  return "?";
}

const char* activation_name(Activation a) {
  static const char* names[] = {"identity", "relu", "elu", "tanh", "sigmoid", "softmax"};
  return names[static_cast<int>(a)];
}

const char* loss_name(Loss l) {
  return l == Loss::CrossEntropy ? "cross_entropy" : "mse";
}

const char* owner_name(Trace::Owner o) {
  switch (o) {
    case Trace::Synapse:
      return "per synapse";
    case Trace::Pre:
      return "per presynaptic neuron";
    case Trace::Post:
      return "per postsynaptic neuron";
  }
  return "?";
}

const char* rule_name(Rule r) {
  switch (r) {
    case Rule::AllToAll:
      return "all_to_all";
    case Rule::OneToOne:
      return "one_to_one";
    case Rule::Probability:
      return "p";
    case Rule::InDegree:
      return "in_degree";
    case Rule::OutDegree:
      return "fixed_out_degree";
    case Rule::TotalNumber:
      return "fixed_total_number";
    case Rule::Pairs:
      return "pairs";
  }
  return "?";
}

ExprPtr Expr::make(Kind k, Dimension d, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = k;
  e->dim = d;
  e->range = r;
  return e;
}

ExprPtr Expr::constant(double v, Dimension d, SourceRange r, bool boolean) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Const;
  e->value = v;
  e->dim = d;
  e->range = r;
  e->boolean = boolean;
  return e;
}

ExprPtr Expr::var(Space s, int slot, std::string name, Dimension d, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Var;
  e->space = s;
  e->slot = slot;
  e->name = std::move(name);
  e->dim = d;
  e->range = r;
  return e;
}

ExprPtr Expr::unary(Op op, ExprPtr a, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Unary;
  e->op = op;
  e->dim = a->dim;
  e->boolean = op == Op::Not;
  e->range = r.valid() ? r : a->range;
  e->args = {std::move(a)};
  return e;
}

ExprPtr Expr::binary(Op op, ExprPtr a, ExprPtr b, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Binary;
  e->op = op;
  switch (op) {
    case Op::Mul:
      e->dim = a->dim * b->dim;
      break;
    case Op::Div:
      e->dim = a->dim / b->dim;
      break;
    case Op::Pow:
      e->dim = b->kind == Kind::Const ? a->dim.pow(static_cast<int>(b->value)) : a->dim;
      break;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::Eq:
    case Op::Ne:
    case Op::And:
    case Op::Or:
      e->boolean = true;
      break;
    default:
      e->dim = a->dim;
      break;
  }
  e->range = r.valid() ? r : frontend::SourceRange::cover(a->range, b->range);
  e->args = {std::move(a), std::move(b)};
  return e;
}

ExprPtr Expr::call(Fn fn, std::vector<ExprPtr> args, Dimension d, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Call;
  e->fn = fn;
  e->dim = d;
  e->range = r;
  e->args = std::move(args);
  return e;
}

ExprPtr Expr::select(ExprPtr c, ExprPtr a, ExprPtr b, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::Select;
  e->dim = a->dim;
  e->boolean = a->boolean;
  e->range = r;
  e->args = {std::move(c), std::move(a), std::move(b)};
  return e;
}

int segvar_slot(const std::string& name) {
  static const char* names[] = {"active",           "matching",         "best",
                                "active_connected", "active_potential", "synapses",
                                "spiked",           "active_segments",  "matching_segments",
                                "segments",         "best_potential"};
  for (int k = 0; k < SegVarCount; ++k)
    if (name == names[k]) return k;
  return -1;
}

namespace {

int precedence(const Expr& e) {
  if (e.kind == Kind::Select) return 1;
  if (e.kind == Kind::Binary) return frontend::op_precedence(e.op, false);
  if (e.kind == Kind::Unary) return frontend::op_precedence(e.op, true);
  if (e.kind == Kind::Const && e.value < 0) return 8;  // printed with a leading minus
  return 11;
}

std::string wrap(const Expr& e, int min_prec) {
  std::string s = print(e);
  return precedence(e) < min_prec ? "(" + s + ")" : s;
}

const char* space_prefix(Space s) {
  switch (s) {
    case Space::Pre:
      return "pre.";
    case Space::Post:
    case Space::PostRefractory:
      return "post.";
    default:
      return "";
  }
}

std::string print_stmts(const std::vector<Stmt>& body, int indent);

std::string print_stmt(const Stmt& s, int indent) {
  std::string pad(indent * 2, ' ');
  if (s.type == Stmt::Assign)
    return fmt::format("{}{}{} {} {}\n", pad, space_prefix(s.space), s.name,
                       frontend::assign_text(s.op), print(*s.value));
  std::string out =
      pad + "if " + print(*s.cond) + " {\n" + print_stmts(s.then_body, indent + 1) + pad + "}";
  if (!s.else_body.empty()) out += " else {\n" + print_stmts(s.else_body, indent + 1) + pad + "}";
  return out + "\n";
}

std::string print_stmts(const std::vector<Stmt>& body, int indent) {
  std::string out;
  for (const auto& s : body) out += print_stmt(s, indent);
  return out;
}

std::string slice_text(const Module& m, const Slice& s) {
  return fmt::format("{}[{}:{}]", m.pops[s.pop].name, s.lo, s.hi);
}

std::string quantity(double v, const Dimension& d) {
  return format_quantity(v, d);
}

}  // namespace

std::string print(const std::vector<Stmt>& body, int indent) {
  return print_stmts(body, indent);
}

namespace {

void for_each_stmt_expr(std::vector<Stmt>& body, const std::function<void(ExprPtr&)>& f) {
  for (auto& s : body) {
    f(s.value);
    f(s.cond);
    for_each_stmt_expr(s.then_body, f);
    for_each_stmt_expr(s.else_body, f);
  }
}

}  // namespace

void for_each_expr(Module& m, const std::function<void(ExprPtr&)>& f) {
  for (auto& k : m.kernels) {
    for (auto& v : k.params) f(v.value);
    for (auto& v : k.states) f(v.value);
    for (auto& l : k.lets) f(l.value);
    for (auto& o : k.odes) f(o.rhs);
    f(k.threshold);
    f(k.refractory);
    for_each_stmt_expr(k.reset, f);
    for (auto& g : k.groups) f(g.arg);
  }
  for (auto& p : m.pops) {
    for (auto& in : p.init) f(in.value);
    f(p.rate);
  }
  for (auto& pr : m.projections) {
    for (auto& v : pr.vars) f(v.value);
    f(pr.delay);
    f(pr.when);
    for_each_stmt_expr(pr.on_pre, f);
    for_each_stmt_expr(pr.on_post, f);
  }
  for (auto& d : m.drives) f(d.value);
  for (auto& d : m.dendrites) {
    f(d.candidate);
    for (auto* acts : {&d.on_segment, &d.on_cell})
      for (auto& a : *acts) {
        f(a.guard);
        f(a.a);
        f(a.b);
      }
  }
  for (auto& mo : m.monitors)
    for (auto& p : mo.probes) f(p.value);
}

bool reads_space(const ExprPtr& e, Space space) {
  if (!e) return false;
  if (e->kind == Kind::Var && e->space == space) return true;
  for (const auto& a : e->args)
    if (reads_space(a, space)) return true;
  return false;
}

std::string print(const Expr& e) {
  int p = precedence(e);
  switch (e.kind) {
    case Kind::Const:
      if (e.boolean) return e.value != 0 ? "true" : "false";
      return quantity(e.value, e.dim);
    case Kind::Var:
      return std::string(space_prefix(e.space)) + e.name;
    case Kind::Time:
      return "t";
    case Kind::Index:
      return e.slot == 0 ? "i" : "j";
    case Kind::Rand:
      return fmt::format("rand#{}()", e.slot);
    case Kind::Randn:
      return fmt::format("randn#{}()", e.slot);
    case Kind::Draw: {
      std::string s = fmt::format("{}#{}(", num::dist_name(e.dist), e.slot);
      for (size_t k = 0; k < e.args.size(); ++k) s += (k ? ", " : "") + print(*e.args[k]);
      return s + ")";
    }
    case Kind::Unary:
      if (e.op == Op::Not) return "not " + wrap(*e.args[0], p);
      return std::string(frontend::op_text(e.op)) + wrap(*e.args[0], p + 1);
    case Kind::Binary: {
      bool right = e.op == Op::Pow;
      return wrap(*e.args[0], right ? p + 1 : p) + " " + frontend::op_text(e.op) + " " +
             wrap(*e.args[1], right ? p : p + 1);
    }
    case Kind::Call: {
      std::string s = std::string(fn_name(e.fn)) + "(";
      for (size_t k = 0; k < e.args.size(); ++k) s += (k ? ", " : "") + print(*e.args[k]);
      return s + ")";
    }
    case Kind::Select:
      return "if " + print(*e.args[0]) + " then " + print(*e.args[1]) + " else " +
             print(*e.args[2]);
    case Kind::Table:
      return fmt::format("table#{}(t)", e.slot);
  }
  return "?";
}

std::string print(const Module& m) {
  std::string out;
  out += fmt::format("run {} for {} dt = {} seed = {}\n", m.run.circuit,
                     quantity(m.run.duration, frontend::dim::time()),
                     quantity(m.run.dt, frontend::dim::time()), m.run.seed);
  for (size_t pi = 0; pi < m.pops.size(); ++pi) {
    const Population& p = m.pops[pi];
    out += "\n";
    switch (p.kind) {
      case frontend::PopKind::Poisson:
        out +=
            fmt::format("population {} = poisson[{}] rate = {}\n", p.name, p.size, print(*p.rate));
        continue;
      case frontend::PopKind::Generator:
        out += fmt::format("population {} = spike_generator[{}] with {} spikes\n", p.name, p.size,
                           p.spikes.size());
        continue;
      case frontend::PopKind::Layer:  // in Module::layers, never here
      case frontend::PopKind::Neuron:
        break;
    }
    const Kernel& k = m.kernels[p.kernel];
    out += fmt::format("population {} = {}[{}]\n", p.name, k.model, p.size);
    for (const auto& v : k.params)
      out += fmt::format("  param {} = {}{}\n", v.name, print(*v.value),
                         v.per_neuron ? "  (per neuron)" : "");
    for (const auto& v : k.states)
      out += fmt::format("  {} {} = {}\n", v.per_step ? "input" : "state", v.name, print(*v.value));
    for (const auto& in : p.init) {
      const auto& vars = in.space == Space::Param ? k.params : k.states;
      out += fmt::format("  init {} = {}\n", vars[in.slot].name, print(*in.value));
    }
    for (const auto& l : k.lets) out += fmt::format("  let {} = {}\n", l.name, print(*l.value));
    for (const auto& o : k.odes)
      out += fmt::format("  d{}/dt = {}{}\n", k.states[o.state].name, print(*o.rhs),
                         o.unless_refractory ? "  unless refractory" : "");
    out += fmt::format("  solver {}: {}\n", solver_name(k.solver), k.solver_reason);
    if (k.solver == Solver::Exact) {
      for (size_t r = 0; r < k.linear.states.size(); ++r) {
        std::string row;
        for (size_t c = 0; c < k.linear.states.size(); ++c)
          row += fmt::format("{}{:.9g}", c ? ", " : "", k.linear.M[r][c]);
        out += fmt::format("    d{}/dt = [{}]·x + {}\n", k.states[k.linear.states[r]].name, row,
                           print(*k.linear.c[r]));
      }
    }
    for (size_t u = 0; u < k.update.size(); ++u)
      out += fmt::format("    {} <- {}\n", k.states[k.odes[u].state].name, print(*k.update[u]));
    if (k.threshold) out += fmt::format("  spike when {}\n", print(*k.threshold));
    if (!k.reset.empty()) out += "  reset {\n" + print_stmts(k.reset, 2) + "  }\n";
    if (k.refractory) out += fmt::format("  refractory {}\n", print(*k.refractory));
    for (const auto& c : k.segments) out += fmt::format("  segments {}\n", c);
    for (size_t g = 0; g < k.groups.size(); ++g) {
      static const char* ops[] = {"max", "argmax", "sum"};
      out += fmt::format("  group#{} = {} of {} over groups of {}\n", g, ops[k.groups[g].op],
                         print(*k.groups[g].arg), k.groups[g].size);
    }
  }
  for (const auto& pr : m.projections) {
    out += fmt::format("\nprojection {} -> {} via {}: {}", slice_text(m, pr.src),
                       slice_text(m, pr.dst), pr.synapse, rule_name(pr.rule));
    if (pr.rule == Rule::Probability) out += fmt::format(" = {}", pr.p);
    if (pr.rule == Rule::InDegree || pr.rule == Rule::OutDegree || pr.rule == Rule::TotalNumber)
      out += fmt::format(" = {}", pr.k);
    if (pr.rule == Rule::Pairs) out += fmt::format(" ({} pairs)", pr.pairs.size());
    if (pr.when) out += " when " + print(*pr.when);
    out += fmt::format(", delay = {}\n", print(*pr.delay));
    for (const auto& v : pr.vars)
      out += fmt::format("  synapse {} = {}\n", v.name, print(*v.value));
    for (const auto& t : pr.traces)
      out += fmt::format("  trace {} = {} decays {}  ({})\n", t.name, quantity(t.initial, t.dim),
                         quantity(t.tau, frontend::dim::time()), owner_name(t.owner));
    if (!pr.pre_neuron.empty())
      out += "  on pre, once per neuron {\n" + print_stmts(pr.pre_neuron, 2) + "  }\n";
    out += "  on pre {\n" + print_stmts(pr.on_pre, 2) + "  }";
    out += pr.native ? "  (native scatter-add)\n" : "\n";
    if (!pr.post_neuron.empty())
      out += "  on post, once per neuron {\n" + print_stmts(pr.post_neuron, 2) + "  }\n";
    if (!pr.on_post.empty()) out += "  on post {\n" + print_stmts(pr.on_post, 2) + "  }\n";
  }
  for (const auto& d : m.dendrites) {
    out += fmt::format(
        "\ndendrite {} -> {}.{} via {}: connected = {}, activation = {}, matching = {}, "
        "max_segments = {}, max_synapses = {}\n",
        m.pops[d.pre].name, m.pops[d.post].name,
        m.kernels[m.pops[d.post].kernel].segments[d.collection], d.model, d.connected, d.activation,
        d.matching, d.max_segments, d.max_synapses);
    if (d.candidate) out += fmt::format("  grow toward {}\n", print(*d.candidate));
    static const char* kinds[] = {"adapt", "grow", "create"};
    for (int side = 0; side < 2; ++side)
      for (const auto& a : side == 0 ? d.on_segment : d.on_cell)
        out += fmt::format("  on {}: if {} {{ {}({}, {}) }}\n", side == 0 ? "segment" : "cell",
                           print(*a.guard), kinds[a.kind], print(*a.a), print(*a.b));
  }
  for (const auto& l : m.layers)
    out += fmt::format("\nlayer {}[{}] activation = {} bias = {}\n", l.name, l.size,
                       activation_name(l.activation), print(*l.bias));
  for (const auto& d : m.dense)
    out += fmt::format("\ndense {} -> {}: {} x {} weights w = {}\n", m.layers[d.src].name,
                       m.layers[d.dst].name, m.layers[d.dst].size, m.layers[d.src].size,
                       print(*d.weight));
  for (const auto& l : m.learners)
    out += fmt::format("\nlearn {} loss = {} rate = {}\n", m.layers[l.layer].name,
                       loss_name(l.loss), print(*l.rate));
  for (const auto& mo : m.monitors) {
    out += "\nrecord ";
    std::string names = mo.spikes ? "spikes" : "";
    for (const auto& p : mo.probes) names += (names.empty() ? "" : ", ") + p.name;
    out += fmt::format("{} of {}", names, slice_text(m, mo.target));
    if (mo.every > 0) out += " every " + quantity(mo.every, frontend::dim::time());
    if (mo.from > 0) out += " from " + quantity(mo.from, frontend::dim::time());
    out += "\n";
  }
  for (const auto& sel : m.selections)
    out += fmt::format("\nselect {} by {} k = {} group = {}{}\n", slice_text(m, sel.target),
                       print(*sel.score), sel.k, sel.group, sel.draw ? " draw" : "");
  for (const auto& mo : m.modulators)
    out += fmt::format("\nmodulator {} = {}\n", mo.name, quantity(mo.initial, mo.dim));
  for (const auto& d : m.drives) {
    if (d.target.pop < 0)
      out += fmt::format("\ndrive {} = {}\n", d.name, print(*d.value));
    else
      out += fmt::format("\ndrive {}.{} {} {}\n", slice_text(m, d.target), d.name,
                         frontend::assign_text(d.op), print(*d.value));
  }
  // The graph, edge by edge, so the structure itself is golden-tested.
  out += "\ngraph\n";
  const CircuitGraph graph = circuit_graph(m);
  auto vname = [&](size_t v) {
    const VertexInfo& vi = graph[v];
    return vi.kind == VertexInfo::Population ? m.pops[vi.index].name
           : vi.kind == VertexInfo::Layer    ? m.layers[vi.index].name
                                             : fmt::format("monitor#{}", vi.index);
  };
  boost::graph_traits<CircuitGraph>::edge_iterator ei, ee;
  for (boost::tie(ei, ee) = boost::edges(graph); ei != ee; ++ei) {
    const EdgeInfo& info = graph[*ei];
    const char* kind = info.kind == EdgeInfo::Projection ? "projection"
                       : info.kind == EdgeInfo::Observes ? "observes"
                       : info.kind == EdgeInfo::Dendrite ? "dendrite"
                       : info.kind == EdgeInfo::Dense    ? "dense"
                                                         : "drives";
    out += fmt::format("  {} -> {}  ({} #{})\n", vname(boost::source(*ei, graph)),
                       vname(boost::target(*ei, graph)), kind, info.index);
  }
  return out;
}

}  // namespace neuro::ir
