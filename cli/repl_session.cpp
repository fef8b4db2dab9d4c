// The REPL session's language side: typed declarations are checked with
// what the session already holds, a `run` statement and `P.v = …` act on the
// live simulation, and a redefined model is swapped into the running network.
// The meta-commands are in repl_commands.cpp, completion in repl_completion.cpp.
#include "cli/repl_session.h"

#include <fmt/format.h>

#include <algorithm>

#include "driver/driver.h"
#include "frontend/parser.h"
#include "frontend/units.h"
#include "interpreter/build_simulation.h"

namespace neuro::cli {

using namespace frontend;

namespace {

std::string time_text(double s) {
  return format_quantity(s, dim::time());
}

}  // namespace

ReplSession::ReplSession(Sink out, Sink err) : out_(std::move(out)), err_(std::move(err)) {}
ReplSession::~ReplSession() = default;

std::string ReplSession::trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

void ReplSession::report(const Diagnostics& d) {
  if (!d.list().empty()) err_(render_all(d, sources_));
}

void ReplSession::fail(Code code, const std::string& message, const std::string& hint) {
  err_(render(placeless(code, message, hint)));
}

void ReplSession::report(const SimulationError& e) {
  Diagnostics d;
  const Diagnostic one = driver::diagnostic_of(e);
  d.error(one.code, one.range, one.message);
  report(d);
}

std::vector<ReplSession::Entry> ReplSession::entries_from(const Program& p,
                                                          const std::string& origin) const {
  std::vector<Entry> out;
  for (const auto& m : p.members) {
    if (m->kind == MemberKind::Run || m->kind == MemberKind::Import) continue;
    Entry e;
    e.name = m->name;
    e.key = m->kind == MemberKind::Model ? std::string(model_keyword(m->model_kind)) + " " + m->name
                                         : std::string(member_keyword(m->kind)) + " " + m->name;
    e.program.file = p.file;
    e.program.members = {m};
    e.origin = origin;
    out.push_back(std::move(e));
  }
  return out;
}

bool ReplSession::check(std::vector<Entry>& entries, const Program* run_stmt, Diagnostics& diags,
                        std::unique_ptr<CheckedProgram>& out) {
  LoadedProgram lp;
  for (auto& e : entries) lp.modules.push_back(e.program);
  if (run_stmt) lp.modules.push_back(*run_stmt);
  lp.root_file = run_stmt ? run_stmt->file : 0;
  out = std::make_unique<CheckedProgram>();
  return driver::check(lp, diags, *out);
}

// Adds or replaces declarations; a running network takes the new models.
bool ReplSession::declare(std::vector<Entry> incoming, const Program* run_stmt,
                          const std::string& what) {
  std::vector<Entry> candidate = entries_;
  std::vector<std::string> replaced;
  for (auto& in : incoming) {
    auto it = std::find_if(candidate.begin(), candidate.end(),
                           [&](const Entry& e) { return e.name == in.name; });
    if (it != candidate.end()) {
      replaced.push_back(in.key);
      *it = std::move(in);
    } else {
      candidate.push_back(std::move(in));
    }
  }
  Diagnostics d;
  std::unique_ptr<CheckedProgram> cp;
  if (!check(candidate, run_stmt, d, cp)) {
    report(d);
    if (sim_ && !replaced.empty()) err_("the running network keeps the previous definitions\n");
    // The checker annotates the AST in place: check the kept set again so
    // its annotations point at kept declarations only.
    Diagnostics ignore;
    check(entries_, nullptr, ignore, checked_);
    return false;
  }
  report(d);
  entries_ = std::move(candidate);
  checked_ = std::move(cp);
  if (sim_ && !replaced.empty()) {
    out_(fmt::format(
        "redefined {} in the running network (t = {})\n",
        [&] {
          std::string s;
          for (const auto& r : replaced) s += (s.empty() ? "" : ", ") + r;
          return s;
        }(),
        time_text(sim_->time())));
    if (!rebuild(true)) return false;
  } else if (sim_ && !incoming.empty()) {
    // New declarations change nothing that runs, but the module must see them.
    Diagnostics ignore;
    check(entries_, nullptr, ignore, checked_);
  }
  (void)what;
  return true;
}

bool ReplSession::rebuild(bool carry) {
  if (!checked_) {
    Diagnostics ignore;
    check(entries_, nullptr, ignore, checked_);
  }
  if (circuit_.empty()) {
    std::vector<std::string> circuits;
    for (Member* m : checked_->models)
      if (m->model_kind == ModelKind::Circuit) circuits.push_back(m->name);
    if (circuits.size() != 1) {
      if (circuits.empty())
        fail(Code::Missing, "there is no circuit to simulate",
             "declare one with `circuit Name { … }`");
      else
        fail(Code::Missing, "there are several circuits", "say which with `run Name for 10 ms`");
      return false;
    }
    circuit_ = circuits[0];
  }
  ir::PipelineOptions opt;
  opt.overrides = overrides_;
  opt.overrides.circuit = circuit_;
  Diagnostics d;
  auto shared = driver::lower(*checked_, opt, d);
  report(d);
  if (!shared) return false;
  try {
    auto fresh = build_simulation(shared);
    if (carry && sim_) {
      auto notes = fresh->adopt_state(*sim_);
      if (notes.empty()) out_("  every state variable carried over\n");
      for (const auto& n : notes) out_("  " + n + "\n");
    }
    sim_ = std::move(fresh);
    module_ = shared;
  } catch (const SimulationError& e) {
    report(e);
    return false;
  }
  return true;
}

bool ReplSession::ensure_built() {
  return sim_ || rebuild(false);
}

void ReplSession::run_steps(uint64_t steps) {
  if (!ensure_built()) return;
  // `interrupt` is cleared by the caller when the line is read, not here: a
  // Ctrl-C between reading the line and starting the run stops it too. A
  // run consumes it, so the next run of the same input starts afresh.
  uint64_t done = 0;
  try {
    done = sim_->run(steps, &interrupt);
  } catch (const SimulationError& e) {
    interrupt = false;
    report(e);
    return;
  }
  interrupt = false;
  if (done < steps) out_(fmt::format("interrupted after {} of {} steps\n", done, steps));
  std::string line = fmt::format("t = {}", time_text(sim_->time()));
  for (const auto& p : sim_->population_stats())
    line += fmt::format("  {}: {} spikes", p.name, p.spikes);
  out_(line + "\n");
}

// `P.v = -65 mV` at the prompt sets a variable of every neuron of P.
void ReplSession::statement(const Stmt& s, uint32_t file) {
  if (s.kind != Stmt::Assign || s.object.empty()) {
    Diagnostics d;
    d.error(Code::Placement, s.range, "at the prompt, assign to a population's variable",
            "for example `P.v = -65 mV`");
    return report(d);
  }
  if (!ensure_built()) return;
  std::string pop = s.object, var = s.target;
  const ir::Variable* target = nullptr;
  bool is_param = false;
  for (const auto& p : module_->pops)
    if (p.name == pop && p.kernel >= 0) {
      const auto& k = module_->kernels[p.kernel];
      for (const auto& v : k.states)
        if (v.name == var) target = &v;
      for (const auto& v : k.params)
        if (v.name == var) target = &v, is_param = true;
    }
  if (!target) {
    Diagnostics d;
    d.error(Code::UnknownName, s.range,
            fmt::format("there is no variable `{}.{}` in the running network", pop, var),
            "`:ir` shows the populations and their variables");
    return report(d);
  }
  // Type and fold the value as a constant of the session.
  auto m = std::make_shared<Member>();
  m->kind = MemberKind::Const;
  m->name = "__repl_value";
  m->name_range = s.range;
  m->range = s.range;
  m->value = s.value;
  Program p;
  p.file = file;
  p.members = {m};
  std::vector<Entry> all = entries_;
  all.push_back({"const __repl_value", "__repl_value", p, "<repl>"});
  Diagnostics d;
  std::unique_ptr<CheckedProgram> cp;
  bool ok = check(all, nullptr, d, cp);
  if (ok && cp->decl_types.at(m.get()).dim != target->dim) {
    d.error(Code::UnitMismatch, s.value->range,
            fmt::format("unit mismatch: `{}.{}` is {}, but this is {}", pop, var,
                        describe(target->dim), describe(cp->decl_types.at(m.get()))));
    ok = false;
  }
  report(d);
  Diagnostics ignore;
  check(entries_, nullptr, ignore, checked_);  // restore annotations
  if (!ok) return;
  double value = cp->const_values.at(m.get());
  double* a = is_param ? sim_->param_array(pop, var) : sim_->state_array(pop, var);
  size_t n = sim_->population_size(pop);
  if (a) {
    for (size_t i = 0; i < n; ++i) {
      switch (s.op) {
        case AssignOp::Set:
          a[i] = value;
          break;
        case AssignOp::Add:
          a[i] += value;
          break;
        case AssignOp::Sub:
          a[i] -= value;
          break;
        case AssignOp::Mul:
          a[i] *= value;
          break;
        case AssignOp::Div:
          a[i] /= value;
          break;
      }
    }
    return;
  }
  if (s.op != AssignOp::Set) {
    Diagnostics d;
    d.error(Code::NotAssignable, s.range,
            fmt::format("`{}.{}` is shared by every neuron", pop, var), "assign it with `=`");
    return report(d);
  }
  overrides_.params[{pop, var}] = value;
  out_(fmt::format("`{}.{}` = {} (the population's code is rebuilt; state carried over)\n", pop,
                   var, format_quantity(value, target->dim)));
  rebuild(true);
}

void ReplSession::load(const std::string& path, bool reload) {
  Diagnostics d;
  auto lp = driver::load_file_into(sources_, d, path);
  if (!lp || d.has_errors()) {
    report(d);
    return;
  }
  std::vector<Entry> incoming;
  const Program* run = nullptr;
  for (auto& prog : lp->modules) {
    auto es = entries_from(prog, prog.file == lp->root_file ? path : "imported by " + path);
    for (auto& e : es) incoming.push_back(std::move(e));
    if (prog.file == lp->root_file)
      for (const auto& m : prog.members)
        if (m->kind == MemberKind::Run) run = &prog;
  }
  keep_.push_back(
      std::make_shared<Program>());  // the loaded program's nodes are shared by the entries
  size_t before = entries_.size();
  Program run_only;
  if (run) {
    run_only.file = run->file;
    for (const auto& m : run->members)
      if (m->kind == MemberKind::Run) run_only.members.push_back(m);
  }
  if (!declare(std::move(incoming), run ? &run_only : nullptr, path)) return;
  if (run && checked_) {
    // The file's run statement sets the circuit and defaults for :run.
    Diagnostics ignore;
    std::unique_ptr<CheckedProgram> cp;
    check(entries_, &run_only, ignore, cp);
    const RunInfo& ri = cp->run_info;
    if (ri.circuit && circuit_.empty()) circuit_ = ri.circuit->name;
    if (ri.has_dt && !sim_) overrides_.dt = ri.dt;
    if (ri.has_seed && !sim_) overrides_.seed = static_cast<uint64_t>(ri.seed);
    default_run_ = ri.duration;
    Diagnostics again;
    check(entries_, nullptr, again, checked_);
  }
  if (!reload && std::find(files_.begin(), files_.end(), path) == files_.end())
    files_.push_back(path);
  out_(fmt::format("loaded {} ({} declarations{})\n", path,
                   entries_.size() >= before ? entries_.size() - before : 0,
                   run ? "; `:run` uses its run statement" : ""));
}

int ReplSession::open_brackets(const std::string& text) {
  if (text.size() < scan_.seen) scan_ = {};
  BracketScan& s = scan_;
  for (size_t i = s.seen; i < text.size(); ++i) {
    const char c = text[i];
    if (s.block_comment) {  // /* … */
      if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') s.block_comment = false, ++i;
      continue;
    }
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '#' || (c == '/' && next == '/')) {  // to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '/' && next == '*') {
      s.block_comment = true;
      ++i;
    } else if (c == '"') {  // a string, on one line, with \-escapes
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '(' || c == '[' || c == '{') {
      ++s.depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --s.depth;
    } else if (c == '\n') {
      ++s.lines;
    }
  }
  s.seen = text.size();
  return s.block_comment ? std::max(s.depth, 1) : s.depth;
}

