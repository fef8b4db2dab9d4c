// Which backend runs a simulation's steps: the interpreter (vm), code
// generated from the IR and compiled by the system C++ compiler (jit), or
// the JIT when a run is long enough to repay the compile (auto). Both give
// bit-identical results; see docs/jit.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace neuro {

class Simulation;

enum class Backend { Vm, Jit, Auto };

std::optional<Backend> parse_backend(std::string_view text);  // "vm", "jit", "auto"
const char* backend_name(Backend b);

struct BackendReport {
  bool jit = false;    // generated code runs (some of) the step
  std::string notice;  // one line for the user (a fallback and why); empty when none
  bool cache_hit = false;
  bool repaired = false;               // a corrupt cache entry was detected and rebuilt
  double setup_s = 0;                  // generating, compiling (or finding) and loading the code
  size_t pops_native = 0, pops = 0;    // neuron populations run by generated code / in all
  size_t parts_native = 0, parts = 0;  // projection parts (on pre, on post) likewise
  size_t pops_threaded = 0;            // populations whose update is split over the threads
  size_t projs_threaded = 0;           // projections whose delivery is split (both backends)
  std::string log;                     // the compiler's output file, when it failed
};

// Puts `backend` in charge of a freshly built simulation that will run
// about `expected_steps` steps (auto uses it to weigh the compile).
// Compiler problems never throw and never lose the run: the simulation
// stays on the interpreter and the report carries a one-line notice naming
// the compiler's log. `threads` > 1 splits the spike delivery of large
// scatter-add projections (both backends) and the generated neuron updates
// of large populations (JIT) over that many threads (the same results as
// one thread; docs/jit.md, "Threads").
BackendReport use_backend(Simulation& sim, Backend backend, uint64_t expected_steps,
                          unsigned threads = 1);

// The C++ source the JIT generates for `sim` (what `neuro jit --emit` prints).
std::string jit_source(const Simulation& sim);

}  // namespace neuro
