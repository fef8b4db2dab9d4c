// `--set NAME=VALUE`: finding the constant, parsing the value (here) and
// checking it against the constant it replaces (Checker::replace_const).
#include "frontend/overrides.h"

#include <fmt/format.h>

#include <algorithm>

#include "frontend/parser.h"
#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

// The circuit that will run, found the way the checker and lowering find
// it: the root file's `run` names it, or it is the only circuit; without a
// `run`, the last circuit declared (ir::build_module).
const Member* running_circuit(const LoadedProgram& lp) {
  std::vector<const Member*> circuits;
  const Member* run = nullptr;
  for (const auto& prog : lp.modules)
    for (const auto& m : prog.members) {
      if (m->kind == MemberKind::Model && m->model_kind == ModelKind::Circuit)
        circuits.push_back(m.get());
      if (m->kind == MemberKind::Run && prog.file == lp.root_file && !run) run = m.get();
    }
  if (!run) return circuits.empty() ? nullptr : circuits.back();
  if (run->name.empty()) return circuits.size() == 1 ? circuits[0] : nullptr;
  for (const Member* c : circuits)
    if (c->name == run->name) return c;
  return nullptr;
}

const Member* const_in(const std::vector<MemberPtr>& members, const std::string& name) {
  for (const auto& m : members)
    if (m->kind == MemberKind::Const && m->name == name) return m.get();
  return nullptr;
}

// The constant `name` means in the running circuit: its own, else a file-level one.
const Member* find_const(const LoadedProgram& lp, const std::string& name) {
  if (const Member* c = running_circuit(lp))
    if (const Member* m = const_in(c->body, name)) return m;
  for (const auto& prog : lp.modules)
    if (const Member* m = const_in(prog.members, name)) return m;
  return nullptr;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// What to say about a name that is no settable constant.
std::string unknown_hint(const LoadedProgram& lp, const std::string& name) {
  for (const auto& prog : lp.modules)
    for (const auto& m : prog.members)
      if (m->kind == MemberKind::Model && m->model_kind == ModelKind::Circuit &&
          const_in(m->body, name))
        return fmt::format("`{}` is a constant of circuit `{}`, which is not the one that runs",
                           name, m->name);
  const auto names = settable_constants(lp);
  if (names.empty()) return "the model declares no constants";
  const std::string* best = nullptr;
  size_t best_d = std::max<size_t>(1, name.size() / 3) + 1;
  for (const auto& n : names)
    if (const size_t d = edit_distance(name, n); d < best_d) best = &n, best_d = d;
  if (best) return fmt::format("did you mean `{}`?", *best);
  std::string list;
  constexpr size_t kShown = 12;
  for (size_t k = 0; k < names.size() && k < kShown; ++k) list += (k ? ", " : "") + names[k];
  if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
  return "constants that can be set: " + list;
}

// A number with an optional unit, possibly signed, or a condition.
bool is_literal(const Expr& e) {
  if (e.kind == ExprKind::Number || e.kind == ExprKind::Bool) return true;
  return e.kind == ExprKind::Unary && (e.op == Op::Neg || e.op == Op::Pos) &&
         e.args[0]->kind == ExprKind::Number;
}

uint32_t columns_of(const std::string& s) {
  return static_cast<uint32_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::vector<std::string> settable_constants(const LoadedProgram& lp) {
  std::vector<std::string> names;
  if (const Member* c = running_circuit(lp))
    for (const auto& m : c->body)
      if (m->kind == MemberKind::Const) names.push_back(m->name);
  for (const auto& prog : lp.modules)
    for (const auto& m : prog.members)
      if (m->kind == MemberKind::Const) names.push_back(m->name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

ConstValues prepare_overrides(const ConstOverrides& overrides, const LoadedProgram& program,
                              SourceManager& sources, Diagnostics& diags) {
  ConstValues values;
  std::map<std::string, SourceRange> seen;
  for (const auto& o : overrides) {
    const uint32_t file = sources.add("--set", "", o.name + "=" + o.value);
    const uint32_t name_end = columns_of(o.name);
    const SourceRange name_range{file, 1, 0, 1, std::max<uint32_t>(1, name_end)};
    const uint32_t value_end = name_end + 1 + columns_of(o.value);
    const SourceRange value_range{file, 1, name_end + 1, 1, std::max(value_end, name_end + 2)};
    if (auto [first, fresh] = seen.emplace(o.name, name_range); !fresh) {
      auto& d = diags.error(Code::BadArgument, name_range, fmt::format("`{}` is set twice", o.name),
                            "set each constant once");
      d.notes.push_back({first->second, "first set here"});
      continue;
    }
    const Member* target = find_const(program, o.name);
    if (!target) {
      diags.error(Code::UnknownName, name_range,
                  fmt::format("there is no constant `{}` to set", o.name),
                  unknown_hint(program, o.name));
      continue;
    }
    Diagnostics parse_diags;
    ExprPtr value = parse_expression(sources, file, parse_diags, o.name.size() + 1);
    if (!value || parse_diags.has_errors() || !is_literal(*value)) {
      diags.error(
          Code::BadArgument, value_range,
          fmt::format("the value of `{}` must be a number with an optional unit", o.name),
          "such as 0.1, 8Hz, 8 Hz, -65mV, 1e3 or 0.5 [mV/ms]; a condition is true or false");
      continue;
    }
    const auto blank = o.value.find_first_not_of(" \t");
    values[target] = {value,
                      blank == std::string::npos
                          ? std::string()
                          : o.value.substr(blank, o.value.find_last_not_of(" \t") + 1 - blank)};
  }
  return values;
}

namespace {
std::string with_article(const Dimension& d) {
  if (d.dimensionless()) return "a plain number";
  const std::string s = describe(d);
  if (s.find('(') == std::string::npos) return "in " + s;  // "mV/ms": a unit, not a name
  return (std::string("aeiou").find(s[0]) != std::string::npos ? "an " : "a ") + s;
}
}  // namespace

void Checker::replace_const(Member& m, Type& t) {
  auto o = constants_.find(&m);
  if (o == constants_.end()) return;
  Expr& value = *o->second.value;
  Scope none;
  const Type given = ec_.check(value, none);
  if (!given.ok()) return;  // an unknown unit, reported
  const std::string& written = o->second.text;
  Diagnostic* d = nullptr;
  if (t.kind == Type::Bool && given.kind != Type::Bool)
    d = &diags_.error(Code::TypeMismatch, value.range,
                      fmt::format("`{}` is a condition, `{}` is a number", m.name, written),
                      "give true or false");
  else if (t.kind != Type::Bool && given.kind == Type::Bool)
    d = &diags_.error(Code::TypeMismatch, value.range,
                      fmt::format("`{}` is a number, not a condition", m.name));
  else if (t.dim != given.dim)
    d = &diags_.error(Code::UnitMismatch, value.range,
                      fmt::format("`{}` is {}, `{}` is {}", m.name, with_article(t.dim), written,
                                  with_article(given.dim)),
                      t.dim.dimensionless()
                          ? "give a number without a unit"
                          : fmt::format("give it in {}", display_unit(t.dim).symbol));
  if (d) {
    d->notes.push_back({m.name_range, fmt::format("`{}` is declared here", m.name)});
    return;
  }
  m.value = o->second.value;
  t = given;
}

}  // namespace neuro::frontend
