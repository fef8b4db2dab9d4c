// The path from a file to a runnable module, shared by the CLI commands.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "frontend/diagnostics.h"
#include "frontend/loader.h"
#include "frontend/overrides.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/pipeline.h"
#include "neuro/simulation.h"

namespace neuro::driver {

// The stages, wired here once for the CLI, the REPL and the API:
//   load_file / load_text   parse the root and its imports, then check
//   lower                   the checked program through the IR pipeline
// compile_file does both for the commands that start from a file.

// Finds the text of a module named in `import a.b` (a path import is read
// from disk instead); nullopt when there is no such module.
using Resolver = frontend::ModuleSource;
// The standard library compiled into the binary.
Resolver stdlib_resolver();
// `host` first (when set), then the standard library.
Resolver with_stdlib(Resolver host);

// Everything compiled from one root file or text. The checked program
// points into the AST, so the two live together, and a Compiled is handed
// out behind a pointer so that neither ever moves.
struct Compiled {
  frontend::SourceManager sources;
  frontend::Diagnostics diags;
  std::optional<frontend::LoadedProgram> loaded;
  frontend::CheckedProgram checked;
  std::shared_ptr<ir::Module> module;  // set by compile_file
  double parse_seconds = 0, lower_seconds = 0;
  // Loaded and checked without errors: ready to lower.
  bool ok() const { return loaded && !diags.has_errors(); }
};

// Constants set from outside the model text (`neuro run --set NAME=VALUE`),
// in the order given: each replaces the value of the constant it names
// before the program is checked (frontend/overrides.h).
using ConstOverrides = frontend::ConstOverrides;

// Loads and checks `path` and its imports, with `constants` set;
// diagnostics are in the result.
std::unique_ptr<Compiled> load_file(const std::string& path,
                                    const Resolver& resolver = stdlib_resolver(),
                                    const ConstOverrides& constants = {});
// The same for text held in memory; `name` is shown in diagnostics.
std::unique_ptr<Compiled> load_text(const std::string& name, const std::string& text,
                                    const Resolver& resolver = stdlib_resolver(),
                                    const ConstOverrides& constants = {});

// The two steps of load_file, for a caller that keeps its own sources
// across loads: the REPL parses every input and file into one
// SourceManager, so that its diagnostics can point into any of them, and
// checks the program it assembles from the declarations it holds.
// load_*_into parse the root and its imports without checking.
std::optional<frontend::LoadedProgram> load_file_into(frontend::SourceManager& sources,
                                                      frontend::Diagnostics& diags,
                                                      const std::string& path,
                                                      const Resolver& resolver = stdlib_resolver());
std::optional<frontend::LoadedProgram> load_text_into(frontend::SourceManager& sources,
                                                      frontend::Diagnostics& diags,
                                                      const std::string& name,
                                                      const std::string& text,
                                                      const Resolver& resolver = stdlib_resolver());
// Checks a loaded program into `out`, which then points into its AST.
// The checker annotates the AST in place. False when there were errors.
// `constants` come from frontend::prepare_overrides.
bool check(const frontend::LoadedProgram& program, frontend::Diagnostics& diags,
           frontend::CheckedProgram& out, const frontend::ConstValues& constants = {});

// Lowers a checked program and runs the passes; null when there were errors
// (reported in `diags`).
std::shared_ptr<ir::Module> lower(const frontend::CheckedProgram& program,
                                  const ir::PipelineOptions& options, frontend::Diagnostics& diags);

// load_file, then (unless check_only or there were errors) lower into
// `module`. Diagnostics are in the result; `module` is null when there
// were errors.
std::unique_ptr<Compiled> compile_file(const std::string& path, const ir::PipelineOptions& options,
                                       bool check_only, const ConstOverrides& constants = {});

// A build or run error as a diagnostic (E0400), pointing into the model
// text when the engine knows where it came from.
frontend::Diagnostic diagnostic_of(const SimulationError& e);
// The same, rendered against the sources of `c`.
std::string render_error(const SimulationError& e, const Compiled& c, bool color = false);

// A time typed on the command line or at the REPL prompt, in seconds:
// "500ms", "0.5 s", "2" (a bare number is seconds). Nullopt when it is not
// a decimal number (not inf, nan or hexadecimal) or its unit is not a time.
std::optional<double> parse_duration(std::string_view text);

// Times and step counts given on the command line, at the REPL prompt or
// through the API, checked alike; a `run` statement's are checked by
// frontend/sema.cpp against the same limit. Each says why the value cannot
// be used, or is empty.
inline constexpr uint64_t kMaxSteps = 1'000'000'000'000;
std::string dt_problem(double dt);                        // finite, > 0, ≤ 1 s
std::string duration_problem(double seconds, double dt);  // finite, ≥ 0, ≤ kMaxSteps steps
std::string steps_problem(uint64_t done, uint64_t more);  // done + more ≤ kMaxSteps

}  // namespace neuro::driver
