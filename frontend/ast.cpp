#include "frontend/ast.h"

#include <fmt/format.h>

namespace neuro::frontend {

const char* member_keyword(MemberKind k) {
  switch (k) {
    case MemberKind::Import:
      return "import";
    case MemberKind::Const:
      return "const";
    case MemberKind::Modulator:
      return "modulator";
    case MemberKind::Func:
      return "fn";
    case MemberKind::Model:
      return "model";
    case MemberKind::Compartment:
      return "compartment";
    case MemberKind::Segments:
      return "segments";
    case MemberKind::Grow:
      return "grow toward";
    case MemberKind::Param:
      return "param";
    case MemberKind::State:
      return "state";
    case MemberKind::Let:
      return "let";
    case MemberKind::Trace:
      return "trace";
    case MemberKind::Ode:
      return "differential equation";
    case MemberKind::Spike:
      return "spike";
    case MemberKind::Refractory:
      return "refractory";
    case MemberKind::Solver:
      return "solver";
    case MemberKind::On:
      return "on";
    case MemberKind::Bind:
      return "assignment";
    case MemberKind::Connect:
      return "connect";
    case MemberKind::Record:
      return "record";
    case MemberKind::Drive:
      return "drive";
    case MemberKind::Select:
      return "select";
    case MemberKind::Learn:
      return "learn";
    case MemberKind::Run:
      return "run";
  }
  return "?";
}

const char* model_keyword(ModelKind k) {
  switch (k) {
    case ModelKind::Neuron:
      return "neuron";
    case ModelKind::Synapse:
      return "synapse";
    case ModelKind::Dendrite:
      return "dendrite";
    case ModelKind::Circuit:
      return "circuit";
  }
  return "?";
}

std::string describe(const Type& t) {
  switch (t.kind) {
    case Type::Quantity:
      return describe(t.dim);
    case Type::Bool:
      return "boolean";
    case Type::String:
      return "string";
    case Type::List:
      return "list";
    case Type::Tuple:
      return "tuple";
    case Type::Population:
      return "population";
    case Type::Model:
      return "model";
    case Type::Error:
      return "<error>";
  }
  return "?";
}

namespace {

// `if` binds loosest (1); atoms tightest (11).
int precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Cond:
      return 1;
    case ExprKind::Binary:
      return op_precedence(e.op, false);
    case ExprKind::Unary:
      return op_precedence(e.op, true);
    default:
      return 11;
  }
}

std::string wrap(const Expr& e, int min_prec) {
  std::string s = print(e);
  return precedence(e) < min_prec ? "(" + s + ")" : s;
}

std::string unit_text(const std::vector<UnitAtom>& unit) {
  auto atom = [](const UnitAtom& a) {
    return a.exponent == 1 ? a.symbol : fmt::format("{}^{}", a.symbol, a.exponent);
  };
  if (unit.size() == 1 && !unit[0].divide) return atom(unit[0]);
  std::string s = "[";
  for (size_t i = 0; i < unit.size(); ++i) {
    if (i > 0) s += unit[i].divide ? "/" : "*";
    s += atom(unit[i]);
  }
  return s + "]";
}

std::string join(const std::vector<ExprPtr>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + print(*xs[i]);
  return s;
}

std::string pad(int indent) {
  return std::string(indent * 2, ' ');
}

std::string print_stmts(const std::vector<StmtPtr>& stmts, int indent) {
  std::string s = "{\n";
  for (const auto& st : stmts) s += print(*st, indent + 1);
  return s + pad(indent) + "}";
}

std::string print_options(const std::vector<Option>& opts) {
  std::string s;
  for (const auto& o : opts) {
    s += " " + o.name;
    if (o.value) s += " = " + print(*o.value);
  }
  return s;
}

}  // namespace

std::string print(const Expr& e) {
  int p = precedence(e);
  switch (e.kind) {
    case ExprKind::Number:
      return e.unit.empty() ? e.text : e.text + " " + unit_text(e.unit);
    case ExprKind::Bool:
      return e.number != 0 ? "true" : "false";
    case ExprKind::String:
      return e.text;
    case ExprKind::Name:
      return e.text;
    case ExprKind::Call:
      return e.text + "(" + join(e.args) + ")";
    case ExprKind::Member:
      return wrap(*e.args[0], 11) + "." + e.text;
    case ExprKind::Index:
      return wrap(*e.args[0], 11) + "[" + print(*e.args[1]) + "]";
    case ExprKind::Slice:
      return wrap(*e.args[0], 11) + "[" + (e.args[1] ? print(*e.args[1]) : "") + ":" +
             (e.args[2] ? print(*e.args[2]) : "") + "]";
    case ExprKind::Unary:
      if (e.op == Op::Not) return "not " + wrap(*e.args[0], p);
      return std::string(op_text(e.op)) + wrap(*e.args[0], p);
    case ExprKind::Binary: {
      // Left-associative except ^, which is right-associative.
      bool right = e.op == Op::Pow;
      std::string l = wrap(*e.args[0], right ? p + 1 : p);
      // `(1 ms) ^ 2` must keep its parentheses: `1 ms ^ 2` reads as the unit ms².
      if (right && e.args[0]->kind == ExprKind::Number && !e.args[0]->unit.empty())
        l = "(" + l + ")";
      std::string r = wrap(*e.args[1], right ? p : p + 1);
      return l + " " + op_text(e.op) + " " + r;
    }
    case ExprKind::Cond:
      return "if " + print(*e.args[0]) + " then " + print(*e.args[1]) + " else " +
             print(*e.args[2]);
    case ExprKind::List:
      return "[" + join(e.args) + "]";
    case ExprKind::Tuple:
      return "(" + join(e.args) + ")";
  }
  return "?";
}

