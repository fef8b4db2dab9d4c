#include "frontend/vocabulary.h"

namespace neuro::frontend {

const char* op_text(Op op) {
  switch (op) {
    case Op::Add:
      return "+";
    case Op::Sub:
      return "-";
    case Op::Mul:
      return "*";
    case Op::Div:
      return "/";
    case Op::Mod:
      return "%";
    case Op::Pow:
      return "^";
    case Op::Neg:
      return "-";
    case Op::Pos:
      return "+";
    case Op::Lt:
      return "<";
    case Op::Le:
      return "<=";
    case Op::Gt:
      return ">";
    case Op::Ge:
      return ">=";
    case Op::Eq:
      return "==";
    case Op::Ne:
      return "!=";
    case Op::And:
      return "and";
    case Op::Or:
      return "or";
    case Op::Not:
      return "not";
  }
  return "?";
}

int op_precedence(Op op, bool unary) {
  if (unary) return op == Op::Not ? 4 : 8;
  switch (op) {
    case Op::Or:
      return 2;
    case Op::And:
      return 3;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::Eq:
    case Op::Ne:
      return 5;
    case Op::Add:
    case Op::Sub:
      return 6;
    case Op::Mul:
    case Op::Div:
    case Op::Mod:
      return 7;
    case Op::Pow:
      return 9;
    default:
      return 10;
  }
}

const char* assign_text(AssignOp op) {
  switch (op) {
    case AssignOp::Set:
      return "=";
    case AssignOp::Add:
      return "+=";
    case AssignOp::Sub:
      return "-=";
    case AssignOp::Mul:
      return "*=";
    case AssignOp::Div:
      return "/=";
  }
  return "=";
}

}  // namespace neuro::frontend
