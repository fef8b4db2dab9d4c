// The vector VM's instructions and program state (private to interpreter/):
// compiled in vm.cpp, run in vm_run.cpp.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "frontend/diagnostics.h"
#include "interpreter/vm.h"
#include "numeric/schedule.h"

namespace neuro::interp {

enum class Code : uint8_t {
  Bin,
  Un,
  Call,
  Select,
  Rand,
  Randn,
  Draw,
  IndexI,
  IndexJ,
  Table,
  Gather,
  Store,
  ScatterAdd,
  Refractory,
  SelectRefractory,
  PostRefractory,
  Affine
};

struct Instr {
  Code code = Code::Bin;
  ir::Op op = ir::Op::Add;
  ir::Fn fn = ir::Fn::Exp;
  num::Dist dist = num::Dist::Poisson;
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
    if (space == ir::Space::PostRefractory) {  // slot: steps after the event's step
      Instr in;
      in.code = Code::PostRefractory;
      in.list = 2;
      in.table = slot;
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
  Operand binary(ir::Op op, Operand a, Operand b) {
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

}  // namespace neuro::interp
