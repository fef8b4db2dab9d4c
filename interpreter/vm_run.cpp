// The vector VM's execution: each instruction over a chunk of lanes
// (interpreter/vm.h), with the arithmetic of numeric/.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "interpreter/exp_lanes.h"
#include "interpreter/vm_impl.h"
#include "numeric/arith.h"
#include "numeric/distributions.h"
#include "numeric/evaluate.h"
#include "numeric/exp.h"
#include "numeric/rng.h"

namespace neuro::interp {

using ir::Kind;
using ir::Op;

namespace {

template <class F>
inline void bin(double* d, bool dv, Operand a, Operand b, size_t n, F f) {
  if (!dv) {
    d[0] = f(a.p[0], b.p[0]);
  } else if (a.vec && b.vec) {
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i], b.p[i]);
  } else if (a.vec) {
    const double y = b.p[0];
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i], y);
  } else {
    const double x = a.p[0];
    for (size_t i = 0; i < n; ++i) d[i] = f(x, b.p[i]);
  }
}

template <class F>
inline void un(double* d, bool dv, Operand a, size_t n, F f) {
  if (!dv)
    d[0] = f(a.p[0]);
  else
    for (size_t i = 0; i < n; ++i) d[i] = f(a.p[i]);
}

inline double at(const Operand& o, size_t i) {
  return o.vec ? o.p[i] : o.p[0];
}

void exec_binary(const Instr& in, size_t n) {
  double* d = in.dst;
  bool dv = in.dst_vec;
  switch (in.op) {
    case Op::Add:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return x + y; });
      break;
    case Op::Sub:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return x - y; });
      break;
    case Op::Mul:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return x * y; });
      break;
    case Op::Div:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return x / y; });
      break;
    case Op::Mod:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::modulo(x, y); });
      break;
    case Op::Pow:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::power(x, y); });
      break;
    case Op::Lt:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::less(x, y); });
      break;
    case Op::Le:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::less_eq(x, y); });
      break;
    case Op::Gt:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::greater(x, y); });
      break;
    case Op::Ge:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::greater_eq(x, y); });
      break;
    case Op::Eq:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::equal(x, y); });
      break;
    case Op::Ne:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::not_equal(x, y); });
      break;
    case Op::And:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::both(x, y); });
      break;
    case Op::Or:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::either(x, y); });
      break;
    default:
      NEURO_INTERNAL_ASSERT(false, "bad binary op");
  }
}

void exec_call(const Instr& in, size_t n) {
  double* d = in.dst;
  bool dv = in.dst_vec;
  using ir::Fn;
  switch (in.fn) {
    case Fn::Exp:
      if (dv && in.a.vec)
        exp_lanes(d, in.a.p, n);
      else
        un(d, dv, in.a, n, [](double x) { return num::exp(x); });
      return;
    case Fn::Log:
      un(d, dv, in.a, n, [](double x) { return ::log(x); });
      return;
    case Fn::Sqrt:
      un(d, dv, in.a, n, [](double x) { return __builtin_sqrt(x); });
      return;
    case Fn::Abs:
      un(d, dv, in.a, n, [](double x) { return __builtin_fabs(x); });
      return;
    case Fn::Tanh:
      un(d, dv, in.a, n, [](double x) { return ::tanh(x); });
      return;
    case Fn::Min:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::min2(x, y); });
      return;
    case Fn::Max:
      bin(d, dv, in.a, in.b, n, [](double x, double y) { return num::max2(x, y); });
      return;
    case Fn::Clip:
      if (!dv) break;
      for (size_t i = 0; i < n; ++i) d[i] = num::clip3(at(in.a, i), at(in.b, i), at(in.c, i));
      return;
    default:
      break;
  }
  // The rest through the shared scalar implementation (same bits as folding).
  size_t lanes = dv ? n : 1;
  double args[4];
  for (size_t i = 0; i < lanes; ++i) {
    args[0] = in.nargs > 0 ? at(in.a, i) : 0;
    args[1] = in.nargs > 1 ? at(in.b, i) : 0;
    args[2] = in.nargs > 2 ? at(in.c, i) : 0;
    args[3] = in.nargs > 3 ? at(in.d, i) : 0;
    d[i] = num::apply_fn(in.fn, args, in.nargs);
  }
}

}  // namespace

// Operands that point into arrays outside the program advance with the chunk.
static inline Operand shift(Operand o, size_t start) {
  if (o.ext) o.p += start;
  return o;
}

