// The code generator of one neuron population (private to jit/): the
// integrate function with its threshold test and group reductions, and the
// reset (codegen.cpp); the update of neuron i, one generator per solver
// (codegen_solvers.cpp).
#pragma once

#include <fmt/format.h>

#include <string>

#include "ir/ir.h"
#include "jit/codegen.h"
#include "jit/emit.h"

namespace neuro::jit {

class PopGen {
 public:
  PopGen(const ir::Module& m, size_t index, Writer& w, const Where& where)
      : m_(m),
        pop_(m.pops[index]),
        k_(m.kernels[pop_.kernel]),
        index_(index),
        w_(w),
        where_(where) {}

  // Appends the population's functions to the writer and says what they cover.
  PopCode run();

 private:
  const ir::Module& m_;
  const ir::Population& pop_;
  const ir::Kernel& k_;
  size_t index_;
  Writer& w_;
  const Where& where_;
  bool clamps_ = false;

  std::string at(const frontend::SourceRange& r) const {
    return where_ ? where_(r) : fmt::format("line {}", r.line);
  }
  std::string sname(int s) const { return ident(k_.states[s].name); }
  std::string pname(int s) const { return ident(k_.params[s].name); }

  // codegen.cpp: the functions and what surrounds the update.
  void prologue(bool reset);
  Ctx ctx(const std::string& state_prefix);
  bool reads(ir::Space sp, int slot) const;
  bool groups();
  std::string threshold_test(bool& ok);
  void spike_scan();
  bool integrate(PopCode&);
  bool reset();

  // codegen_solvers.cpp: the update of neuron i inside the integrate loop,
  // by the kernel's solver; a new solver is one more generator there.
  bool solve();
  void ode_comments();
  bool exact();
  bool updates();
  bool rk4();
};

}  // namespace neuro::jit
