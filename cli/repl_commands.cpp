// The REPL's meta-commands (`:load`, `:type`, `:run`, `:set`…): the table
// that `:help` prints and the prefix matching, and what each command does to
// the session. Errors with no place in the typed text are `neuro: error[…]`.
#include <fmt/format.h>

#include <cerrno>
#include <sstream>

#include "cli/repl_session.h"
#include "driver/driver.h"
#include "driver/output.h"
#include "frontend/parser.h"
#include "frontend/units.h"
#include "io/recording_files.h"

namespace neuro::cli {

using namespace frontend;

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

}  // namespace

std::vector<std::string> ReplSession::meta_commands() {
  std::vector<std::string> v;
  for (const auto& m : kMeta) v.push_back(std::string(":") + m.name);
  return v;
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
  if (hits.empty())
    return fail(Code::UnknownCommand, fmt::format("unknown command `:{}`", word),
                "`:help` lists them");
  if (hits.size() > 1) {
    std::string names;
    for (const auto* h : hits) names += fmt::format(" :{}", h->name);
    return fail(Code::Ambiguous, fmt::format("`:{}` is ambiguous:{}", word, names),
                "type more of the command's name");
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
      return fail(Code::UnknownCommand, fmt::format("no command `:{}`", a), "`:help` lists them");
    }
    std::string s =
        "Type declarations (neuron, synapse, circuit, const, fn), `run C for 100 ms`, or\n"
        "`P.v = -65 mV` to set a variable. Redefining a model swaps it into the running network.\n";
    for (const auto& m : kMeta) s += fmt::format("  :{:<8} {:<22} {}\n", m.name, m.args, m.help);
    out_(s);
  } else if (cmd == "load") {
    if (args.empty()) return fail(Code::MissingArgument, "`:load` needs a FILE");
    load(args, false);
  } else if (cmd == "reload") {
    if (files_.empty())
      return fail(Code::NothingLoaded, "nothing was loaded with `:load`", "`:load FILE` first");
    for (const auto& f : files_) load(f, true);
  } else if (cmd == "quit") {
    // handled by feed()
  } else if (cmd == "type" || cmd == "info") {
    if (args.empty())
      return fail(Code::MissingArgument, fmt::format("`:{}` needs an argument", cmd),
                  fmt::format("`:help {}` says which", cmd));
    if (cmd == "info") {
      for (const auto& e : entries_)
        if (e.name == args) {
          out_(print(*e.program.members[0]) + fmt::format("  (from {})\n", e.origin));
          return;
        }
      if (builtin_arity(args)) return out_(fmt::format("`{}` is a built-in function\n", args));
      if (auto u = lookup_unit(args))
        return out_(fmt::format("`{}` is a unit of {}\n", args, describe(u->dim)));
      return fail(Code::UnknownName, fmt::format("nothing is called `{}`", args));
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
    if (outtext.empty())
      return fail(Code::UnknownName, fmt::format("there is no population `{}`", args),
                  "`:ir` without a name shows them all");
    out_(outtext);
  } else if (cmd == "run") {
    std::optional<double> d = args.empty() ? default_run_ : driver::parse_duration(args);
    if (!d || *d < 0)
      return fail(args.empty() ? Code::MissingArgument : Code::BadArgument,
                  "`:run` needs a duration such as `100 ms`");
    if (!ensure_built()) return;
    if (const std::string why = driver::duration_problem(*d, sim_->dt()); !why.empty())
      return fail(Code::BadArgument, "`:run`: " + why);
    run_steps(sim_->steps_for(*d));
  } else if (cmd == "step") {
    long long n = 1;
    if (!args.empty()) {
      char* end = nullptr;
      n = std::strtoll(args.c_str(), &end, 10);
      if (*end != '\0' || n < 0) return fail(Code::BadArgument, "`:step` takes a number of steps");
    }
    const uint64_t done = sim_ ? sim_->step_index() : 0;
    if (const std::string why = driver::steps_problem(done, n); !why.empty())
      return fail(Code::BadArgument, "`:step`: " + why);
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
      return fail(Code::UnknownModel, "the running circuit is not declared in this session");
    // A copy of the circuit with one more recording replaces the old one.
    auto copy = std::make_shared<Member>(*it->program.members[0]);
    copy->body.push_back(p.members[0]);
    Entry e = *it;
    e.program.members = {copy};
    if (declare({e}, nullptr, "record")) out_(fmt::format("recording {}\n", args));
  } else if (cmd == "save" || cmd == "plot") {
    if (!sim_)
      return fail(Code::NotBuilt, "there is nothing recorded yet", "`:run` a circuit first");
    std::string dir = args.empty() ? (cmd == "save" ? "neuro_out" : "neuro_plots") : args;
    std::string error;
    io::Recordings recs = driver::recordings_of(*sim_);
    auto files = cmd == "save" ? io::write_recordings(recs, dir, io::Format::csv, error)
                               : io::write_plots(recs, dir, error);
    if (cmd == "plot")
      for (const auto& f : driver::write_weight_plots(*sim_, dir, error)) files.push_back(f);
    for (const auto& f : files) out_("wrote " + f + "\n");
    if (!error.empty()) fail(Code::Io, error);
  } else if (cmd == "set") {
    std::istringstream in(args);
    std::string opt, value;
    in >> opt;
    std::getline(in, value);
    const char* options = "`:set dt 0.05 ms` or `:set seed 7`";
    if (opt == "dt") {
      auto d = driver::parse_duration(value);
      if (!d || !driver::dt_problem(*d).empty())
        return fail(Code::BadArgument, "`:set dt` needs a positive time such as `0.05 ms`",
                    d ? driver::dt_problem(*d) : "");
      overrides_.dt = *d;
    } else if (opt == "seed") {
      char* end = nullptr;
      std::string v = trim(value);
      errno = 0;
      unsigned long long s = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-' || errno == ERANGE)
        return fail(Code::BadArgument, "`:set seed` needs a non-negative integer");
      overrides_.seed = s;
    } else if (opt.empty()) {
      return fail(Code::MissingArgument, "`:set` needs an option and a value", options);
    } else {
      return fail(Code::UnknownOption, fmt::format("unknown option `{}` for `:set`", opt), options);
    }
    out_(sim_ ? fmt::format("{} set; `:reset` to rebuild with it\n", opt)
              : fmt::format("{} set\n", opt));
  } else if (cmd == "reset") {
    sim_.reset();
    module_.reset();
    out_("the next :run starts at t = 0\n");
  }
}

}  // namespace neuro::cli
