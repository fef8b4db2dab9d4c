// The REPL's state and its meaning of each input, apart from the terminal:
// declarations accumulate (a new declaration of a name replaces the old
// one), statements and meta-commands act on the live simulation, and a
// redefined model is swapped into the running network (hot redefinition).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/lower.h"
#include "neuro/simulation.h"

namespace neuro::cli {

class ReplSession {
 public:
  using Sink = std::function<void(const std::string&)>;
  ReplSession(Sink out, Sink err);
  ~ReplSession();

  enum class Result { Done, NeedMore, Quit };
  // One input: a meta-command line, or language text (possibly several
  // lines). NeedMore when the text stops in the middle of a construct.
  // With `final`, input that stops mid-construct is an error (end of a piped transcript).
  Result feed(const std::string& text, bool final = false);

  // Completions for the word that ends `line` (meta-commands, keywords,
  // declared names, population variables, file paths after `:load`).
  std::vector<std::string> complete(const std::string& line) const;

  // Set while a run is in progress to stop it between steps (Ctrl-C).
  std::atomic<bool> interrupt{false};

  static std::vector<std::string> meta_commands();
  // The running simulation, or null (for tests and the API).
  const Simulation* simulation() const { return sim_.get(); }

 private:
  // Brackets still open in the input fed so far (the caller appends a line
  // at a time to one construct). A long construct that is plainly
  // unfinished is parsed again only when its length has doubled, not at
  // every line (5000 lines took minutes); a short one at every line, so a
  // mistake is reported as soon as it is typed.
  struct BracketScan {
    size_t seen = 0;  // bytes of the construct scanned
    int depth = 0;
    bool block_comment = false;
    size_t lines = 0, parsed_at = 0;  // lines scanned; lines at the last parse
  };
  BracketScan scan_;
  int open_brackets(const std::string& text);
  Result feed_construct(const std::string& text, bool final);
  struct Entry {
    std::string key;   // "neuron LIF", "const tau"…
    std::string name;  // the declared name
    frontend::Program program;
    std::string origin;  // "<repl:3>" or the file it came from
  };

  bool declare(std::vector<Entry> incoming, const frontend::Program* run_stmt,
               const std::string& what);
  bool check(std::vector<Entry>& entries, const frontend::Program* run_stmt,
             frontend::Diagnostics& diags, std::unique_ptr<frontend::CheckedProgram>& out);
  bool rebuild(bool carry);
  bool ensure_built();
  void run_steps(uint64_t steps);
  void statement(const frontend::Stmt& s, uint32_t file);
  void meta(const std::string& line);
  void load(const std::string& path, bool reload);
  void report(const frontend::Diagnostics& d);
  void report(const SimulationError& e);  // E0400, pointing into the typed text
  // An error with no place in the typed text: `neuro: error[CODE]: …`.
  void fail(frontend::Code code, const std::string& message, const std::string& hint = {});
  std::vector<Entry> entries_from(const frontend::Program& p, const std::string& origin) const;
  static std::string trim(const std::string& s);

  Sink out_, err_;
  frontend::SourceManager sources_;
  std::vector<Entry> entries_;
  std::vector<std::string> files_;  // loaded with :load, for :reload
  std::unique_ptr<frontend::CheckedProgram> checked_;
  std::vector<std::shared_ptr<frontend::Program>> keep_;  // parsed inputs the entries point into
  ir::RunOverrides overrides_;
  std::string circuit_;                // the circuit being simulated
  std::optional<double> default_run_;  // duration of the last `run` of a loaded file
  std::shared_ptr<ir::Module> module_;
  std::unique_ptr<Simulation> sim_;
  int inputs_ = 0;
};

}  // namespace neuro::cli
