#include "jit/emit.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <string>

#include "numeric/arith.h"
#include "numeric/decay.h"
#include "numeric/distributions.h"
#include "numeric/exp.h"
#include "numeric/reduce.h"
#include "numeric/rng.h"

namespace neuro::jit {

using ir::Kind;
using ir::Op;
using ir::Space;

namespace {

// libm's functions are declared here rather than through <cmath>, and the
// compiler is run with -fno-builtin so it calls them as the interpreter
// does (no folding or rewriting of pow(x, 2)). Everything the interpreter
// computes with a rule of its own comes from numeric/ as text: nj_exp
// (numeric/exp.h), the random draws (numeric/rng.h) and the operators,
// min/max/clip and table look-up (numeric/arith.h). What stays here is
// the glue to the ABI: the table and the rare built-ins through the
// engine's own implementation (numeric/evaluate.cpp, via apply_fn).
constexpr const char* kLibm = R"(
extern "C" {
double log(double) __attribute__((const, nothrow, leaf));
double log10(double) __attribute__((const, nothrow, leaf));
double sin(double) __attribute__((const, nothrow, leaf));
double cos(double) __attribute__((const, nothrow, leaf));
double tan(double) __attribute__((const, nothrow, leaf));
double tanh(double) __attribute__((const, nothrow, leaf));
double sinh(double) __attribute__((const, nothrow, leaf));
double cosh(double) __attribute__((const, nothrow, leaf));
double pow(double, double) __attribute__((const, nothrow, leaf));
double fmod(double, double) __attribute__((const, nothrow, leaf));
double log1p(double) __attribute__((const, nothrow, leaf));
double erfc(double) __attribute__((const, nothrow, leaf));
}
typedef unsigned long u64;
)";

constexpr const char* kGlue = R"(
static inline double nj_bits(unsigned long long b) {  /* a NaN constant, sign and payload kept */
  double d;
  __builtin_memcpy(&d, &b, 8);
  __asm__("" : "+x"(d));  /* opaque: GCC would fold NaN arithmetic to +nan, the CPU keeps -nan */
  return d;
}
static inline double nj_table_at(const struct nj_table* tb, double t) {
  return tb->values[nj_table_index(t, tb->step, tb->size)];
}
static inline double nj_call(const struct nj_pop* c, int fn, double a, double b, double d,
                             double e, u64 n) {
  double args[4] = {a, b, d, e};
  return c->apply_fn(fn, args, n);
}
static inline double nj_call(const struct nj_proj* c, int fn, double a, double b, double d,
                             double e, u64 n) {
  double args[4] = {a, b, d, e};
  return c->apply_fn(fn, args, n);
}
)";

}  // namespace

const char* prelude() {
  static const std::string text = std::string(kLibm) + num::rng_source_nj() + "\n" +
                                  num::arith_source_nj() + "\n" + num::exp_source_nj() + "\n" +
                                  num::dist_source_nj() + "\n" + num::reduce_source_nj() + "\n" +
                                  num::decay_source_nj() + "\n" + kGlue;
  return text.c_str();
}

// A double as a C++ literal that reads back as the same bits.
std::string lit(double v) {
  if (std::isnan(v)) {
    // Its sign and payload too: NaNs the folder computed carry the sign bit
    // x86 gives them (a `+nan` literal would change the bits arithmetic
    // then passes on).
    uint64_t b;
    std::memcpy(&b, &v, 8);
    return fmt::format("nj_bits(0x{:016x}ull)", b);
  }
  if (std::isinf(v)) return v > 0 ? "__builtin_inf()" : "(-__builtin_inf())";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  if (v < 0 || (v == 0 && std::signbit(v))) return "(" + (v == 0 ? std::string("-0.0") : s) + ")";
  return s;
}

