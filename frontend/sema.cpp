// The checker's entry point, check_program, and the checks of the program as
// a whole: its global names, constants in any order and the `run` statement,
// with the helpers every part of the Checker uses. Models and circuits have
// files of their own (sema_model.cpp, sema_circuit.cpp, sema_connect.cpp).
#include "frontend/sema.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

bool Checker::declare_local(Scope& scope, Member& m, NameRef::Kind kind, const Type& t) {
  if (is_reserved_name(m.name)) {
    diags_.error(Code::Reserved, m.name_range,
                 fmt::format("`{}` is a name the language reserves", m.name), "pick another name");
    return false;
  }
  auto it = scope.names.find(m.name);
  if (it != scope.names.end()) {
    auto& d =
        diags_.error(Code::Duplicate, m.name_range, fmt::format("`{}` is declared twice", m.name));
    if (it->second.decl) d.notes.push_back({it->second.decl->name_range, "first declared here"});
    return false;
  }
  scope.names[m.name] = {kind, &m, t};
  if (m.kind != MemberKind::Bind) ec_.decl_types[&m] = t;
  return true;
}

void Checker::declare_globals(const LoadedProgram& lp) {
  for (const auto& prog : lp.modules) {
    bool root = prog.file == lp.root_file;
    for (const auto& mp : prog.members) {
      Member& m = *mp;
      if (m.kind == MemberKind::Run) {
        if (!root) continue;  // an imported file's run statement is not ours
        if (out_.run) {
          auto& d = diags_.error(Code::Duplicate, m.name_range, "a file holds one `run` statement");
          d.notes.push_back({out_.run->name_range, "the first one is here"});
        } else {
          out_.run = &m;
        }
        continue;
      }
      if (m.kind != MemberKind::Const && m.kind != MemberKind::Func &&
          m.kind != MemberKind::Model && m.kind != MemberKind::Modulator)
        continue;
      if (is_reserved_name(m.name) || m.name == "poisson" || m.name == "spike_generator" ||
          m.name == "layer" || m.name == "dense") {
        diags_.error(Code::Reserved, m.name_range,
                     fmt::format("`{}` is a name the language reserves", m.name),
                     "pick another name");
        continue;
      }
      auto [it, fresh] = out_.globals.emplace(m.name, &m);
      if (!fresh) {
        auto& d = diags_.error(Code::Duplicate, m.name_range,
                               fmt::format("`{}` is declared twice", m.name));
        d.notes.push_back({it->second->name_range, "first declared here"});
        continue;
      }
      if (m.kind == MemberKind::Model) out_.models.push_back(&m);
    }
  }
  // Function parameters must not hide the language's names.
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Func)
        for (size_t k = 0; k < mp->params.size(); ++k)
          if (is_reserved_name(mp->params[k]))
            diags_.error(Code::Reserved, mp->param_ranges[k],
                         fmt::format("`{}` is a name the language reserves", mp->params[k]),
                         "pick another name");
  // Constants in any order: each is checked when first used, or here.
  std::set<Member*> in_progress, attempted;
  ec_.ensure_const = [this, in_progress, attempted](Member* m) mutable {
    if (ec_.decl_types.count(m)) return;
    if (!in_progress.count(m) && !attempted.insert(m).second) return;  // failed before: reported
    if (!in_progress.insert(m).second) {
      diags_.error(Code::DerivedCycle, m->name_range,
                   fmt::format("the value of `{}` depends on itself", m->name),
                   "give one of the constants involved a value that does not refer back");
      return;
    }
    Scope global;
    check_const(*m, global);
    in_progress.erase(m);
  };
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Const && out_.globals[mp->name] == mp.get())
        ec_.ensure_const(mp.get());
  // Modulators change during the run (a drive or the host sets them); their
  // initial value is checked like a constant's.
  for (const auto& prog : lp.modules)
    for (const auto& mp : prog.members)
      if (mp->kind == MemberKind::Modulator && out_.globals[mp->name] == mp.get())
        ec_.ensure_const(mp.get());
}

void Checker::check_const(Member& m, Scope& scope) {
  Type t = ec_.check(*m.value, scope);
  if (!t.ok()) return;
  if (t.kind != Type::Quantity && t.kind != Type::Bool) {
    diags_.error(Code::TypeMismatch, m.value->range,
                 "a constant is a number with a unit, or a condition");
    return;
  }
  // A value set from outside replaces the expression once the expression's
  // own type is known, so that the two can be compared.
  replace_const(m, t);
  ec_.decl_types[&m] = t;  // known even when the value is not (the REPL's :type)
  auto v = ec_.constant(*m.value);
  if (!v) {
    diags_.error(Code::NotConstant, m.value->range,
                 fmt::format("the value of `{}` must be known before the run", m.name),
                 "constants are made of numbers, other constants and math functions");
    return;
  }
  ec_.const_values[&m] = *v;
}

