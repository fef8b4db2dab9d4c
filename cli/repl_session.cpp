#include "cli/repl_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "driver/output.h"
#include "frontend/loader.h"
#include "frontend/parser.h"
#include "frontend/units.h"
#include "io/recording_files.h"
#include "ir/pipeline.h"
#include "stdlib/stdlib.h"

namespace neuro::cli {

using namespace frontend;
namespace fs = std::filesystem;

namespace {

struct Meta {
  const char* name;
  const char* args;
  const char* help;
};

const Meta kMeta[] = {
    {"help", "[command]", "show this help, or one command's"},
    {"load", "FILE", "load a file's declarations (its `run` becomes the default for :run)"},
    {"reload", "", "load the loaded files again; running networks take the new models"},
    {"quit", "", "leave the REPL"},
    {"type", "EXPR", "show the unit (dimension) of an expression, and its value when constant"},
    {"info", "NAME", "show a declaration and where it came from"},
    {"ir", "[POPULATION]", "show the IR of the network (or of one population)"},
    {"run", "DURATION", "simulate, e.g. `:run 100 ms` (Ctrl-C stops between steps)"},
    {"step", "[N]", "simulate N steps (default 1)"},
    {"record", "WHAT of POP [every T]",
     "add a recording to the running network, e.g. `:record v of P`"},
    {"plot", "[DIR]", "write SVG plots of the recordings (default: neuro_plots)"},
    {"save", "[DIR]", "write the recordings as CSV (default: neuro_out)"},
    {"set", "OPTION VALUE", "set `dt` or `seed` for the next build (:reset applies them)"},
    {"reset", "", "drop the simulation; the next :run starts again at t = 0"},
};

const char* kKeywords[] = {
    "neuron", "synapse", "circuit", "param",   "state", "let",    "spike",    "when",  "refractory",
    "unless", "solver",  "on",      "connect", "via",   "record", "of",       "every", "drive",
    "run",    "for",     "import",  "const",   "fn",    "if",     "then",     "else",  "and",
    "or",     "not",     "true",    "false",   "trace", "decays", "modulator"};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::optional<double> parse_time(const std::string& text) {
  std::string t = trim(text);
  size_t pos = 0;
  double v;
  try {
    v = std::stod(t, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = trim(t.substr(pos));
  if (unit.empty()) return v;
  auto u = lookup_unit(unit);
  if (!u || u->dim != dim::time()) return std::nullopt;
  return v * u->scale;
}

std::string time_text(double s) {
  return format_quantity(s, dim::time());
}

}  // namespace

ReplSession::ReplSession(Sink out, Sink err) : out_(std::move(out)), err_(std::move(err)) {}
ReplSession::~ReplSession() = default;

std::vector<std::string> ReplSession::meta_commands() {
  std::vector<std::string> v;
  for (const auto& m : kMeta) v.push_back(std::string(":") + m.name);
  return v;
}

void ReplSession::report(const Diagnostics& d) {
  if (!d.list().empty()) err_(render_all(d, sources_));
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
  return check_program(lp, diags, *out);
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
      err_(circuits.empty()
               ? "error: there is no circuit to simulate; declare one with `circuit Name { … }`\n"
               : "error: there are several circuits; say which with `run Name for 10 ms`\n");
      return false;
    }
    circuit_ = circuits[0];
  }
  ir::PipelineOptions opt;
  opt.overrides = overrides_;
  opt.overrides.circuit = circuit_;
  Diagnostics d;
  auto mod = ir::build_module(*checked_, opt, d);
  report(d);
  if (!mod) return false;
  auto shared = std::make_shared<ir::Module>(std::move(*mod));
  try {
    auto fresh = std::make_unique<Simulation>(shared);
    if (carry && sim_) {
      auto notes = fresh->adopt_state(*sim_);
      if (notes.empty()) out_("  every state variable carried over\n");
      for (const auto& n : notes) out_("  " + n + "\n");
    }
    sim_ = std::move(fresh);
    module_ = shared;
  } catch (const SimulationError& e) {
    err_(fmt::format("error[E0400]: {}\n", e.what()));
    return false;
  }
  return true;
}

bool ReplSession::ensure_built() {
  return sim_ || rebuild(false);
}

void ReplSession::run_steps(uint64_t steps) {
  if (!ensure_built()) return;
  interrupt = false;
  uint64_t done = 0;
  try {
    done = sim_->run(steps, &interrupt);
  } catch (const SimulationError& e) {
    err_(fmt::format("error[E0400]: {}\n", e.what()));
    return;
  }
  if (done < steps) out_(fmt::format("interrupted after {} of {} steps\n", done, steps));
  std::string line = fmt::format("t = {}", time_text(sim_->time()));
  for (const auto& p : sim_->population_stats())
    line += fmt::format("  {}: {} spikes", p.name, p.spikes);
  out_(line + "\n");
}

// `P.v = -65 mV` at the prompt sets a variable of every neuron of P.
void ReplSession::statement(const Stmt& s, uint32_t file) {
  if (s.kind != Stmt::Assign || s.object.empty()) {
    err_("error: at the prompt, assign to a population's variable, e.g. `P.v = -65 mV`\n");
    return;
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
    err_(fmt::format("error: there is no variable `{}.{}` in the running network\n", pop, var));
    return;
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
    err_(fmt::format("error: `{}.{}` is shared by every neuron; assign it with `=`\n", pop, var));
    return;
  }
  overrides_.params[{pop, var}] = value;
  out_(fmt::format("`{}.{}` = {} (the population's code is rebuilt; state carried over)\n", pop,
                   var, format_quantity(value, target->dim)));
  rebuild(true);
}

void ReplSession::load(const std::string& path, bool reload) {
  Diagnostics d;
  Loader loader(sources_, d, [](const std::string& n) { return stdlib::find(n); });
  auto lp = loader.load_file(path);
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

ReplSession::Result ReplSession::feed(const std::string& text, bool final) {
  std::string t = trim(text);
  if (t.empty()) return Result::Done;
  if (t[0] == ':') {
    if (t == ":q" || t == ":quit" || t == ":qu" || t == ":qui") return Result::Quit;
    meta(t);
    return Result::Done;
  }
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
        Loader loader(sources_, di, [](const std::string& n) { return stdlib::find(n); });
        auto lp = loader.load_text(fmt::format("<repl:{}>", inputs_), "import " + m->name + "\n");
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

void ReplSession::meta(const std::string& line) {
  std::string word = line.substr(1, line.find_first_of(" \t") == std::string::npos
                                        ? std::string::npos
                                        : line.find_first_of(" \t") - 1);
  std::string args = line.size() > word.size() + 1 ? trim(line.substr(word.size() + 1)) : "";
  // Any unambiguous prefix names a command.
  std::vector<const Meta*> hits;
  for (const auto& m : kMeta) {
    if (word == m.name) {
      hits = {&m};
      break;
    }
    if (!word.empty() && std::string(m.name).rfind(word, 0) == 0) hits.push_back(&m);
  }
  if (hits.empty()) {
    err_(fmt::format("error: unknown command `:{}`; `:help` lists them\n", word));
    return;
  }
  if (hits.size() > 1) {
    std::string names;
    for (const auto* h : hits) names += fmt::format(" :{}", h->name);
    err_(fmt::format("error: `:{}` is ambiguous:{}\n", word, names));
    return;
  }
  const std::string cmd = hits[0]->name;
  if (cmd == "help") {
    if (!args.empty()) {
      std::string a = args[0] == ':' ? args.substr(1) : args;
      for (const auto& m : kMeta)
        if (a == m.name) {
          out_(fmt::format(":{} {}\n    {}\n", m.name, m.args, m.help));
          return;
        }
      err_(fmt::format("error: no command `:{}`\n", a));
      return;
    }
    std::string s =
        "Type declarations (neuron, synapse, circuit, const, fn), `run C for 100 ms`, or\n"
        "`P.v = -65 mV` to set a variable. Redefining a model swaps it into the running network.\n";
    for (const auto& m : kMeta) s += fmt::format("  :{:<8} {:<22} {}\n", m.name, m.args, m.help);
    out_(s);
  } else if (cmd == "load") {
    if (args.empty()) return err_("error: `:load` needs a FILE\n");
    load(args, false);
  } else if (cmd == "reload") {
    if (files_.empty()) return err_("error: nothing was loaded with `:load`\n");
    for (const auto& f : files_) load(f, true);
  } else if (cmd == "quit") {
    // handled by feed()
  } else if (cmd == "type" || cmd == "info") {
    if (args.empty()) return err_(fmt::format("error: `:{}` needs an argument\n", cmd));
    if (cmd == "info") {
      for (const auto& e : entries_)
        if (e.name == args) {
          out_(print(*e.program.members[0]) + fmt::format("  (from {})\n", e.origin));
          return;
        }
      if (builtin_arity(args)) return out_(fmt::format("`{}` is a built-in function\n", args));
      if (auto u = lookup_unit(args))
        return out_(fmt::format("`{}` is a unit of {}\n", args, describe(u->dim)));
      return err_(fmt::format("error: nothing is called `{}`\n", args));
    }
    ++inputs_;
    uint32_t id = sources_.add(fmt::format("<repl:{}>", inputs_), "", args + "\n");
    Diagnostics d;
    ExprPtr e = parse_expression(sources_, id, d);
    if (!e) return report(d);
    // Typed as the value of a constant of the session, which it is not.
    auto c = std::make_shared<Member>();
    c->kind = MemberKind::Const;
    c->name = "__repl_type";
    c->name_range = c->range = e->range;
    c->value = e;
    Program p;
    p.file = id;
    p.members = {c};
    std::vector<Entry> all = entries_;
    all.push_back({"const __repl_type", "__repl_type", p, "<repl>"});
    std::unique_ptr<CheckedProgram> cp;
    check(all, nullptr, d, cp);
    Member* m = p.members[0].get();
    // The value need not be constant to have a type: drop only that complaint.
    Diagnostics rest;
    for (const auto& diag : d.list())
      if (!(diag.code == Code::NotConstant && diag.range.file == id))
        rest.error(diag.code, diag.range, diag.message, diag.hint);
    if (rest.has_errors() || !cp || !cp->decl_types.count(m)) {
      report(rest);
    } else {
      const Type& t = cp->decl_types.at(m);
      std::string s = fmt::format("{} : {}", args, describe(t));
      if (cp->const_values.count(m))
        s += t.kind == Type::Bool ? (cp->const_values.at(m) != 0 ? " = true" : " = false")
                                  : " = " + format_quantity(cp->const_values.at(m), t.dim);
      out_(s + "\n");
    }
    Diagnostics ignore;
    check(entries_, nullptr, ignore, checked_);
  } else if (cmd == "ir") {
    if (!module_) {
      if (!rebuild(false)) return;
    }
    std::string text = ir::print(*module_);
    if (args.empty()) return out_(text);
    std::istringstream in(text);
    std::string l, outtext;
    bool inside = false;
    while (std::getline(in, l)) {
      if (l.rfind("population " + args + " ", 0) == 0)
        inside = true;
      else if (l.empty())
        inside = false;
      if (inside) outtext += l + "\n";
    }
    if (outtext.empty()) return err_(fmt::format("error: there is no population `{}`\n", args));
    out_(outtext);
  } else if (cmd == "run") {
    std::optional<double> d = args.empty() ? default_run_ : parse_time(args);
    if (!d || *d < 0) return err_("error: `:run` needs a duration such as `100 ms`\n");
    if (!ensure_built()) return;
    run_steps(sim_->steps_for(*d));
  } else if (cmd == "step") {
    long long n = 1;
    if (!args.empty()) {
      char* end = nullptr;
      n = std::strtoll(args.c_str(), &end, 10);
      if (*end != '\0' || n < 0) return err_("error: `:step` takes a number of steps\n");
    }
    run_steps(static_cast<uint64_t>(n));
  } else if (cmd == "record") {
    if (!ensure_built()) return;
    ++inputs_;
    uint32_t id = sources_.add(fmt::format("<repl:{}>", inputs_), "", "record " + args + "\n");
    Diagnostics d;
    Program p = parse_file(sources_, id, d);
    if (d.has_errors() || p.members.empty()) return report(d);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return e.name == circuit_; });
    if (it == entries_.end())
      return err_("error: the running circuit is not declared in this session\n");
    // A copy of the circuit with one more recording replaces the old one.
    auto copy = std::make_shared<Member>(*it->program.members[0]);
    copy->body.push_back(p.members[0]);
    Entry e = *it;
    e.program.members = {copy};
    if (declare({e}, nullptr, "record")) out_(fmt::format("recording {}\n", args));
  } else if (cmd == "save" || cmd == "plot") {
    if (!sim_) return err_("error: there is nothing recorded yet\n");
    std::string dir = args.empty() ? (cmd == "save" ? "neuro_out" : "neuro_plots") : args;
    std::string error;
    io::Recordings recs = driver::recordings_of(*sim_);
    auto files = cmd == "save" ? io::write_recordings(recs, dir, io::Format::csv, error)
                               : io::write_plots(recs, dir, error);
    if (cmd == "plot")
      for (const auto& f : driver::write_weight_plots(*sim_, dir, error)) files.push_back(f);
    for (const auto& f : files) out_("wrote " + f + "\n");
    if (!error.empty()) err_("error: " + error + "\n");
  } else if (cmd == "set") {
    std::istringstream in(args);
    std::string opt, value;
    in >> opt;
    std::getline(in, value);
    if (opt == "dt") {
      auto d = parse_time(value);
      if (!d || *d <= 0) return err_("error: `:set dt` needs a positive time such as `0.05 ms`\n");
      overrides_.dt = *d;
    } else if (opt == "seed") {
      char* end = nullptr;
      std::string v = trim(value);
      unsigned long long s = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-')
        return err_("error: `:set seed` needs a non-negative integer\n");
      overrides_.seed = s;
    } else {
      return err_("error: options: `:set dt 0.05 ms`, `:set seed 7`\n");
    }
    out_(sim_ ? fmt::format("{} set; `:reset` to rebuild with it\n", opt)
              : fmt::format("{} set\n", opt));
  } else if (cmd == "reset") {
    sim_.reset();
    module_.reset();
    out_("the next :run starts at t = 0\n");
  }
}

std::vector<std::string> ReplSession::complete(const std::string& line) const {
  std::vector<std::string> out;
  size_t start = line.find_last_of(" \t(,[{");
  std::string word = start == std::string::npos ? line : line.substr(start + 1);
  auto add = [&](const std::string& c) {
    if (c.rfind(word, 0) == 0 && std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  };
  if (line.rfind(":load ", 0) == 0) {
    fs::path p(word);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = (p.has_parent_path() ? (dir / e.path().filename()).string()
                                              : e.path().filename().string());
      if (e.is_directory())
        name += "/";
      else if (e.path().extension() != ".neuro")
        continue;
      add(name);
    }
  } else if (!line.empty() && line[0] == ':' && start == std::string::npos) {
    for (const auto& m : meta_commands()) add(m);
  } else {
    for (const char* k : kKeywords) add(k);
    for (const auto& e : entries_) add(e.name);
    if (module_)
      for (const auto& p : module_->pops) {
        add(p.name);
        if (p.kernel >= 0) {
          for (const auto& v : module_->kernels[p.kernel].states) add(p.name + "." + v.name);
          for (const auto& v : module_->kernels[p.kernel].params) add(p.name + "." + v.name);
        }
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace neuro::cli