std::string ident(const std::string& name) {
  std::string out;
  for (char ch : name) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

namespace {

std::string call(const ir::Expr& e, Ctx& cx) {
  std::vector<std::string> a;
  for (const auto& x : e.args) a.push_back(expr(x, cx));
  using ir::Fn;
  auto one = [&](const char* f) { return fmt::format("{}({})", f, a[0]); };
  switch (e.fn) {
    case Fn::Exp:
      return one("nj_exp");
    case Fn::Log:
      return one("log");
    case Fn::Log10:
      return one("log10");
    case Fn::Sqrt:
      return one("__builtin_sqrt");
    case Fn::Abs:
      return one("__builtin_fabs");
    case Fn::Sin:
      return one("sin");
    case Fn::Cos:
      return one("cos");
    case Fn::Tan:
      return one("tan");
    case Fn::Tanh:
      return one("tanh");
    case Fn::Sinh:
      return one("sinh");
    case Fn::Cosh:
      return one("cosh");
    case Fn::Floor:
      return one("__builtin_floor");
    case Fn::Ceil:
      return one("__builtin_ceil");
    case Fn::Min:
    case Fn::Max: {
      // A chain of two-argument calls, as the interpreter runs min/max.
      const char* f = e.fn == Fn::Min ? "nj_min2" : "nj_max2";
      std::string acc = a[0];
      for (size_t k = 1; k < a.size(); ++k) acc = fmt::format("{}({}, {})", f, acc, a[k]);
      return acc;
    }
    case Fn::Clip:
      return fmt::format("nj_clip3({}, {}, {})", a[0], a[1], a[2]);
    default: {
      // The theory functions, through the interpreter's own implementation.
      while (a.size() < 4) a.push_back("0.0");
      return fmt::format("nj_call({}, {}, {}, {}, {}, {}, {})", cx.self, static_cast<int>(e.fn),
                         a[0], a[1], a[2], a[3], e.args.size());
    }
  }
}

}  // namespace

std::string expr(const ir::ExprPtr& p, Ctx& cx) {
  const ir::Expr& e = *p;
  switch (e.kind) {
    case Kind::Const:
      return lit(e.value);
    case Kind::Var: {
      if (e.space == Space::Modulator) return fmt::format("mod[{}]", e.slot);
      std::string r = cx.read ? cx.read(e.space, e.slot) : "";
      if (r.empty()) {
        cx.ok = false;
        return "0.0";
      }
      return r;
    }
    case Kind::Time:
      return "t";
    case Kind::Index:
      return fmt::format("(double)({})", e.slot == 0 ? cx.index_i : cx.index_j);
    case Kind::Rand:
      return fmt::format("nj_draw_uniform(keys[{}], {}, ctr)", e.slot, cx.entity);
    case Kind::Randn:
      return fmt::format("nj_draw_normal(keys[{}], {}, ctr)", e.slot, cx.entity);
    case Kind::Draw: {
      std::string s =
          fmt::format("nj_draw_{}(keys[{}], {}, ctr", num::dist_name(e.dist), e.slot, cx.entity);
      for (const auto& a : e.args) s += ", " + expr(a, cx);
      return s + ")";
    }
    case Kind::Unary: {
      std::string a = expr(e.args[0], cx);
      if (e.op == Op::Neg) return "(-" + a + ")";
      if (e.op == Op::Not) return "(double)(" + a + " == 0)";
      return a;
    }
    case Kind::Binary: {
      // Comparisons, logic and `c ? a : b` (below) are C's own operators,
      // whose values are numeric/arith.h's (IEEE comparisons, conditions as
      // 0/1 doubles): model expressions are pure, so C's short-circuit
      // evaluation changes no value, and it lets GCC if-convert and
      // vectorise the neuron loops (the temporal memory took 0.196 ms per
      // step through the nj_ functions, 0.155 ms this way).
      std::string a = expr(e.args[0], cx), b = expr(e.args[1], cx);
      switch (e.op) {
        case Op::Add:
          return fmt::format("({} + {})", a, b);
        case Op::Sub:
          return fmt::format("({} - {})", a, b);
        case Op::Mul:
          return fmt::format("({} * {})", a, b);
        case Op::Div:
          return fmt::format("({} / {})", a, b);
        case Op::Mod:
          return fmt::format("nj_modulo({}, {})", a, b);
        case Op::Pow:
          return fmt::format("nj_power({}, {})", a, b);
        case Op::Lt:
          return fmt::format("(double)({} < {})", a, b);
        case Op::Le:
          return fmt::format("(double)({} <= {})", a, b);
        case Op::Gt:
          return fmt::format("(double)({} > {})", a, b);
        case Op::Ge:
          return fmt::format("(double)({} >= {})", a, b);
        case Op::Eq:
          return fmt::format("(double)({} == {})", a, b);
        case Op::Ne:
          return fmt::format("(double)({} != {})", a, b);
        case Op::And:
          return fmt::format("(double)({} != 0 && {} != 0)", a, b);
        case Op::Or:
          return fmt::format("(double)({} != 0 || {} != 0)", a, b);
        default:
          cx.ok = false;
          return "0.0";
      }
    }
    case Kind::Call:
      return call(e, cx);
    case Kind::Select: {
      const ir::Expr& c = *e.args[0];
      // The step IR's `if refractory then a else b`: the comparison itself.
      if (c.kind == Kind::Var && c.space == Space::Refractory && cx.read)
        return fmt::format("({} ? {} : {})", cx.read(Space::Refractory, 1), expr(e.args[1], cx),
                           expr(e.args[2], cx));
      return fmt::format("({} != 0 ? {} : {})", expr(e.args[0], cx), expr(e.args[1], cx),
                         expr(e.args[2], cx));
    }
    case Kind::Table:
      return fmt::format("nj_table_at(&{}->tables[{}], t)", cx.self, e.slot);
  }
  cx.ok = false;
  return "0.0";
}

bool lane_statements(Writer& w, const std::vector<ir::Stmt>& body, const std::string& mask, Ctx& cx,
                     int& masks, const std::function<bool(const ir::Stmt&)>& writable,
                     const Where& where) {
  auto at = [&](const frontend::SourceRange& r) {
    return where ? where(r) : fmt::format("line {}", r.line);
  };
  for (const auto& s : body) {
    if (s.type == ir::Stmt::If) {
      w.line("// if {}  ({})", ir::print(*s.cond), at(s.range));
      const int id = masks++;
      w.line("const double c{} = {};", id, expr(s.cond, cx));
      if (mask.empty()) {
        w.line("const double mt{0} = c{0}, me{0} = nj_negation(c{0});", id);
      } else {
        w.line("const double mt{0} = nj_both({1}, c{0});", id, mask);
        w.line("const double me{0} = nj_both({1}, nj_negation(c{0}));", id, mask);
      }
      if (!lane_statements(w, s.then_body, fmt::format("mt{}", id), cx, masks, writable, where) ||
          !lane_statements(w, s.else_body, fmt::format("me{}", id), cx, masks, writable, where))
        return false;
      continue;
    }
    const std::string target = cx.read(s.space, s.slot);
    if (target.empty() || (writable && !writable(s))) return false;
    w.line("// {} {} {}  ({})", s.name, frontend::assign_text(s.op), ir::print(*s.value),
           at(s.range));
    std::string v = expr(s.value, cx);
    using frontend::AssignOp;
    if (s.op == AssignOp::Add || s.op == AssignOp::Sub) {
      // Indexed `+=`: a scatter-add of the (masked) value.
      if (s.op == AssignOp::Sub) v = "(-" + v + ")";
      if (!mask.empty()) v = fmt::format("nj_choose({}, {}, 0.0)", mask, v);
      w.line("{} += {};", target, v);
      continue;
    }
    if (s.op != AssignOp::Set)
      v = fmt::format("({} {} {})", target, s.op == AssignOp::Mul ? "*" : "/", v);
    if (!mask.empty()) v = fmt::format("nj_choose({}, {}, {})", mask, v, target);
    w.line("{} = {};", target, v);
  }
  return cx.ok;
}

}  // namespace neuro::jit