void Program::Impl::run(const Lanes& L) {
  t = L.t;
  const size_t total = L.n;
  for (size_t start = 0; start < total; start += kChunk) {
    const size_t n = std::min(kChunk, total - start);
    const uint32_t* ids = L.ids ? L.ids + start : nullptr;
    const uint32_t base = L.base + static_cast<uint32_t>(start);
    for (const Instr& orig : code) {
      Instr in = orig;
      in.a = shift(in.a, start);
      in.b = shift(in.b, start);
      in.c = shift(in.c, start);
      in.d = shift(in.d, start);
      switch (in.code) {
        case Code::Bin:
          exec_binary(in, n);
          break;
        case Code::Un:
          if (in.op == Op::Neg)
            un(in.dst, in.dst_vec, in.a, n, [](double x) { return -x; });
          else if (in.op == Op::Not)
            un(in.dst, in.dst_vec, in.a, n, [](double x) { return num::negation(x); });
          else
            un(in.dst, in.dst_vec, in.a, n, [](double x) { return x; });
          break;
        case Code::Call:
          exec_call(in, n);
          break;
        case Code::Select:
          if (!in.dst_vec) {
            in.dst[0] = num::choose(in.a.p[0], in.b.p[0], in.c.p[0]);
          } else if (!in.a.vec) {
            // A shared condition picks a whole branch.
            Operand pick = in.a.p[0] != 0 ? in.b : in.c;
            for (size_t i = 0; i < n; ++i) in.dst[i] = at(pick, i);
          } else if (in.b.vec && in.c.vec) {
            for (size_t i = 0; i < n; ++i) in.dst[i] = num::choose(in.a.p[i], in.b.p[i], in.c.p[i]);
          } else {
            for (size_t i = 0; i < n; ++i)
              in.dst[i] = num::choose(at(in.a, i), at(in.b, i), at(in.c, i));
          }
          break;
        case Code::Rand:
          for (size_t i = 0; i < n; ++i)
            in.dst[i] = num::draw_uniform(in.key, ids ? ids[i] : base + i, L.counter);
          break;
        case Code::Randn:
          for (size_t i = 0; i < n; ++i)
            in.dst[i] = num::draw_normal(in.key, ids ? ids[i] : base + i, L.counter);
          break;
        case Code::Draw:
          if (in.dist == num::Dist::Poisson && !in.a.vec && in.a.p[0] >= 0 && in.a.p[0] < 10) {
            // One mean for every lane (a Poisson background): the distribution
            // function's sums once (num::PoissonTable), the counter's mix once;
            // the same bits as draw_poisson.
            const double lam = in.a.p[0];
            const num::PoissonTable table(lam, num::exp(-lam));
            const uint64_t mc = num::mix64(L.counter);
            for (size_t i = 0; i < n; ++i) {
              const uint64_t e = ids ? ids[i] : base + i;
              in.dst[i] = table.count(num::to_uniform(num::draw_bits_mixed(in.key, e, mc)));
            }
            break;
          }
          for (size_t i = 0; i < n; ++i) {
            const uint64_t e = ids ? ids[i] : base + i;
            const double a = at(in.a, i), b = in.nargs > 1 ? at(in.b, i) : 0;
            in.dst[i] = in.dist == num::Dist::Poisson ? num::draw_poisson(in.key, e, L.counter, a)
                        : in.dist == num::Dist::Binomial
                            ? num::draw_binomial(in.key, e, L.counter, a, b)
                            : num::draw_normal_trunc(in.key, e, L.counter, a, b);
          }
          break;
        case Code::IndexI:
          if (L.i_is_scalar)
            for (size_t i = 0; i < n; ++i) in.dst[i] = L.i_scalar;
          else if (L.i_ids)
            for (size_t i = 0; i < n; ++i) in.dst[i] = L.i_ids[start + i];
          else
            for (size_t i = 0; i < n; ++i) in.dst[i] = ids ? ids[i] : base + i;
          break;
        case Code::IndexJ:
          for (size_t i = 0; i < n; ++i) in.dst[i] = L.j_ids ? L.j_ids[start + i] : 0;
          break;
        case Code::Table: {
          const ir::Table& tb = (*tables)[in.table];
          const double at_t = in.nargs ? in.a.p[0] : t;
          in.dst[0] = tb.values[num::table_index(at_t, tb.step, tb.values.size())];
          break;
        }
        case Code::Gather: {
          const uint32_t* list = L.lists[in.list] + start;
          for (size_t i = 0; i < n; ++i) in.dst[i] = in.a.p[list[i]];
          break;
        }
        case Code::ScatterAdd: {
          const uint32_t* list = L.lists[in.list] + start;
          for (size_t i = 0; i < n; ++i) in.dst[list[i]] += at(in.a, i);
          break;
        }
        case Code::Refractory:
          for (size_t i = 0; i < n; ++i)
            in.dst[i] = L.step < L.ref_end[ids ? ids[i] : base + i] ? 1.0 : 0.0;
          break;
        case Code::PostRefractory: {
          const uint32_t* list = L.lists[in.list] + start;
          const int64_t step = L.step + in.table;
          for (size_t i = 0; i < n; ++i) in.dst[i] = step < L.post_ref_end[list[i]] ? 1.0 : 0.0;
          break;
        }
        case Code::SelectRefractory: {
          const int64_t* re = ids ? nullptr : L.ref_end + base;
          if (re && in.b.vec && in.c.vec)
            for (size_t i = 0; i < n; ++i) in.dst[i] = L.step < re[i] ? in.b.p[i] : in.c.p[i];
          else
            for (size_t i = 0; i < n; ++i)
              in.dst[i] = L.step < L.ref_end[ids ? ids[i] : base + i] ? at(in.b, i) : at(in.c, i);
          break;
        }
        case Code::Affine: {
          // The sum in its order; zero terms were dropped by ir/drop_zero_terms.cpp.
          for (size_t i = 0; i < n; ++i) in.dst[i] = at(in.a, i);
          for (const auto& [coef, x0] : affines[in.table]) {
            const Operand x = shift(x0, start);
            if (x.vec)
              for (size_t i = 0; i < n; ++i) in.dst[i] += coef * x.p[i];
            else
              for (size_t i = 0; i < n; ++i) in.dst[i] += coef * x.p[0];
          }
          break;
        }
        case Code::Store:
          if (in.list < 0) {
            double* dst = in.dst + start;
            if (in.a.vec)
              for (size_t i = 0; i < n; ++i) dst[i] = in.a.p[i];
            else
              for (size_t i = 0; i < n; ++i) dst[i] = in.a.p[0];
          } else {
            const uint32_t* list = L.lists[in.list] + start;
            for (size_t i = 0; i < n; ++i) in.dst[list[i]] = at(in.a, i);
          }
          break;
      }
    }
  }
}

}  // namespace neuro::interp
