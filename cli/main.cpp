// The `neuro` command: run | plot | check | ir, --help, --version.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/repl.h"
#include "driver/driver.h"
#include "driver/output.h"
#include "driver/summary.h"
#include "frontend/units.h"
#include "interpreter/build_simulation.h"
#include "io/npy.h"
#include "io/progress.h"
#include "ir/ir.h"
#include "ir/pipeline.h"
#include "ir/print_step.h"
#include "neuro/backend.h"
#include "neuro/simulation.h"

namespace {

using namespace neuro;

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(neuro — a language for neural models

usage:
  neuro run FILE [--duration T] [--seed N] [--dt T] [--out DIR] [--json]
                 [--format csv|npy] [--plot DIR] [--backend vm|jit|auto] [--threads N]
                 [--set NAME=VALUE]...
      Simulate the file's `run` statement; options override it. T takes a
      unit (500ms, 0.5s, 0.1ms); a bare number means seconds. --set gives
      the constant NAME (file-level, or of the circuit that runs) a new
      value, a number with the constant's unit (--set scale=0.1 --set
      bg_rate=8Hz); whatever is computed from it follows. Recordings go
      to DIR (default neuro_out): <population>_spikes.csv (id,t_ms) and
      <population>_<var>.csv (t_ms,id,value), or with --format npy
      <population>_spikes_{id,t_ms}.npy and <population>_<var>{,_t_ms,_id}.npy;
      recordings.tsv lists them. --plot DIR writes an SVG plot of each
      recording. --json prints one JSON report. Long runs show a progress
      bar when stderr is a terminal. --backend: the interpreter (vm), code
      compiled by the system C++ compiler (jit, cached in
      $XDG_CACHE_HOME/neuro/jit), or jit when the run is long enough to
      repay the compile (auto, the default); same results either way.
      --threads N splits over N threads (default 1) the spike delivery of
      scatter-add projections of 262144 synapses or more (both backends)
      and the JIT's updates of populations of 16384 neurons or more; the
      same results as one thread.
  neuro plot DIR|FILE... [--out DIR]
      Plot recordings saved by `neuro run` (CSV or NPY) as SVG:
      <population>_raster.svg, <population>_rate.svg, <population>_<var>.svg,
      into --out DIR (default: the recordings' folder).
  neuro check FILE [--set NAME=VALUE]...
                      Report problems in FILE; exit 0 when there are none.
  neuro ir FILE [--stage graph|step] [--dump-after PASS] [--set NAME=VALUE]...
                      Print the IR after lowering and passes: the graph IR
                      (the default), or with --stage step the loop-level
                      step of each population, which both backends run.
                      --dump-after prints it after pass PASS instead, under
                      a line `=== after PASS ===`; PASS is one of
@PASSES@
  neuro jit --emit FILE [--set NAME=VALUE]...
                      Print the C++ the JIT generates for FILE.
  neuro --help        This text.
  neuro --version     The version.

Exit status: 0 success, 1 errors in the input or the run, 2 bad usage,
128 + the signal when stopped by SIGINT (Ctrl-C, 130), SIGTERM (143) or
SIGHUP (129): recordings so far are still written.
)";

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) {
  g_stop_signal.store(sig);
  g_interrupted.store(true);
}

