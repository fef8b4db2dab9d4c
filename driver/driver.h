// The path from a file to a runnable module, shared by the CLI commands.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "frontend/diagnostics.h"
#include "frontend/loader.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/pipeline.h"
#include "neuro/simulation.h"

namespace neuro::driver {

// Everything compiled from one root file; the AST must outlive the checked
// program, which points into it.
struct Compiled {
  frontend::SourceManager sources;
  frontend::Diagnostics diags;
  std::optional<frontend::LoadedProgram> loaded;
  frontend::CheckedProgram checked;
  std::shared_ptr<ir::Module> module;
  double parse_seconds = 0, lower_seconds = 0;
};

// Loads, checks and (unless check_only) lowers `path`. Diagnostics are in
// the result; `module` is null when there were errors.
std::unique_ptr<Compiled> compile_file(const std::string& path, const ir::PipelineOptions& options,
                                       bool check_only);

// A build or run error as a diagnostic (E0400), pointing into the model
// text when the engine knows where it came from.
frontend::Diagnostic diagnostic_of(const SimulationError& e);
// The same, rendered against the sources of `c`.
std::string render_error(const SimulationError& e, const Compiled& c, bool color = false);

// A time typed on the command line or at the REPL prompt, in seconds:
// "500ms", "0.5 s", "2" (a bare number is seconds). Nullopt when it is not
// a number or its unit is not a time.
std::optional<double> parse_duration(std::string_view text);

}  // namespace neuro::driver
