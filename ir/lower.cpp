#include "ir/lower.h"

#include <fmt/format.h>

#include "ir/lower_internal.h"

namespace neuro::ir {

using namespace frontend;

std::optional<Module> lower(const CheckedProgram& program, const RunOverrides& overrides,
                            Diagnostics& diags) {
  Module mod;
  const RunInfo& ri = program.run_info;
  mod.run.duration = overrides.duration.value_or(ri.duration);
  mod.run.dt = overrides.dt.value_or(ri.dt);
  mod.run.seed = overrides.seed.value_or(static_cast<uint64_t>(ri.seed));
  const Member* circuit = ri.circuit;
  if (!overrides.circuit.empty()) {
    auto g = program.globals.find(overrides.circuit);
    circuit = g != program.globals.end() && g->second->kind == MemberKind::Model &&
                      g->second->model_kind == ModelKind::Circuit
                  ? g->second
                  : nullptr;
    if (!circuit) {
      diags.error(Code::UnknownModel, {},
                  fmt::format("there is no circuit `{}`", overrides.circuit));
      return std::nullopt;
    }
  }
  if (!circuit) {
    // No run statement: a file of declarations. Lower its only circuit, if any.
    for (const Member* m : program.models)
      if (m->model_kind == ModelKind::Circuit) circuit = m;
  }
  size_t before = diags.error_count();
  for (const auto& [name, m] : program.globals)
    if (m->kind == MemberKind::Modulator && program.decl_types.count(m))
      mod.modulators.push_back({name, program.decl_types.at(m).dim, program.const_values.at(m)});
  lowering::Lowerer l(program, overrides, mod, diags);
  if (circuit) {
    mod.run.circuit = circuit->name;
    l.circuit(*circuit);
  }
  if (diags.error_count() > before) return std::nullopt;
  return mod;
}

}  // namespace neuro::ir