std::string print(const Stmt& s, int indent) {
  if (s.kind == Stmt::Assign) {
    std::string target = s.object.empty() ? s.target : s.object + "." + s.target;
    return pad(indent) + target + " " + assign_text(s.op) + " " + print(*s.value) + "\n";
  }
  if (s.kind == Stmt::Call) return pad(indent) + s.target + "(" + join(s.args) + ")\n";
  std::string out = pad(indent) + "if " + print(*s.cond) + " " + print_stmts(s.then_body, indent);
  if (!s.else_body.empty()) out += " else " + print_stmts(s.else_body, indent);
  return out + "\n";
}

std::string print(const Member& m, int indent) {
  std::string s = pad(indent);
  auto v = [&] { return print(*m.value); };
  switch (m.kind) {
    case MemberKind::Import:
      return s + "import " + (m.import_is_path ? "\"" + m.name + "\"" : m.name) + "\n";
    case MemberKind::Const:
      return s + "const " + m.name + " = " + v() + "\n";
    case MemberKind::Modulator:
      return s + "modulator " + m.name + " = " + v() + "\n";
    case MemberKind::Func: {
      s += "fn " + m.name + "(";
      for (size_t i = 0; i < m.params.size(); ++i) s += (i ? ", " : "") + m.params[i];
      return s + ") = " + v() + "\n";
    }
    case MemberKind::Model: {
      s += std::string(model_keyword(m.model_kind)) + " " + m.name + " {\n";
      for (const auto& b : m.body) s += print(*b, indent + 1);
      return s + pad(indent) + "}\n";
    }
    case MemberKind::Compartment: {
      s += "compartment " + m.name + " {\n";
      for (const auto& b : m.body) s += print(*b, indent + 1);
      return s + pad(indent) + "}\n";
    }
    case MemberKind::Segments:
      return s + "segments " + m.name + "\n";
    case MemberKind::Grow:
      return s + "grow toward " + v() + "\n";
    case MemberKind::Param:
      return s + "param " + m.name + " = " + v() + "\n";
    case MemberKind::State:
      return s + (m.per_step ? "input " : "state ") + m.name + " = " + v() + "\n";
    case MemberKind::Let:
      return s + "let " + m.name + " = " + v() + "\n";
    case MemberKind::Trace:
      s += "trace " + m.name;
      if (m.value) s += " = " + v();
      if (m.decay) s += " decays " + print(*m.decay);
      return s + "\n";
    case MemberKind::Ode:
      return s + "d" + m.name + "/dt = " + v() + (m.unless_refractory ? " unless refractory" : "") +
             "\n";
    case MemberKind::Spike:
      s += "spike when " + v();
      if (!m.stmts.empty()) s += " " + print_stmts(m.stmts, indent);
      return s + "\n";
    case MemberKind::Refractory:
      return s + "refractory " + v() + "\n";
    case MemberKind::Solver:
      return s + "solver " + m.name + "\n";
    case MemberKind::On:
      return s + "on " + m.name + " " + print_stmts(m.stmts, indent) + "\n";
    case MemberKind::Bind:
      s += m.name + " = " + v();
      if (m.has_init) s += " " + print_stmts(m.stmts, indent);
      return s + "\n";
    case MemberKind::Connect:
      s += "connect " + print(*m.source) + " -> " + print(*m.target) + " via " + m.via +
           print_options(m.options);
      if (m.when) s += " when " + print(*m.when);
      if (m.has_init) s += " " + print_stmts(m.stmts, indent);
      return s + "\n";
    case MemberKind::Record: {
      s += "record ";
      for (size_t i = 0; i < m.vars.size(); ++i) s += (i ? ", " : "") + m.vars[i];
      s += " of " + v();
      if (m.every) s += " every " + print(*m.every);
      if (m.from) s += " from " + print(*m.from);
      return s + "\n";
    }
    case MemberKind::Drive:
      return s + "drive " + print(*m.drive_target) + " " + assign_text(m.drive_op) + " " + v() +
             "\n";
    case MemberKind::Select:
      return s + "select " + print(*m.drive_target) + " by " + v() + print_options(m.options) +
             "\n";
    case MemberKind::Learn:
      return s + "learn " + v() + print_options(m.options) + "\n";
    case MemberKind::Run:
      return s + "run " + (m.name.empty() ? "" : m.name + " ") + "for " + v() +
             print_options(m.options) + "\n";
  }
  return s;
}

std::string print(const Program& p) {
  std::string s;
  for (const auto& m : p.members) s += print(*m, 0);
  for (const auto& st : p.stmts) s += print(*st, 0);
  return s;
}

}  // namespace neuro::frontend