// While alive, SIGINT, SIGTERM and SIGHUP (Ctrl-C, `timeout`, schedulers,
// `docker stop`, a closed terminal) stop the run between steps instead of
// killing the process, so that what was recorded is written; a second one
// while the files are written waits for them too.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < kCount; ++k) sigaction(kSignals[k], &sa, &old_[k]);
  }
  ~StopSignals() {
    for (size_t k = 0; k < kCount; ++k) sigaction(kSignals[k], &old_[k], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  static constexpr size_t kCount = 3;
  struct sigaction old_[kCount];
};

const char* signal_name(int sig) {
  return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "Ctrl-C";
}

bool stderr_color() {
  return isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

// A problem outside model text (usage, files, memory), on stderr.
void print_error(frontend::Code code, const std::string& message, const std::string& hint = {}) {
  std::cerr << frontend::render(frontend::placeless(code, message, hint), stderr_color());
}

// Bad usage: exit status 2.
int usage_error(frontend::Code code, const std::string& message) {
  print_error(code, message, "run `neuro --help` for usage");
  return 2;
}

bool print_diagnostics(const driver::Compiled& c) {
  if (c.diags.list().empty()) return false;
  std::cerr << frontend::render_all(c.diags, c.sources, stderr_color());
  return c.diags.has_errors();
}

struct RunArgs {
  std::string file, out = "neuro_out";
  ir::RunOverrides overrides;
  driver::ConstOverrides constants;  // --set NAME=VALUE
  bool json = false;
  io::Format format = io::Format::csv;
  std::string plot;  // folder for SVG plots; empty: none
  Backend backend = Backend::Auto;
  unsigned threads = 1;
  bool emit = false;        // `neuro jit --emit`
  std::string dump_after;   // `neuro ir --dump-after PASS`: a pass name or "all"
  bool step_stage = false;  // `neuro ir --stage step`
};

// Runs `steps` steps; when stderr is a terminal, in chunks with a progress
// bar between them (shown only if the run takes more than a couple of seconds).
void run_with_progress(Simulation& sim, uint64_t steps) {
  io::ProgressBar bar(steps, sim.dt(), io::ProgressBar::for_stderr());
  if (!bar.enabled()) {
    sim.run(steps, &g_interrupted);
    return;
  }
  for (uint64_t done = 0; done < steps && !g_interrupted.load();) {
    const uint64_t chunk = std::min(bar.chunk(), steps - done);
    const uint64_t did = sim.run(chunk, &g_interrupted);
    done += did;
    bar.update(done);
    if (did < chunk) break;
  }
}  // the bar's line is cleared here, also when run() throws

// Why `dir` cannot take output files (empty: it can); it is created when
// missing, so that a run never ends with nowhere to write what it recorded.
std::string output_folder_problem(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return fmt::format("`{}` is a file, not a folder", dir);
  fs::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create the folder `{}`: {}", dir, ec.message());
  if (::access(dir.c_str(), W_OK) != 0)
    return fmt::format("cannot write into the folder `{}`: {}", dir, std::strerror(errno));
  return {};
}

int cmd_run(const RunArgs& args) {
  using clock = std::chrono::steady_clock;
  // With --json, a failure is a JSON object on stdout too, for tools.
  const frontend::SourceManager no_sources;
  auto json_failure = [&](const frontend::Diagnostics& d, const frontend::SourceManager& sources) {
    if (args.json) std::cout << driver::diagnostics_json(d, sources) << std::flush;
  };
  auto placeless_failure = [&](frontend::Code code, const std::string& message,
                               const std::string& hint) {
    print_error(code, message, hint);
    frontend::Diagnostics d;
    d.error(code, {}, message, hint);
    json_failure(d, no_sources);
    return 2;
  };
  // Output locations are checked before anything runs.
  for (const auto& [option, dir] : {std::pair{"--out", args.out}, std::pair{"--plot", args.plot}}) {
    if (dir.empty()) continue;
    const std::string problem = output_folder_problem(dir);
    if (problem.empty()) continue;
    return placeless_failure(
        frontend::Code::BadArgument, fmt::format("{} {}: {}", option, dir, problem),
        "give a folder, new or existing and writable; recordings and plots go there");
  }
  // From the start: a stop signal during compilation or building runs no step.
  StopSignals stop_signals;
  ir::PipelineOptions options;
  options.overrides = args.overrides;
  auto compiled = driver::compile_file(args.file, options, false, args.constants);
  if (print_diagnostics(*compiled) || !compiled->module) {
    json_failure(compiled->diags, compiled->sources);
    return 1;
  }
  const ir::Module& mod = *compiled->module;
  // About the file as a whole: a range with the file and no line.
  const frontend::SourceRange whole_file{compiled->loaded->root_file};
  if (mod.run.circuit.empty())
    compiled->diags.error(frontend::Code::Missing, whole_file, "there is no circuit to run",
                          "declare `circuit Name { … }` and `run Name for 1 s`");
  else if (!(mod.run.duration > 0))
    compiled->diags.error(
        frontend::Code::Missing, whole_file,
        "the file has no `run` statement and no --duration was given",
        fmt::format("add `run {} for 1 s` or pass --duration 1s", mod.run.circuit));
  if (print_diagnostics(*compiled)) {
    json_failure(compiled->diags, compiled->sources);
    return 1;
  }
  // A run statement's length was checked with the model; --duration and
  // --dt are checked here, against each other.
  if (const std::string why = driver::duration_problem(mod.run.duration, mod.run.dt); !why.empty())
    return placeless_failure(frontend::Code::BadArgument, "the run is too long: " + why,
                             "run `neuro --help` for usage");
  auto t_build = clock::now();
  std::unique_ptr<Simulation> sim;
  try {
    sim = build_simulation(compiled->module);
  } catch (const SimulationError& e) {
    std::cerr << driver::render_error(e, *compiled, stderr_color());
    frontend::Diagnostics d;
    const frontend::Diagnostic diag = driver::diagnostic_of(e);
    d.error(diag.code, diag.range, diag.message, diag.hint);
    json_failure(d, compiled->sources);
    return 1;
  }
  const BackendReport backend =
      use_backend(*sim, args.backend, sim->steps_for(mod.run.duration), args.threads);
  if (!backend.notice.empty()) std::cerr << backend.notice << "\n";
  const char* backend_used = backend.jit ? "jit" : "vm";
  double build_s =
      compiled->lower_seconds + std::chrono::duration<double>(clock::now() - t_build).count();

  auto t_run = clock::now();
  uint64_t steps = sim->steps_for(mod.run.duration);
  bool failed = false;
  try {
    run_with_progress(*sim, steps);
  } catch (const SimulationError& e) {
    std::cerr << driver::render_error(e, *compiled, stderr_color());
    failed = true;
  }
  const uint64_t done = sim->step_index();
  double run_s = std::chrono::duration<double>(clock::now() - t_run).count();
  bool interrupted = !failed && (done < steps || g_stop_signal.load() != 0);

  // Recordings are written whatever happened: nothing recorded is lost.
  std::string error;
  auto files = driver::write_recordings(*sim, args.out, args.format, error);
  if (!args.plot.empty()) {
    // Plotted from the files just written, so that `neuro plot` on them
    // gives the same bytes; from memory when they could not be written.
    io::Recordings recs;
    try {
      recs = error.empty() ? io::read_recordings({args.out}) : driver::recordings_of(*sim);
    } catch (const io::FormatError&) {
      recs = driver::recordings_of(*sim);
    }
    auto plots = io::write_plots(recs, args.plot, error);
    files.insert(files.end(), plots.begin(), plots.end());
    auto weights = driver::write_weight_plots(*sim, args.plot, error);
    files.insert(files.end(), weights.begin(), weights.end());
  }
  const auto pops = driver::population_reports(*sim);
  if (args.json) {
    const driver::RunFacts facts{
        .backend = backend_used,
        .threads = backend.pops_threaded + backend.projs_threaded > 0 ? args.threads : 1u,
        .jit_setup_s = backend.setup_s,
        .jit_cache_hit = backend.cache_hit,
        .seed = mod.run.seed,
        .parse_s = compiled->parse_seconds,
        .build_s = build_s,
        .run_s = run_s,
        .steps = done,
        .interrupted = interrupted};
    fmt::print("{}", driver::summary_json(*sim, pops, facts));
  } else {
    fmt::print("simulated {:g} s of {} in {:.3f} s (dt {}, seed {}, {} steps, backend {})\n",
               sim->time(), mod.run.circuit, run_s,
               frontend::format_quantity(mod.run.dt, frontend::dim::time()), mod.run.seed, done,
               backend_used);
    fmt::print("{}", driver::summary_table(pops));
    fmt::print("  synapses: {}\n", sim->synapse_count());
    for (const auto& f : files) fmt::print("  wrote {}\n", f);
  }
  if (!error.empty()) {
    print_error(frontend::Code::Io, error);
    return 1;
  }
  if (failed) return 1;
  if (interrupted) {
    const int sig = g_stop_signal.load() != 0 ? g_stop_signal.load() : SIGINT;
    std::cerr << fmt::format(
        "neuro: interrupted by {} at {} of {}; the recordings so far were written\n",
        signal_name(sig), frontend::format_quantity(sim->time(), frontend::dim::time()),
        frontend::format_quantity(mod.run.duration, frontend::dim::time()));
    return 128 + sig;
  }
  return 0;
}

// `neuro plot DIR|FILE... [--out DIR]`: inputs from one folder are plotted
// together, into --out or that folder.
int cmd_plot(const std::vector<std::string>& a) {
  namespace fs = std::filesystem;
  std::vector<std::string> inputs;
  std::string out;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--out") {
      if (i + 1 >= a.size())
        return usage_error(frontend::Code::BadArgument, "--out needs a folder");
      out = a[++i];
    } else if (!a[i].empty() && a[i][0] == '-') {
      return usage_error(frontend::Code::UnknownOption,
                         fmt::format("unknown option `{}` for `plot`", a[i]));
    } else {
      inputs.push_back(a[i]);
    }
  }
  if (inputs.empty())
    return usage_error(
        frontend::Code::MissingArgument,
        "`neuro plot` needs a folder or recording files (as written by `neuro run`)");
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // (plot folder, inputs)
  for (const auto& in : inputs) {
    std::error_code ec;
    std::string dir = !out.empty()               ? out
                      : fs::is_directory(in, ec) ? in
                                                 : fs::path(in).parent_path().string();
    if (dir.empty()) dir = ".";
    auto g =
        std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == dir; });
    if (g == groups.end())
      groups.push_back({dir, {in}});
    else
      g->second.push_back(in);
  }
  for (const auto& [dir, paths] : groups) {
    io::Recordings recs;
    try {
      recs = io::read_recordings(paths);
    } catch (const io::FormatError& e) {
      print_error(frontend::Code::Io, e.what());
      return 1;
    }
    if (recs.spikes.empty() && recs.states.empty()) {
      print_error(
          frontend::Code::Io,
          fmt::format("no recordings in `{}` (expected the CSV or NPY files of `neuro run`)",
                      paths.front()));
      return 1;
    }
    std::string error;
    for (const auto& f : io::write_plots(recs, dir, error)) fmt::print("wrote {}\n", f);
    if (!error.empty()) {
      print_error(frontend::Code::Io, error);
      return 1;
    }
  }
  return 0;
}

