// Parse tree → AST, one small function per grammar rule. Private to frontend/.
#pragma once

#include "NeuroParser.h"
#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace neuro::frontend {

class Transformer {
 public:
  Transformer(uint32_t file, Diagnostics& diags) : file_(file), diags_(diags) {}

  Program file(NeuroParser::File_Context* ctx);
  Program repl(NeuroParser::ReplInputContext* ctx);

  MemberPtr member(NeuroParser::MemberContext* ctx);
  StmtPtr stmt(NeuroParser::StmtContext* ctx);
  ExprPtr expr(NeuroParser::ExprContext* ctx);

 private:
  ExprPtr primary(NeuroParser::PrimaryContext* ctx);
  std::vector<UnitAtom> unit(NeuroParser::UnitContext* ctx);
  UnitAtom unit_atom(NeuroParser::UnitAtomContext* ctx, bool divide);
  StmtPtr if_stmt(NeuroParser::ExprContext* cond, NeuroParser::StmtBlockContext* then,
                  NeuroParser::StmtBlockContext* els, NeuroParser::IfTailContext* tail,
                  antlr4::ParserRuleContext* whole);
  std::vector<StmtPtr> stmts(NeuroParser::StmtBlockContext* ctx);
  std::vector<StmtPtr> init_block(NeuroParser::InitBlockContext* ctx);
  std::vector<Option> options(const std::vector<NeuroParser::OptionContext*>& opts);

  SourceRange range(antlr4::ParserRuleContext* ctx) const;
  SourceRange range(antlr4::Token* tok) const;
  SourceRange range(antlr4::tree::TerminalNode* node) const { return range(node->getSymbol()); }

  uint32_t file_;
  Diagnostics& diags_;
};

}  // namespace neuro::frontend
