// The small words the AST and the IR share: operators, assignment operators
// and population kinds. Kept apart from the AST so that the IR (and every
// backend) can name them without including the syntax tree or the checker.
#pragma once

#include <cstdint>

namespace neuro::frontend {

// The most nodes one expression may have once its `let`s and function
// calls are expanded: printing, code generation and common-subexpression
// keys expand them, so a chain of lets or functions that doubles per link
// is refused (frontend/sema_calls.cpp, ir/limit_expression_size.cpp).
inline constexpr uint64_t kMaxExpressionTerms = 100'000;

enum class Op { Add, Sub, Mul, Div, Mod, Pow, Neg, Pos, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Not };
const char* op_text(Op op);
// How tightly an operator binds when printed (higher binds tighter); one
// table for the AST and IR printers, mirroring the grammar's order.
int op_precedence(Op op, bool unary);

enum class AssignOp { Set, Add, Sub, Mul, Div };
const char* assign_text(AssignOp op);

// Layer: a population of rate units (`H = layer[80] { activation = elu }`),
// computed by the rate-layer engine (interpreter/rate_layers.cpp), never spiking.
enum class PopKind { Neuron, Poisson, Generator, Layer };

}  // namespace neuro::frontend
