#include "ir/pipeline.h"

#include "ir/check_poisson_rates.h"
#include "ir/choose_solver.h"
#include "ir/drop_zero_terms.h"
#include "ir/fold_constants.h"
#include "ir/fuse_threshold.h"
#include "ir/guard_held_writes.h"
#include "ir/limit_expression_size.h"
#include "ir/lower_events.h"
#include "ir/lower_handlers.h"
#include "ir/lower_step.h"
#include "ir/mark_independent.h"
#include "ir/mark_sequential.h"
#include "ir/place_traces.h"
#include "ir/recognise_threshold.h"
#include "ir/reject_zero_divisors.h"

namespace neuro::ir {

namespace {

// The passes after lowering, in order. Their names are what dump_after and
// `neuro ir --dump-after` see, so they are written here only.
struct Pass {
  const char* name;
  void (*run)(Module&, frontend::Diagnostics&);
};
constexpr Pass kPasses[] = {
    {"limit_expression_size",
     [](Module& m, frontend::Diagnostics& d) { limit_expression_size(m, d); }},
    {"fold_constants", [](Module& m, frontend::Diagnostics&) { fold_constants(m); }},
    {"reject_zero_divisors",
     [](Module& m, frontend::Diagnostics& d) { reject_zero_divisors(m, d); }},
    {"check_poisson_rates", [](Module& m, frontend::Diagnostics& d) { check_poisson_rates(m, d); }},
    {"choose_solver", [](Module& m, frontend::Diagnostics& d) { choose_solver(m, d); }},
    {"place_traces", [](Module& m, frontend::Diagnostics&) { place_traces(m); }},
    {"guard_held_writes", [](Module& m, frontend::Diagnostics&) { guard_held_writes(m); }},
    {"lower_handlers", [](Module& m, frontend::Diagnostics&) { lower_handlers(m); }},
    {"mark_sequential", [](Module& m, frontend::Diagnostics&) { mark_sequential(m); }},
    {"recognise_threshold", [](Module& m, frontend::Diagnostics&) { recognise_threshold(m); }},
    {"lower_step", [](Module& m, frontend::Diagnostics&) { lower_step(m); }},
    {"drop_zero_terms", [](Module& m, frontend::Diagnostics&) { drop_zero_terms(m); }},
    {"fuse_threshold", [](Module& m, frontend::Diagnostics&) { fuse_threshold(m); }},
    {"lower_events", [](Module& m, frontend::Diagnostics&) { lower_events(m); }},
    {"mark_independent", [](Module& m, frontend::Diagnostics&) { mark_independent(m); }},
};
constexpr const char* kLower = "lower";

}  // namespace

std::optional<Module> build_module(const frontend::CheckedProgram& program,
                                   const PipelineOptions& options, frontend::Diagnostics& diags) {
  size_t before = diags.error_count();
  auto mod = lower(program, options.overrides, diags);
  if (!mod) return std::nullopt;
  auto after = [&](const char* pass) {
    if (options.dump_after) options.dump_after(pass, *mod);
  };
  after(kLower);
  for (const Pass& p : kPasses) {
    p.run(*mod, diags);
    after(p.name);
    // The passes after one that found an error would see a module it left
    // incomplete (choose_solver leaves no update for a solver that cannot run).
    if (diags.error_count() > before) return std::nullopt;
  }
  return mod;
}

std::vector<std::string> pass_names() {
  std::vector<std::string> names = {kLower};
  for (const Pass& p : kPasses) names.emplace_back(p.name);
  return names;
}

}  // namespace neuro::ir