ReplSession::Result ReplSession::feed(const std::string& text, bool final) {
  Result r = feed_construct(text, final);
  if (r != Result::NeedMore) scan_ = {};  // the next input starts a new construct
  return r;
}

ReplSession::Result ReplSession::feed_construct(const std::string& text, bool final) {
  std::string t = trim(text);
  if (t.empty()) return Result::Done;
  if (t[0] == ':') {
    if (t == ":q" || t == ":quit" || t == ":qu" || t == ":qui") return Result::Quit;
    meta(t);
    return Result::Done;
  }
  // Unclosed brackets in a long construct: more is coming, no need to parse
  // again until it has doubled.
  if (!final && open_brackets(text) > 0 && scan_.lines > 64 && scan_.lines < 2 * scan_.parsed_at)
    return Result::NeedMore;
  scan_.parsed_at = scan_.lines;
  ++inputs_;
  uint32_t id = sources_.add(fmt::format("<repl:{}>", inputs_), "", text);
  Diagnostics d;
  bool incomplete = false;
  Program p = parse_repl(sources_, id, d, incomplete);
  if (incomplete && final) {
    parse_file(sources_, id, d);  // reports where the input ran out
    report(d);
    return Result::Done;
  }
  if (incomplete) {
    --inputs_;
    return Result::NeedMore;
  }
  if (d.has_errors()) {
    report(d);
    return Result::Done;
  }
  std::vector<Entry> incoming;
  Program run_stmt;
  run_stmt.file = id;
  for (const auto& m : p.members) {
    if (m->kind == MemberKind::Import) {
      if (m->import_is_path) {
        load(m->name, false);
      } else {
        Diagnostics di;
        auto lp = driver::load_text_into(sources_, di, fmt::format("<repl:{}>", inputs_),
                                         "import " + m->name + "\n");
        if (!lp || di.has_errors()) {
          report(di);
          continue;
        }
        for (auto& prog : lp->modules)
          for (auto& e : entries_from(prog, "<" + m->name + ">")) incoming.push_back(std::move(e));
      }
    } else if (m->kind == MemberKind::Run) {
      run_stmt.members.push_back(m);
    } else {
      Program one;
      one.file = id;
      one.members = {m};
      for (auto& e : entries_from(one, fmt::format("<repl:{}>", inputs_)))
        incoming.push_back(std::move(e));
      if (m->kind != MemberKind::Const && m->kind != MemberKind::Func &&
          m->kind != MemberKind::Model) {
        // Misplaced at the prompt: let the checker say so with its usual message.
        Entry e{"misplaced", "", one, ""};
        incoming.push_back(e);
      }
    }
  }
  const bool has_run = !run_stmt.members.empty();
  if (!incoming.empty() || has_run) {
    if (!declare(std::move(incoming), has_run ? &run_stmt : nullptr, "input")) return Result::Done;
    if (has_run) {
      Diagnostics ignore;
      std::unique_ptr<CheckedProgram> cp;
      check(entries_, &run_stmt, ignore, cp);
      const RunInfo ri = cp->run_info;
      Diagnostics again;
      check(entries_, nullptr, again, checked_);
      std::string name = ri.circuit ? ri.circuit->name : "";
      if (sim_ && name != circuit_) {
        sim_.reset();
        module_.reset();
      }
      circuit_ = name;
      if (!sim_) {
        if (ri.has_dt) overrides_.dt = ri.dt;
        if (ri.has_seed) overrides_.seed = static_cast<uint64_t>(ri.seed);
      }
      if (ensure_built()) run_steps(sim_->steps_for(ri.duration));
    }
  }
  for (const auto& s : p.stmts) statement(*s, id);
  return Result::Done;
}

}  // namespace neuro::cli
