#include "interpreter/vm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>

#include "frontend/diagnostics.h"
#include "interpreter/exp_lanes.h"
#include "numeric/arith.h"
#include "numeric/exp.h"
#include "numeric/rng.h"
#include "numeric/schedule.h"

namespace neuro::interp {

using ir::Kind;
using ir::Op;

namespace {

enum class Code : uint8_t {
  Bin,
  Un,
  Call,
  Select,
  Rand,
  Randn,
  IndexI,
  IndexJ,
  Table,
  Gather,
  Store,
  ScatterAdd,
  Refractory,
  Affine
};

}  // namespace

struct Instr {
  Code code = Code::Bin;
  Op op = Op::Add;
  ir::Fn fn = ir::Fn::Exp;
  double* dst = nullptr;
  bool dst_vec = false;
  Operand a, b, c, d;
  uint64_t key = 0;
  int list = -1;
  int table = 0;
  size_t nargs = 0;
};

struct Program::Impl {
  size_t max_lanes;
  Resolver resolve;
  std::vector<uint64_t> keys;
  const std::vector<ir::Table>* tables;
  double* modulators = nullptr;
  std::vector<Instr> code;
  std::vector<Operand> locals;  // step IR locals, by slot
  // Affine sums (Instr::table): (coefficient, operand) in order.
  std::vector<std::vector<std::pair<double, Operand>>> affines;
  std::deque<std::vector<double>> regs;  // deque: stable addresses
  std::deque<double> consts;
  double t = 0;
  // Common subexpressions are computed once: value() remembers what each
  // structurally equal expression compiled to, until a store may change it.
  std::unordered_map<std::string, Operand> memo;

