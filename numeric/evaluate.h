// What an operator or a built-in function computes on scalars: the one
// evaluation that constant folding (frontend/, ir/fold_constants.cpp), the
// interpreter (for the rare built-ins it does not run over whole arrays) and
// the JIT (through the nj_pop/nj_proj `apply_fn` callback) all use. Its
// pieces are numeric/exp.h and numeric/arith.h, which the backends also
// run lane by lane, so a folded `const` and a value computed at run time
// have the same bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace neuro::frontend {
enum class Op;  // frontend/ast.h
}

namespace neuro::num {

enum class Fn : uint8_t {
  Exp,
  Log,
  Log10,
  Sqrt,
  Abs,
  Sin,
  Cos,
  Tan,
  Tanh,
  Sinh,
  Cosh,
  Floor,
  Ceil,
  Min,
  Max,
  Clip,
  FalseMatch,     // false_match(n, a, s, theta)
  FalseNegative,  // false_negative(a, s, theta, v)
  UnionSize       // union_size(n, a, M)
};
inline constexpr int kFnCount = static_cast<int>(Fn::UnionSize) + 1;

const char* fn_name(Fn f);                          // as written in model code
std::optional<Fn> fn_named(std::string_view name);  // none: not a numeric built-in

// f over its n arguments (min and max take any number ≥ 1, from the left).
double apply_fn(Fn f, const double* args, size_t n);
double apply_binary(frontend::Op op, double a, double b);
double apply_unary(frontend::Op op, double a);

}  // namespace neuro::num
