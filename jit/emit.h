// Pieces of generated C++ shared by the code generators: literals that keep
// every bit, expressions written with the interpreter's operations, the
// prelude (random numbers, tables, libm declarations) and an indenting writer.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>

#include "ir/ir.h"

namespace neuro::jit {

// Code pasted into every generated file after the ABI declarations.
const char* prelude();

// A double as a C++ literal that reads back as the same bits.
std::string lit(double v);
// A name made safe as a C++ identifier.
std::string ident(const std::string& name);

// How the expressions of one context read their variables and draw.
struct Ctx {
  std::function<std::string(ir::Space, int)> read;  // empty string: not available here
  std::string entity = "i";                         // random-number entity
  std::string index_i = "i", index_j = "0";         // `i` and `j`
  std::string self = "c";                           // the nj_pop / nj_proj pointer
  bool ok = true;  // false: the expression used something this context lacks
};

// The C++ expression for `e`, with the interpreter's operations: the same
// libm calls, std::min/max's comparisons, 0/1 doubles for conditions.
std::string expr(const ir::ExprPtr& e, Ctx& cx);

struct Writer {
  std::string out;
  int depth = 0;
  template <class... A>
  void line(fmt::format_string<A...> f, A&&... a) {
    out.append(2 * depth, ' ');
    out += fmt::format(f, std::forward<A>(a)...);
    out += '\n';
  }
};

using Where = std::function<std::string(const frontend::SourceRange&)>;

// Statements over one lane (one neuron, or one synapse), in order, with the
// interpreter's masking of `if`: a masked `+=` adds 0.0, a masked `=` keeps
// the old value. `masks` numbers the mask variables (c/mt/me) of one
// function. `writable` may refuse a target (then false, as for a target or
// expression `cx` cannot read); `where` gives a statement's source line.
bool lane_statements(Writer& w, const std::vector<ir::Stmt>& body, const std::string& mask, Ctx& cx,
                     int& masks, const std::function<bool(const ir::Stmt&)>& writable,
                     const Where& where);

}  // namespace neuro::jit

namespace neuro::jit {
struct ProjCode;
// Appends the functions of projection `index` (codegen_projection.cpp).
void generate_projection(const ir::Module& m, size_t index, Writer& w, ProjCode& pc,
                         const Where& where);
}  // namespace neuro::jit