void Checker::check_all() {
  for (Member* m : out_.models) {
    if (m->model_kind == ModelKind::Neuron) {
      flatten_compartments(*m);
      check_neuron(*m);
    }
    if (m->model_kind == ModelKind::Synapse) check_synapse(*m);
    if (m->model_kind == ModelKind::Dendrite) check_dendrite_model(*m, ec_, diags_);
  }
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Circuit) check_circuit(*m);
  // Synapse models that no connect uses are still checked, so a library's
  // mistakes show up before someone first uses it.
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Synapse && !used_synapses_.count(m))
      check_synapse_handlers(*m, nullptr, nullptr, true, nullptr);
  for (Member* m : out_.models)
    if (m->model_kind == ModelKind::Dendrite && !used_synapses_.count(m))
      check_dendrite_use(*m, nullptr, nullptr, true, ec_, diags_);
  if (out_.run) check_run(*out_.run);
}

std::optional<double> Checker::positive_time(Expr& e, const Scope& scope, const std::string& what) {
  if (!ec_.expect(e, scope, dim::time(), what)) return std::nullopt;
  auto v = ec_.constant(e);
  if (!v) {
    diags_.error(Code::NotConstant, e.range, fmt::format("{} must be a constant", what));
    return std::nullopt;
  }
  if (!(*v > 0) || !std::isfinite(*v)) {
    diags_.error(
        Code::BadValue, e.range,
        fmt::format("{} must be positive, not {}", what, format_quantity(*v, dim::time())));
    return std::nullopt;
  }
  return v;
}

void Checker::check_run(Member& run) {
  RunInfo& info = out_.run_info;
  if (run.name.empty()) {
    std::vector<Member*> circuits;
    for (Member* m : out_.models)
      if (m->model_kind == ModelKind::Circuit) circuits.push_back(m);
    if (circuits.size() != 1) {
      diags_.error(Code::Missing, run.name_range,
                   circuits.empty() ? "there is no circuit to run"
                                    : "there are several circuits; say which one to run",
                   "write `run Name for 1 s`");
    } else {
      info.circuit = circuits[0];
    }
  } else {
    auto g = out_.globals.find(run.name);
    if (g == out_.globals.end() || g->second->kind != MemberKind::Model ||
        g->second->model_kind != ModelKind::Circuit)
      diags_.error(Code::UnknownModel, run.name_range,
                   fmt::format("there is no circuit `{}`", run.name));
    else
      info.circuit = g->second;
  }
  Scope scope;
  if (auto d = positive_time(*run.value, scope, "the run duration")) info.duration = *d;
  for (auto& o : run.options) {
    if (o.name == "dt") {
      if (!o.value) {
        diags_.error(Code::BadOption, o.range, "`dt` needs a value: `dt = 0.1 ms`");
        continue;
      }
      if (info.has_dt) diags_.error(Code::BadOption, o.range, "`dt` is given twice");
      if (auto d = positive_time(*o.value, scope, "the time step")) info.dt = *d;
      info.has_dt = true;
    } else if (o.name == "seed") {
      if (!o.value) {
        diags_.error(Code::BadOption, o.range, "`seed` needs a value: `seed = 42`");
        continue;
      }
      if (!ec_.expect(*o.value, scope, Dimension(), "the seed")) continue;
      auto s = ec_.constant_integer(*o.value, "the seed");
      if (s && *s < 0) diags_.error(Code::BadValue, o.value->range, "the seed cannot be negative");
      if (s) info.seed = *s;
      info.has_seed = true;
    } else {
      diags_.error(Code::BadOption, o.range, fmt::format("unknown run option `{}`", o.name),
                   "options: dt, seed");
    }
  }
  if (info.duration > 0 && info.dt > 0 && info.duration / info.dt > 1e12)
    diags_.error(Code::BadValue, run.value->range, "the run would take more than 10^12 steps");
}

bool check_program(const LoadedProgram& program, Diagnostics& diags, CheckedProgram& out,
                   const ConstValues& constants) {
  size_t before = diags.error_count();
  for (const auto& p : program.modules) check_placement(p.members, diags);
  if (diags.error_count() > before) return false;
  Checker c(diags, out, constants);
  c.declare_globals(program);
  c.check_all();
  c.finish();
  return diags.error_count() == before;
}

}  // namespace neuro::frontend
