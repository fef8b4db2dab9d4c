#include "frontend/transform.h"

#include <cmath>
#include <cstdlib>

namespace neuro::frontend {

using P = NeuroParser;

namespace {

uint32_t code_points(const std::string& s) {
  uint32_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool has_child_text(antlr4::ParserRuleContext* ctx, const char* text) {
  for (auto* c : ctx->children)
    if (dynamic_cast<antlr4::tree::TerminalNode*>(c) && c->getText() == text) return true;
  return false;
}

ExprPtr node(ExprKind kind, SourceRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->range = r;
  return e;
}

Op binary_op(const std::string& t) {
  if (t == "+") return Op::Add;
  if (t == "-") return Op::Sub;
  if (t == "*") return Op::Mul;
  if (t == "/") return Op::Div;
  if (t == "%") return Op::Mod;
  if (t == "^") return Op::Pow;
  if (t == "<") return Op::Lt;
  if (t == "<=") return Op::Le;
  if (t == ">") return Op::Gt;
  if (t == ">=") return Op::Ge;
  if (t == "==") return Op::Eq;
  if (t == "!=") return Op::Ne;
  if (t == "and") return Op::And;
  return Op::Or;
}

}  // namespace

SourceRange Transformer::range(antlr4::Token* tok) const {
  SourceRange r;
  r.file = file_;
  r.line = static_cast<uint32_t>(tok->getLine());
  r.col = static_cast<uint32_t>(tok->getCharPositionInLine());
  r.end_line = r.line;
  r.end_col = r.col + (tok->getType() == antlr4::Token::EOF ? 1 : code_points(tok->getText()));
  return r;
}

SourceRange Transformer::range(antlr4::ParserRuleContext* ctx) const {
  SourceRange r = range(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  if (stop && stop->getTokenIndex() >= ctx->getStart()->getTokenIndex()) {
    SourceRange e = range(stop);
    r.end_line = e.end_line;
    r.end_col = e.end_col;
  }
  return r;
}

Program Transformer::file(P::File_Context* ctx) {
  Program p;
  p.file = file_;
  for (auto* m : ctx->member())
    if (auto mm = member(m)) p.members.push_back(mm);
  return p;
}

Program Transformer::repl(P::ReplInputContext* ctx) {
  Program p;
  p.file = file_;
  for (auto* c : ctx->children) {
    if (auto* m = dynamic_cast<P::MemberContext*>(c)) {
      if (auto mm = member(m)) p.members.push_back(mm);
    } else if (auto* s = dynamic_cast<P::StmtContext*>(c)) {
      if (auto ss = stmt(s)) p.stmts.push_back(ss);
    }
  }
  return p;
}

std::vector<Option> Transformer::options(const std::vector<P::OptionContext*>& opts) {
  std::vector<Option> out;
  for (auto* o : opts)
    out.push_back({o->ID()->getText(), range(o), o->expr() ? expr(o->expr()) : nullptr});
  return out;
}

std::vector<StmtPtr> Transformer::stmts(P::StmtBlockContext* ctx) {
  std::vector<StmtPtr> out;
  if (!ctx) return out;
  for (auto* s : ctx->stmt())
    if (auto st = stmt(s)) out.push_back(st);
  return out;
}

std::vector<StmtPtr> Transformer::init_block(P::InitBlockContext* ctx) {
  std::vector<StmtPtr> out;
  if (!ctx) return out;
  for (auto* s : ctx->stmt())
    if (auto st = stmt(s)) out.push_back(st);
  return out;
}

MemberPtr Transformer::member(P::MemberContext* ctx) {
  auto m = std::make_shared<Member>();
  m->range = range(ctx);
  m->name_range = range(ctx->getStart());
  auto set_name = [&](antlr4::tree::TerminalNode* id) {
    m->name = id->getText();
    m->name_range = range(id);
  };
  if (auto* c = dynamic_cast<P::ImportMemberContext*>(ctx)) {
    m->kind = MemberKind::Import;
    if (c->STRING()) {
      std::string s = c->STRING()->getText();
      m->name = s.substr(1, s.size() - 2);
      m->import_is_path = true;
      m->name_range = range(c->STRING());
    } else {
      m->name = c->dottedName()->getText();
      m->name_range = range(c->dottedName());
    }
  } else if (auto* c = dynamic_cast<P::ConstMemberContext*>(ctx)) {
    m->kind = MemberKind::Const;
    set_name(c->ID());
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::ModulatorMemberContext*>(ctx)) {
    m->kind = MemberKind::Modulator;
    set_name(c->ID());
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::FuncMemberContext*>(ctx)) {
    m->kind = MemberKind::Func;
    auto ids = c->ID();
    set_name(ids[0]);
    for (size_t i = 1; i < ids.size(); ++i) {
      m->params.push_back(ids[i]->getText());
      m->param_ranges.push_back(range(ids[i]));
    }
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::ModelMemberContext*>(ctx)) {
    m->kind = MemberKind::Model;
    std::string k = c->kind->getText();
    m->model_kind = k == "neuron"    ? ModelKind::Neuron
                    : k == "synapse" ? ModelKind::Synapse
                                     : ModelKind::Circuit;
    set_name(c->ID());
    for (auto* b : c->block()->member())
      if (auto bm = member(b)) m->body.push_back(bm);
  } else if (auto* c = dynamic_cast<P::CompartmentMemberContext*>(ctx)) {
    m->kind = MemberKind::Compartment;
    set_name(c->ID());
    for (auto* b : c->block()->member())
      if (auto bm = member(b)) m->body.push_back(bm);
  } else if (auto* c = dynamic_cast<P::DendriteMemberContext*>(ctx)) {
    m->kind = MemberKind::Model;
    m->model_kind = ModelKind::Dendrite;
    set_name(c->ID(1));
    for (auto* b : c->block()->member())
      if (auto bm = member(b)) m->body.push_back(bm);
  } else if (auto* c = dynamic_cast<P::SegmentsMemberContext*>(ctx)) {
    m->kind = MemberKind::Segments;
    set_name(c->ID(1));
  } else if (auto* c = dynamic_cast<P::GrowMemberContext*>(ctx)) {
    m->kind = MemberKind::Grow;
    m->name = "grow";
    m->name_range = range(c->getStart());
    if (c->ID(1)->getText() != "toward") {
      diags_.error(Code::Syntax, range(c->ID(1)->getSymbol()),
                   "a dendrite's growth is written `grow toward <condition on pre>`",
                   "for example `grow toward pre.winner`");
      return nullptr;
    }
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::ParamMemberContext*>(ctx)) {
    m->kind = MemberKind::Param;
    set_name(c->ID());
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::StateMemberContext*>(ctx)) {
    m->kind = MemberKind::State;
    set_name(c->ID());
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::InputMemberContext*>(ctx)) {
    m->kind = MemberKind::State;
    m->per_step = true;
    set_name(c->ID(1));
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::LetMemberContext*>(ctx)) {
    m->kind = MemberKind::Let;
    set_name(c->ID());
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::TraceMemberContext*>(ctx)) {
    m->kind = MemberKind::Trace;
    set_name(c->ID());
    if (c->init) m->value = expr(c->init);
    if (c->tau) m->decay = expr(c->tau);
  } else if (auto* c = dynamic_cast<P::OdeMemberContext*>(ctx)) {
    m->kind = MemberKind::Ode;
    std::string lhs = c->ID(0)->getText(), den = c->ID(1)->getText();
    m->name_range = SourceRange::cover(range(c->ID(0)), range(c->ID(1)));
    if (lhs.size() < 2 || lhs[0] != 'd' || den != "dt") {
      diags_.error(
          Code::Syntax, m->name_range,
          "a differential equation is written `dX/dt = ...`, not `" + lhs + "/" + den + " = ...`",
          "for a state `v`, write `dv/dt = ...`");
      return nullptr;
    }
    m->name = lhs.substr(1);
    m->value = expr(c->expr());
    m->unless_refractory = has_child_text(c, "unless");
  } else if (auto* c = dynamic_cast<P::SpikeMemberContext*>(ctx)) {
    m->kind = MemberKind::Spike;
    m->value = expr(c->expr());
    m->stmts = stmts(c->stmtBlock());
  } else if (auto* c = dynamic_cast<P::RefractoryMemberContext*>(ctx)) {
    m->kind = MemberKind::Refractory;
    m->value = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::SolverMemberContext*>(ctx)) {
    m->kind = MemberKind::Solver;
    set_name(c->ID());
  } else if (auto* c = dynamic_cast<P::OnMemberContext*>(ctx)) {
    m->kind = MemberKind::On;
    set_name(c->ID());
    m->stmts = stmts(c->stmtBlock());
  } else if (auto* c = dynamic_cast<P::BindMemberContext*>(ctx)) {
    m->kind = MemberKind::Bind;
    set_name(c->ID());
    m->value = expr(c->expr());
    m->has_init = c->initBlock() != nullptr;
    m->stmts = init_block(c->initBlock());
  } else if (auto* c = dynamic_cast<P::ConnectMemberContext*>(ctx)) {
    m->kind = MemberKind::Connect;
    auto es = c->expr();
    m->source = expr(es[0]);
    m->target = expr(es[1]);
    if (es.size() > 2) m->when = expr(es[2]);
    m->via = c->ID()->getText();
    m->via_range = range(c->ID());
    m->options = options(c->option());
    m->has_init = c->initBlock() != nullptr;
    m->stmts = init_block(c->initBlock());
  } else if (auto* c = dynamic_cast<P::RecordMemberContext*>(ctx)) {
    m->kind = MemberKind::Record;
    for (auto* d : c->dottedName()) {
      m->vars.push_back(d->getText());
      m->var_ranges.push_back(range(d));
    }
    m->value = expr(c->expr());
    for (auto* o : c->recordOption()) {
      const bool every = dynamic_cast<P::EveryOptionContext*>(o) != nullptr;
      auto* value = every ? static_cast<P::EveryOptionContext*>(o)->expr()
                          : static_cast<P::FromOptionContext*>(o)->expr();
      ExprPtr& slot = every ? m->every : m->from;
      if (slot)
        diags_.error(Code::BadOption, range(o->getStart()),
                     every ? "`every` is given twice" : "`from` is given twice");
      slot = expr(value);
    }
  } else if (auto* c = dynamic_cast<P::DriveMemberContext*>(ctx)) {
    m->kind = MemberKind::Drive;
    m->drive_target = expr(c->expr(0));
    m->value = expr(c->expr(1));
    const std::string op = c->op->getText();
    m->drive_op = op == "+=" ? AssignOp::Add : op == "-=" ? AssignOp::Sub : AssignOp::Set;
  } else if (auto* c = dynamic_cast<P::SelectMemberContext*>(ctx)) {
    m->kind = MemberKind::Select;
    m->drive_target = expr(c->expr(0));
    m->value = expr(c->expr(1));
    m->options = options(c->option());
  } else if (auto* c = dynamic_cast<P::LearnMemberContext*>(ctx)) {
    m->kind = MemberKind::Learn;
    m->name = "learn";
    m->name_range = range(c->getStart());
    m->value = expr(c->expr());
    m->options = options(c->option());
  } else if (auto* c = dynamic_cast<P::RunMemberContext*>(ctx)) {
    m->kind = MemberKind::Run;
    if (c->ID()) set_name(c->ID());
    m->value = expr(c->expr());
    m->options = options(c->option());
  } else {
    return nullptr;  // `;`
  }
  return m;
}

StmtPtr Transformer::if_stmt(P::ExprContext* cond, P::StmtBlockContext* then,
                             P::StmtBlockContext* els, P::IfTailContext* tail,
                             antlr4::ParserRuleContext* whole) {
  auto s = std::make_shared<Stmt>();
  s->kind = Stmt::If;
  s->range = range(whole);
  s->cond = expr(cond);
  s->then_body = stmts(then);
  if (els) s->else_body = stmts(els);
  if (tail) {
    auto blocks = tail->stmtBlock();
    s->else_body.push_back(if_stmt(tail->expr(), blocks[0], blocks.size() > 1 ? blocks[1] : nullptr,
                                   tail->ifTail(), tail));
  }
  return s;
}

StmtPtr Transformer::stmt(P::StmtContext* ctx) {
  if (auto* c = dynamic_cast<P::AssignStmtContext*>(ctx)) {
    auto s = std::make_shared<Stmt>();
    s->kind = Stmt::Assign;
    s->range = range(c);
    auto ids = c->lvalue()->ID();
    if (ids.size() >= 2) {
      s->object = ids[0]->getText();
      for (size_t k = 1; k < ids.size(); ++k) s->target += (k > 1 ? "." : "") + ids[k]->getText();
    } else {
      s->target = ids[0]->getText();
    }
    s->target_range = range(c->lvalue());
    std::string op = c->op->getText();
    s->op = op == "="    ? AssignOp::Set
            : op == "+=" ? AssignOp::Add
            : op == "-=" ? AssignOp::Sub
            : op == "*=" ? AssignOp::Mul
                         : AssignOp::Div;
    s->value = expr(c->expr());
    return s;
  }
  if (auto* c = dynamic_cast<P::IfStmtContext*>(ctx)) {
    auto blocks = c->stmtBlock();
    return if_stmt(c->expr(), blocks[0], blocks.size() > 1 ? blocks[1] : nullptr, c->ifTail(), c);
  }
  if (auto* c = dynamic_cast<P::CallStmtContext*>(ctx)) {
    auto s = std::make_shared<Stmt>();
    s->kind = Stmt::Call;
    s->range = range(c);
    s->target = c->ID()->getText();
    s->target_range = range(c->ID()->getSymbol());
    for (auto* a : c->expr()) s->args.push_back(expr(a));
    return s;
  }
  return nullptr;
}

ExprPtr Transformer::expr(P::ExprContext* ctx) {
  SourceRange r = range(ctx);
  if (auto* c = dynamic_cast<P::PrimaryExprContext*>(ctx)) return primary(c->primary());
  if (auto* c = dynamic_cast<P::MemberExprContext*>(ctx)) {
    auto e = node(ExprKind::Member, r);
    e->text = c->ID()->getText();
    e->args = {expr(c->expr())};
    return e;
  }
  if (auto* c = dynamic_cast<P::SliceExprContext*>(ctx)) {
    auto e = node(ExprKind::Slice, r);
    e->args = {expr(c->expr(0)), c->lo ? expr(c->lo) : nullptr, c->hi ? expr(c->hi) : nullptr};
    return e;
  }
  if (auto* c = dynamic_cast<P::IndexExprContext*>(ctx)) {
    auto e = node(ExprKind::Index, r);
    e->args = {expr(c->expr(0)), expr(c->expr(1))};
    return e;
  }
  auto binary = [&](antlr4::ParserRuleContext* c, const std::string& op, P::ExprContext* a,
                    P::ExprContext* b) {
    auto e = node(ExprKind::Binary, range(c));
    e->op = binary_op(op);
    e->args = {expr(a), expr(b)};
    return e;
  };
  if (auto* c = dynamic_cast<P::PowExprContext*>(ctx))
    return binary(c, "^", c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::MulExprContext*>(ctx))
    return binary(c, c->op->getText(), c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::AddExprContext*>(ctx))
    return binary(c, c->op->getText(), c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::CmpExprContext*>(ctx))
    return binary(c, c->op->getText(), c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::AndExprContext*>(ctx))
    return binary(c, "and", c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::OrExprContext*>(ctx))
    return binary(c, "or", c->expr(0), c->expr(1));
  if (auto* c = dynamic_cast<P::UnaryExprContext*>(ctx)) {
    auto e = node(ExprKind::Unary, r);
    e->op = c->op->getText() == "-" ? Op::Neg : Op::Pos;
    e->args = {expr(c->expr())};
    return e;
  }
  if (auto* c = dynamic_cast<P::NotExprContext*>(ctx)) {
    auto e = node(ExprKind::Unary, r);
    e->op = Op::Not;
    e->args = {expr(c->expr())};
    return e;
  }
  if (auto* c = dynamic_cast<P::CondExprContext*>(ctx)) {
    auto e = node(ExprKind::Cond, r);
    e->args = {expr(c->expr(0)), expr(c->expr(1)), expr(c->expr(2))};
    return e;
  }
  NEURO_INTERNAL_ASSERT(false, "unhandled expression alternative");
}

ExprPtr Transformer::primary(P::PrimaryContext* ctx) {
  SourceRange r = range(ctx);
  if (auto* c = dynamic_cast<P::NumberPrimaryContext*>(ctx)) {
    auto e = node(ExprKind::Number, r);
    e->text = c->NUMBER()->getText();
    e->number = std::strtod(e->text.c_str(), nullptr);
    if (!std::isfinite(e->number)) {  // 1e309: beyond a double, not infinity
      diags_.error(Code::BadValue, r,
                   "`" + e->text + "` is larger than the largest number (about 1.8e308)",
                   "write a smaller number, or use a larger unit");
      e->number = 0;
    }
    if (c->unit()) {
      e->unit = unit(c->unit());
      e->unit_range = range(c->unit());
    }
    return e;
  }
  if (auto* c = dynamic_cast<P::CallPrimaryContext*>(ctx)) {
    auto e = node(ExprKind::Call, r);
    e->text = c->ID()->getText();
    for (auto* a : c->expr()) e->args.push_back(expr(a));
    return e;
  }
  if (auto* c = dynamic_cast<P::NamePrimaryContext*>(ctx)) {
    auto e = node(ExprKind::Name, r);
    e->text = c->ID()->getText();
    return e;
  }
  if (auto* c = dynamic_cast<P::ParenPrimaryContext*>(ctx)) {
    auto inner = expr(c->expr());
    return inner;
  }
  if (auto* c = dynamic_cast<P::TuplePrimaryContext*>(ctx)) {
    auto e = node(ExprKind::Tuple, r);
    for (auto* a : c->expr()) e->args.push_back(expr(a));
    return e;
  }
  if (auto* c = dynamic_cast<P::ListPrimaryContext*>(ctx)) {
    auto e = node(ExprKind::List, r);
    for (auto* a : c->expr()) e->args.push_back(expr(a));
    return e;
  }
  if (auto* c = dynamic_cast<P::BoolPrimaryContext*>(ctx)) {
    auto e = node(ExprKind::Bool, r);
    e->number = c->getText() == "true" ? 1 : 0;
    return e;
  }
  if (auto* c = dynamic_cast<P::StringPrimaryContext*>(ctx)) {
    auto e = node(ExprKind::String, r);
    e->text = c->STRING()->getText();
    return e;
  }
  NEURO_INTERNAL_ASSERT(false, "unhandled primary alternative");
}

UnitAtom Transformer::unit_atom(P::UnitAtomContext* ctx, bool divide) {
  UnitAtom a;
  a.symbol = ctx->ID()->getText();
  a.range = range(ctx);
  a.divide = divide;
  if (ctx->NUMBER()) {
    std::string t = ctx->NUMBER()->getText();
    bool negative = has_child_text(ctx, "-");
    double v = std::strtod(t.c_str(), nullptr);
    if (t.find_first_of(".eE") != std::string::npos || v > 16) {
      diags_.error(Code::BadExponent, range(ctx->NUMBER()),
                   "a unit exponent is a whole number from -16 to 16, not `" +
                       std::string(negative ? "-" : "") + t + "`");
      v = 1;
    }
    a.exponent = static_cast<int>(v) * (negative ? -1 : 1);
  }
  return a;
}

std::vector<UnitAtom> Transformer::unit(P::UnitContext* ctx) {
  std::vector<UnitAtom> out;
  if (auto* c = dynamic_cast<P::SimpleUnitContext*>(ctx)) {
    out.push_back(unit_atom(c->unitAtom(), false));
    return out;
  }
  auto* c = dynamic_cast<P::CompoundUnitContext*>(ctx);
  bool divide = false;
  for (auto* ch : c->children) {
    if (auto* a = dynamic_cast<P::UnitAtomContext*>(ch)) {
      out.push_back(unit_atom(a, divide));
    } else {
      std::string t = ch->getText();
      if (t == "/") divide = true;
      if (t == "*") divide = false;
    }
  }
  return out;
}

}  // namespace neuro::frontend
