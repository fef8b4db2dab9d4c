#include "numeric/evaluate.h"

#include <math.h>

#include "frontend/ast.h"
#include "numeric/arith.h"
#include "numeric/exp.h"
#include "numeric/theory.h"

namespace neuro::num {

using frontend::Op;

const char* fn_name(Fn f) {
  switch (f) {
    case Fn::Exp:
      return "exp";
    case Fn::Log:
      return "log";
    case Fn::Log10:
      return "log10";
    case Fn::Sqrt:
      return "sqrt";
    case Fn::Abs:
      return "abs";
    case Fn::Sin:
      return "sin";
    case Fn::Cos:
      return "cos";
    case Fn::Tan:
      return "tan";
    case Fn::Tanh:
      return "tanh";
    case Fn::Sinh:
      return "sinh";
    case Fn::Cosh:
      return "cosh";
    case Fn::Floor:
      return "floor";
    case Fn::Ceil:
      return "ceil";
    case Fn::Min:
      return "min";
    case Fn::Max:
      return "max";
    case Fn::Clip:
      return "clip";
    case Fn::FalseMatch:
      return "false_match";
    case Fn::FalseNegative:
      return "false_negative";
    case Fn::UnionSize:
      return "union_size";
  }
  return "?";
}

std::optional<Fn> fn_named(std::string_view name) {
  for (int k = 0; k < kFnCount; ++k)
    if (name == fn_name(static_cast<Fn>(k))) return static_cast<Fn>(k);
  return std::nullopt;
}

double apply_fn(Fn f, const double* a, size_t n) {
  switch (f) {
    case Fn::Exp:
      return num::exp(a[0]);
    case Fn::Log:
      return ::log(a[0]);
    case Fn::Log10:
      return ::log10(a[0]);
    case Fn::Sqrt:
      return __builtin_sqrt(a[0]);
    case Fn::Abs:
      return __builtin_fabs(a[0]);
    case Fn::Sin:
      return ::sin(a[0]);
    case Fn::Cos:
      return ::cos(a[0]);
    case Fn::Tan:
      return ::tan(a[0]);
    case Fn::Tanh:
      return ::tanh(a[0]);
    case Fn::Sinh:
      return ::sinh(a[0]);
    case Fn::Cosh:
      return ::cosh(a[0]);
    case Fn::Floor:
      return __builtin_floor(a[0]);
    case Fn::Ceil:
      return __builtin_ceil(a[0]);
    case Fn::Min:
    case Fn::Max: {
      double acc = a[0];
      for (size_t k = 1; k < n; ++k) acc = f == Fn::Min ? min2(acc, a[k]) : max2(acc, a[k]);
      return acc;
    }
    case Fn::Clip:
      return clip3(a[0], a[1], a[2]);
    case Fn::FalseMatch:
      return false_match(a[0], a[1], a[2], a[3]);
    case Fn::FalseNegative:
      return false_negative(a[0], a[1], a[2], a[3]);
    case Fn::UnionSize:
      return union_size(a[0], a[1], a[2]);
  }
  return 0;
}

double apply_binary(Op op, double a, double b) {
  switch (op) {
    case Op::Add:
      return a + b;
    case Op::Sub:
      return a - b;
    case Op::Mul:
      return a * b;
    case Op::Div:
      return a / b;
    case Op::Mod:
      return modulo(a, b);
    case Op::Pow:
      return power(a, b);
    case Op::Lt:
      return less(a, b);
    case Op::Le:
      return less_eq(a, b);
    case Op::Gt:
      return greater(a, b);
    case Op::Ge:
      return greater_eq(a, b);
    case Op::Eq:
      return equal(a, b);
    case Op::Ne:
      return not_equal(a, b);
    case Op::And:
      return both(a, b);
    case Op::Or:
      return either(a, b);
    default:
      return 0;
  }
}

double apply_unary(Op op, double a) {
  switch (op) {
    case Op::Neg:
      return -a;
    case Op::Not:
      return negation(a);
    default:
      return a;
  }
}

}  // namespace neuro::num
