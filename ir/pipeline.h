// The lowering pipeline, in one place: checked program → IR → passes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "frontend/diagnostics.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/lower.h"

namespace neuro::ir {

struct PipelineOptions {
  RunOverrides overrides;
  // Called with each pass's name and the module after it (for debugging):
  // first "lower", then every name of pass_names() in order.
  std::function<void(const std::string& pass, const Module&)> dump_after;
};

std::optional<Module> build_module(const frontend::CheckedProgram& program,
                                   const PipelineOptions& options, frontend::Diagnostics& diags);

// The names dump_after is called with, in pipeline order ("lower" first).
std::vector<std::string> pass_names();

}  // namespace neuro::ir
