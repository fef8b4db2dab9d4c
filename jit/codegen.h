// The JIT's code generator: C++ source from the IR, one function per part of
// the step it covers (population update with its threshold, reset, `on pre`
// delivery, `on post` events). The generated code performs the same
// floating-point operations in the same order as the interpreter and draws
// the same random numbers, so both backends give the same bits
// (docs/jit.md explains how). Parts it does not cover keep running on the
// interpreter's path.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace neuro::jit {

// What the generated source covers, with the names of its entry points
// (empty: the interpreter runs that part).
struct PopCode {
  std::string integrate;   // integrates, then appends threshold crossings (nj_pop)
  bool detects = false;    // integrate also did the threshold test
  bool splittable = true;  // integrate may run on parts [lo, hi) (no group reductions)
  std::string reset;       // runs the reset for nj_pop::ids
  std::string why_not;     // when integrate is empty: why the interpreter runs it
};
struct ProjCode {
  std::string deliver;  // `on pre` (uniform delay: spikers are the arriving sources)
  std::string post;     // `on post` for nj_proj::spikers (postsynaptic)
  std::string why_not;
  bool deliver_splits = false;  // `deliver` honours nj_proj::split (a scatter-add: threads)
};

struct Generated {
  std::string source;
  std::vector<PopCode> pops;    // one per Module::pops
  std::vector<ProjCode> projs;  // one per Module::projections
};

// `where` names a source position for the comments ("cuba.neuro:11"); by
// default "line 11".
Generated generate(const ir::Module& m,
                   const std::function<std::string(const frontend::SourceRange&)>& where = {});

}  // namespace neuro::jit
