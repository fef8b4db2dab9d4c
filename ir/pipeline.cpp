#include "ir/pipeline.h"

#include "ir/choose_solver.h"
#include "ir/fold_constants.h"
#include "ir/lower_handlers.h"
#include "ir/mark_sequential.h"
#include "ir/place_traces.h"
#include "ir/recognise_threshold.h"

namespace neuro::ir {

std::optional<Module> build_module(const frontend::CheckedProgram& program,
                                   const PipelineOptions& options, frontend::Diagnostics& diags) {
  size_t before = diags.error_count();
  auto mod = lower(program, options.overrides, diags);
  if (!mod) return std::nullopt;
  auto after = [&](const char* pass) {
    if (options.dump_after) options.dump_after(pass, *mod);
  };
  after("lower");
  fold_constants(*mod);
  after("fold_constants");
  choose_solver(*mod, diags);
  after("choose_solver");
  place_traces(*mod);
  after("place_traces");
  lower_handlers(*mod);
  after("lower_handlers");
  mark_sequential(*mod);
  after("mark_sequential");
  recognise_threshold(*mod);
  after("recognise_threshold");
  if (diags.error_count() > before) return std::nullopt;
  return mod;
}

}  // namespace neuro::ir