  // Programs run over chunks of lanes so that registers stay in L1 cache
  // between instructions; a register holds one chunk.
  static constexpr size_t kChunk = num::kLaneChunk;
  size_t reg_lanes() const { return std::min(max_lanes, kChunk); }
  double* reg(bool vec) {
    regs.emplace_back(vec ? reg_lanes() : 1, 0.0);
    return regs.back().data();
  }
  Operand constant(double v) {
    consts.push_back(v);
    return {&consts.back(), false};
  }
  Operand emit(Instr in, bool vec) {
    in.dst = reg(vec);
    in.dst_vec = vec;
    code.push_back(in);
    return {in.dst, vec};
  }
  Operand load(ir::Space space, int slot) {
    if (space == ir::Space::Modulator) {
      NEURO_INTERNAL_ASSERT(modulators != nullptr, "a modulator read without modulators");
      return {modulators + slot, false, false};
    }
    if (space == ir::Space::Local) {
      NEURO_INTERNAL_ASSERT(
          slot >= 0 && static_cast<size_t>(slot) < locals.size() && locals[slot].p != nullptr,
          "a step IR local read before it is defined");
      return locals[slot];
    }
    if (space == ir::Space::Refractory) {
      Instr in;
      in.code = Code::Refractory;
      return emit(in, true);
    }
    Binding b = resolve(space, slot);
    if (b.scalar) return {b.array, false, false};
    if (b.index_list < 0) return {b.array, true, true};
    Instr in;
    in.code = Code::Gather;
    in.a = {b.array, true, false};
    in.list = b.index_list;
    return emit(in, true);
  }
  Operand value(const ir::ExprPtr& e);
  Operand compile(const ir::ExprPtr& e);
  void store(ir::Space space, int slot, Operand v) {
    memo.clear();  // loads of what this writes (or aliases) must be redone
    Binding b = resolve(space, slot);
    NEURO_INTERNAL_ASSERT(!b.scalar, "assignment to a shared (scalar) variable");
    Instr in;
    in.code = Code::Store;
    in.a = v;
    in.dst = b.array;
    in.dst_vec = true;
    in.list = b.index_list;
    code.push_back(in);
  }
  Operand binary(Op op, Operand a, Operand b) {
    Instr in;
    in.code = Code::Bin;
    in.op = op;
    in.a = a;
    in.b = b;
    return emit(in, a.vec || b.vec);
  }
  Operand select(Operand c, Operand a, Operand b) {
    Instr in;
    in.code = Code::Select;
    in.a = c;
    in.b = a;
    in.c = b;
    return emit(in, a.vec || b.vec || c.vec);
  }
  void statements(const std::vector<ir::Stmt>& body, const Operand* mask);
  void run(const Lanes& lanes);
};

namespace {

// An exact structural key: kinds, operators, slots and constants' bits.
void structural_key(const ir::Expr& e, std::string& out) {
  out += static_cast<char>('A' + static_cast<int>(e.kind));
  out += static_cast<char>('a' + static_cast<int>(e.op));
  out += static_cast<char>('a' + static_cast<int>(e.fn));
  out += static_cast<char>('0' + static_cast<int>(e.space));
  out += std::to_string(e.slot);
  if (e.kind == Kind::Const) {
    uint64_t bits;
    std::memcpy(&bits, &e.value, sizeof bits);
    out += std::to_string(bits);
  }
  out += '(';
  for (const auto& a : e.args) {
    structural_key(*a, out);
    out += ',';
  }
  out += ')';
}

}  // namespace

Operand Program::Impl::value(const ir::ExprPtr& e) {
  if (e->kind == Kind::Const) return constant(e->value);
  std::string key;
  structural_key(*e, key);
  auto it = memo.find(key);
  if (it != memo.end()) return it->second;
  Operand o = compile(e);
  memo.emplace(std::move(key), o);
  return o;
}

Operand Program::Impl::compile(const ir::ExprPtr& e) {
  switch (e->kind) {
    case Kind::Const:
      return constant(e->value);
    case Kind::Var:
      return load(e->space, e->slot);
    case Kind::Time:
      return {&t, false};
    case Kind::Index: {
      Instr in;
      in.code = e->slot == 0 ? Code::IndexI : Code::IndexJ;
      return emit(in, true);
    }
    case Kind::Rand:
    case Kind::Randn: {
      Instr in;
      in.code = e->kind == Kind::Rand ? Code::Rand : Code::Randn;
      in.key = keys.at(e->slot);
      return emit(in, true);
    }
    case Kind::Unary: {
      Operand a = value(e->args[0]);
      Instr in;
      in.code = Code::Un;
      in.op = e->op;
      in.a = a;
      return emit(in, a.vec);
    }
    case Kind::Binary: {
      Operand a = value(e->args[0]);
      Operand b = value(e->args[1]);
      return binary(e->op, a, b);
    }
    case Kind::Call: {
      // min/max of several arguments become a chain of two-argument calls.
      std::vector<Operand> args;
      for (const auto& a : e->args) args.push_back(value(a));
      if ((e->fn == ir::Fn::Min || e->fn == ir::Fn::Max) && args.size() > 2) {
        Operand acc = args[0];
        for (size_t k = 1; k < args.size(); ++k) {
          Instr in;
          in.code = Code::Call;
          in.fn = e->fn;
          in.a = acc;
          in.b = args[k];
          in.nargs = 2;
          acc = emit(in, acc.vec || args[k].vec);
        }
        return acc;
      }
      Instr in;
      in.code = Code::Call;
      in.fn = e->fn;
      in.nargs = args.size();
      bool vec = false;
      if (args.size() > 0) in.a = args[0], vec |= args[0].vec;
      if (args.size() > 1) in.b = args[1], vec |= args[1].vec;
      if (args.size() > 2) in.c = args[2], vec |= args[2].vec;
      if (args.size() > 3) in.d = args[3], vec |= args[3].vec;
      NEURO_INTERNAL_ASSERT(args.size() <= 4, "a built-in with more than four arguments");
      return emit(in, vec);
    }
    case Kind::Select: {
      // Both branches are computed for every lane and one is kept; they are
      // pure and rand() is keyed by call site, so this equals lazy evaluation.
      Operand c = value(e->args[0]);
      Operand a = value(e->args[1]);
      Operand b = value(e->args[2]);
      return select(c, a, b);
    }
    case Kind::Table: {
      Instr in;
      in.code = Code::Table;
      in.table = e->slot;
      if (!e->args.empty()) in.a = value(e->args[0]), in.nargs = 1;  // at that time, not t
      NEURO_INTERNAL_ASSERT(!in.a.vec, "a table read at a time that differs between lanes");
      return emit(in, false);
    }
  }
  NEURO_INTERNAL_ASSERT(false, "unknown IR expression kind");
}

void Program::Impl::statements(const std::vector<ir::Stmt>& body, const Operand* mask) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::If) {
      Operand c = value(s.cond);
      Operand m_then = mask ? binary(Op::And, *mask, c) : c;
      Instr neg;
      neg.code = Code::Un;
      neg.op = Op::Not;
      neg.a = c;
      Operand not_c = emit(neg, c.vec);
      Operand m_else = mask ? binary(Op::And, *mask, not_c) : not_c;
      statements(s.then_body, &m_then);
      statements(s.else_body, &m_else);
      continue;
    }
    Operand v = value(s.value);
    Binding target = resolve(s.space, s.slot);
    if ((s.op == frontend::AssignOp::Add || s.op == frontend::AssignOp::Sub) &&
        target.index_list >= 0) {
      // `x += v` through an index list adds lane by lane, in lane order, so
      // several lanes hitting one target all count (sequential semantics).
      if (s.op == frontend::AssignOp::Sub) {
        Instr neg;
        neg.code = Code::Un;
        neg.op = Op::Neg;
        neg.a = v;
        v = emit(neg, v.vec);
      }
      if (mask) v = select(*mask, v, constant(0.0));
      memo.clear();
      Instr in;
      in.code = Code::ScatterAdd;
      in.a = v;
      in.dst = target.array;
      in.dst_vec = true;
      in.list = target.index_list;
      code.push_back(in);
      continue;
    }
    if (s.op != frontend::AssignOp::Set || mask) {
      Operand old = load(s.space, s.slot);
      switch (s.op) {
        case frontend::AssignOp::Add:
          v = binary(Op::Add, old, v);
          break;
        case frontend::AssignOp::Sub:
          v = binary(Op::Sub, old, v);
          break;
        case frontend::AssignOp::Mul:
          v = binary(Op::Mul, old, v);
          break;
        case frontend::AssignOp::Div:
          v = binary(Op::Div, old, v);
          break;
        case frontend::AssignOp::Set:
          break;
      }
      if (mask) v = select(*mask, v, old);
    }
    store(s.space, s.slot, v);
  }
}

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

