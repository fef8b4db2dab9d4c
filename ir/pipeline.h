// The lowering pipeline, in one place: checked program → IR → passes.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "frontend/diagnostics.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/lower.h"

namespace neuro::ir {

struct PipelineOptions {
  RunOverrides overrides;
  // Called with each pass's name and the IR text after it (for debugging).
  std::function<void(const std::string& pass, const Module&)> dump_after;
};

std::optional<Module> build_module(const frontend::CheckedProgram& program,
                                   const PipelineOptions& options, frontend::Diagnostics& diags);

}  // namespace neuro::ir
