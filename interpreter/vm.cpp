// The vector VM's compiler: IR expressions and statements to instructions
// (interpreter/vm.h); vm_run.cpp runs them.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "interpreter/vm_impl.h"

namespace neuro::interp {

using ir::Kind;
using ir::Op;

namespace {

// An exact structural key: kinds, operators, slots and constants' bits.
void structural_key(const ir::Expr& e, std::string& out) {
  out += static_cast<char>('A' + static_cast<int>(e.kind));
  out += static_cast<char>('a' + static_cast<int>(e.op));
  out += static_cast<char>('a' + static_cast<int>(e.fn));
  out += static_cast<char>('a' + static_cast<int>(e.dist));
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
    case Kind::Draw: {
      Instr in;
      in.code = Code::Draw;
      in.dist = e->dist;
      in.key = keys.at(e->slot);
      in.a = value(e->args[0]);
      if (e->args.size() > 1) in.b = value(e->args[1]);
      in.nargs = e->args.size();
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
      const ir::Expr& cond = *e->args[0];
      if (cond.kind == Kind::Var && cond.space == ir::Space::Refractory) {
        // `if refractory then a else b` (the step IR's held values) in one pass.
        Instr in;
        in.code = Code::SelectRefractory;
        in.b = value(e->args[1]);
        in.c = value(e->args[2]);
        return emit(in, true);
      }
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