int cmd_check(const RunArgs& args) {
  // Lowering too: some problems (a solver that cannot apply) show only there.
  auto compiled = driver::compile_file(args.file, {}, false, args.constants);
  return print_diagnostics(*compiled) ? 1 : 0;
}

// `neuro jit --emit FILE`: the generated C++ on stdout.
int cmd_jit(const RunArgs& args) {
  if (!args.emit)
    return usage_error(frontend::Code::MissingArgument,
                       "`neuro jit` needs --emit (print the generated C++)");
  ir::PipelineOptions options;
  options.overrides = args.overrides;
  auto compiled = driver::compile_file(args.file, options, false, args.constants);
  if (print_diagnostics(*compiled) || !compiled->module) return 1;
  try {
    auto sim_owned = build_simulation(compiled->module);
    Simulation& sim = *sim_owned;
    std::cout << jit_source(sim);
  } catch (const SimulationError& e) {
    std::cerr << driver::render_error(e, *compiled, stderr_color());
    return 1;
  }
  return 0;
}

// `neuro ir FILE`: the module after all passes; with --dump-after, the
// module after the named pass (or after each), under a header line; with
// --stage step, the step IR (empty before lower_step).
int cmd_ir(const RunArgs& args) {
  auto text = [&](const ir::Module& m) {
    return args.step_stage ? ir::print_step(m) : ir::print(m);
  };
  ir::PipelineOptions options;
  if (!args.dump_after.empty())
    options.dump_after = [&](const std::string& pass, const ir::Module& m) {
      if (args.dump_after == "all" || args.dump_after == pass)
        std::cout << "=== after " << pass << " ===\n" << text(m);
    };
  auto compiled = driver::compile_file(args.file, options, false, args.constants);
  if (print_diagnostics(*compiled) || !compiled->module) return 1;
  if (args.dump_after.empty()) std::cout << text(*compiled->module);
  return 0;
}

