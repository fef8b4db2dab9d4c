// The code generator of one neuron population (private to jit/): the
// integrate function, which prints the population's step IR (ir.h,
// StepLoop), and the reset (codegen.cpp).
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

  std::string at(const frontend::SourceRange& r) const {
    return where_ ? where_(r) : fmt::format("line {}", r.line);
  }
  std::string sname(int s) const { return ident(k_.states[s].name); }
  std::string pname(int s) const { return ident(k_.params[s].name); }

  void prologue(bool reset);
  Ctx ctx();
  bool reads(ir::Space sp, int slot) const;
  bool group(int g);
  bool ops(const std::vector<ir::StepOp>& body);
  std::string threshold_test(const ir::StepOp& flag, bool& ok);
  bool integrate(PopCode&);
  bool reset();
};

}  // namespace neuro::jit