Program::Program(size_t max_lanes, Resolver resolve, std::vector<uint64_t> keys,
                 const std::vector<ir::Table>* tables, double* modulators)
    : impl_(std::make_unique<Impl>()) {
  impl_->modulators = modulators;
  impl_->max_lanes = std::max<size_t>(max_lanes, 1);
  impl_->resolve = std::move(resolve);
  impl_->keys = std::move(keys);
  impl_->tables = tables;
}

Program::~Program() = default;
Program::Program(Program&&) noexcept = default;

Operand Program::value(const ir::ExprPtr& e) {
  return impl_->value(e);
}
void Program::statements(const std::vector<ir::Stmt>& body) {
  impl_->statements(body, nullptr);
}
void Program::store_into(const ir::ExprPtr& e, double* out, int index_list) {
  Operand v = impl_->value(e);
  impl_->memo.clear();
  Instr in;
  in.code = Code::Store;
  in.a = v;
  in.dst = out;
  in.dst_vec = true;
  in.list = index_list;
  impl_->code.push_back(in);
}
void Program::let(int local, const ir::ExprPtr& e) {
  Operand v = impl_->value(e);
  if (impl_->locals.size() <= static_cast<size_t>(local)) impl_->locals.resize(local + 1);
  impl_->locals[local] = v;
}

void Program::affine(int local, int base, double bias,
                     const std::vector<std::pair<double, int>>& terms) {
  auto& I = *impl_;
  auto read = [&](int l) { return I.load(ir::Space::Local, l); };
  Instr in;
  in.code = Code::Affine;
  in.a = base >= 0 ? read(base) : I.constant(bias);
  in.table = static_cast<int>(I.affines.size());
  auto& list = I.affines.emplace_back();
  for (const auto& [coef, l] : terms) list.emplace_back(coef, read(l));
  Operand v = I.emit(in, true);
  if (I.locals.size() <= static_cast<size_t>(local)) I.locals.resize(local + 1);
  I.locals[local] = v;
}

void Program::run(const Lanes& lanes) {
  NEURO_INTERNAL_ASSERT(lanes.n <= impl_->max_lanes, "more lanes than the program was built for");
  impl_->run(lanes);
}
size_t Program::instruction_count() const {
  return impl_->code.size();
}

}  // namespace neuro::interp