// A pass name for --dump-after, or "all".
bool known_pass(const std::string& name) {
  const auto names = ir::pass_names();
  return name == "all" || std::find(names.begin(), names.end(), name) != names.end();
}

std::string pass_list() {
  std::string list;
  for (const auto& n : ir::pass_names()) list += n + ", ";
  return list + "all";
}

// kUsage with the pass names (from the pipeline) in place of @PASSES@,
// wrapped to the width of the rest of the text.
std::string usage_text() {
  std::vector<std::string> words;
  for (const auto& n : ir::pass_names()) words.push_back(n + ",");
  words.insert(words.end(), {"or", "all", "(after", "each)."});
  const std::string indent(22, ' ');
  std::string names, line = indent;
  for (const auto& w : words) {
    if (line.size() > indent.size() && line.size() + 1 + w.size() > 78) {
      names += line + "\n";
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + w;
  }
  std::string text = kUsage;
  const std::string mark = "@PASSES@";
  text.replace(text.find(mark), mark.size(), names + line);
  return text;
}

int main_impl(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty() || a[0] == "repl") {
    if (a.size() > 1)
      return usage_error(frontend::Code::ExtraArgument,
                         "`neuro repl` takes no arguments; use `:load FILE` inside");
    return cli::run_repl();
  }
  if (a[0] == "--help" || a[0] == "-h" || a[0] == "help") {
    std::cout << usage_text();
    return 0;
  }
  if (a[0] == "--version") {
    std::cout << "neuro " << kVersion << "\n";
    return 0;
  }
  const std::string cmd = a[0];
  if (cmd == "plot") return cmd_plot(a);
  if (cmd != "run" && cmd != "check" && cmd != "ir" && cmd != "jit")
    return usage_error(frontend::Code::UnknownCommand, fmt::format("unknown command `{}`", cmd));
  RunArgs args;
  for (size_t i = 1; i < a.size(); ++i) {
    const std::string& o = a[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= a.size()) return std::nullopt;
      return a[++i];
    };
    if (cmd == "run" && (o == "--duration" || o == "--dt")) {
      auto v = value();
      auto d = v ? driver::parse_duration(*v) : std::nullopt;
      if (!d || !(*d > 0))
        return usage_error(frontend::Code::BadArgument,
                           fmt::format("{} needs a positive time such as 500ms or 0.5s", o));
      if (o == "--dt" && !driver::dt_problem(*d).empty())
        return usage_error(frontend::Code::BadArgument,
                           fmt::format("--dt {}: {}", *v, driver::dt_problem(*d)));
      (o == "--duration" ? args.overrides.duration : args.overrides.dt) = *d;
    } else if (cmd == "run" && o == "--seed") {
      auto v = value();
      char* end = nullptr;
      errno = 0;
      unsigned long long s = v ? std::strtoull(v->c_str(), &end, 10) : 0;
      if (!v || v->empty() || *end != '\0' || (*v)[0] == '-' || errno == ERANGE)
        return usage_error(frontend::Code::BadArgument,
                           "--seed needs a whole number from 0 to 18446744073709551615");
      args.overrides.seed = s;
    } else if (cmd == "run" && o == "--out") {
      auto v = value();
      if (!v) return usage_error(frontend::Code::BadArgument, "--out needs a folder");
      args.out = *v;
    } else if (cmd == "run" && o == "--backend") {
      auto v = value();
      auto b = v ? parse_backend(*v) : std::nullopt;
      if (!b) return usage_error(frontend::Code::BadArgument, "--backend needs vm, jit or auto");
      args.backend = *b;
    } else if (cmd == "run" && o == "--threads") {
      auto v = value();
      char* end = nullptr;
      unsigned long n = v ? std::strtoul(v->c_str(), &end, 10) : 0;
      if (!v || v->empty() || *end != '\0' || (*v)[0] == '-' || n < 1 || n > 256)
        return usage_error(frontend::Code::BadArgument,
                           "--threads needs a whole number from 1 to 256");
      args.threads = static_cast<unsigned>(n);
    } else if (cmd == "ir" && o == "--dump-after") {
      auto v = value();
      if (!v || !known_pass(*v)) {
        print_error(frontend::Code::BadArgument,
                    v ? fmt::format("`{}` is not a pass", *v) : "--dump-after needs a pass name",
                    "passes: " + pass_list());
        return 2;
      }
      args.dump_after = *v;
    } else if (cmd == "ir" && o == "--stage") {
      auto v = value();
      if (!v || (*v != "graph" && *v != "step"))
        return usage_error(frontend::Code::BadArgument, "--stage needs graph or step");
      args.step_stage = *v == "step";
    } else if (o == "--set") {
      // Split at the first `=`; the name and value are checked against the
      // model by the driver, like the model's own text.
      auto v = value();
      const size_t eq = v ? v->find('=') : std::string::npos;
      if (eq == std::string::npos || eq == 0)
        return usage_error(frontend::Code::BadArgument,
                           "--set needs NAME=VALUE, such as --set scale=0.1 or --set rate=8Hz");
      args.constants.push_back({v->substr(0, eq), v->substr(eq + 1)});
    } else if (cmd == "jit" && o == "--emit") {
      args.emit = true;
    } else if (cmd == "run" && o == "--json") {
      args.json = true;
    } else if (cmd == "run" && o == "--format") {
      auto v = value();
      auto f = v ? io::parse_format(*v) : std::nullopt;
      if (!f) return usage_error(frontend::Code::BadArgument, "--format needs csv or npy");
      args.format = *f;
    } else if (cmd == "run" && o == "--plot") {
      auto v = value();
      if (!v || v->empty())
        return usage_error(frontend::Code::BadArgument, "--plot needs a folder");
      args.plot = *v;
    } else if (!o.empty() && o[0] == '-') {
      return usage_error(frontend::Code::UnknownOption,
                         fmt::format("unknown option `{}` for `{}`", o, cmd));
    } else if (args.file.empty()) {
      args.file = o;
    } else {
      return usage_error(frontend::Code::ExtraArgument, fmt::format("unexpected argument `{}`", o));
    }
  }
  if (args.file.empty())
    return usage_error(frontend::Code::MissingArgument,
                       fmt::format("`neuro {}` needs a FILE", cmd));
  if (cmd == "run") return cmd_run(args);
  if (cmd == "check") return cmd_check(args);
  if (cmd == "jit") return cmd_jit(args);
  return cmd_ir(args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return main_impl(argc, argv);
  } catch (const neuro::frontend::InternalError& e) {
    std::cerr << "neuro: " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    print_error(neuro::frontend::Code::Exhausted, "out of memory");
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "neuro: internal error (a bug in neuro, please report it): " << e.what() << "\n";
    return 3;
  }
}
