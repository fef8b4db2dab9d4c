// Semantic checks: names, types, physical units and block placement. The
// checker annotates the AST in place (Expr::type, Expr::ref, Stmt::ref) so
// that lowering never has to resolve a name or a unit again.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"
#include "frontend/loader.h"
#include "frontend/overrides.h"
#include "frontend/vocabulary.h"

namespace neuro::frontend {

// A population or a slice of one: neurons [lo, hi) of the population that
// the Bind member `pop` creates.
struct PopRef {
  Member* pop = nullptr;
  long long lo = 0, hi = 0;
  long long size() const { return hi - lo; }
};

struct PopInfo {
  PopKind kind = PopKind::Neuron;
  Member* model = nullptr;  // the neuron model; null for sources
  long long size = 0;
};

struct RunInfo {
  Member* circuit = nullptr;
  double duration = 0, dt = 1e-4;  // seconds
  long long seed = 0;
  bool has_seed = false, has_dt = false;
};

// Everything the checker learned that lowering needs. Pointers refer into
// the LoadedProgram's AST, which must outlive this.
struct CheckedProgram {
  std::map<std::string, Member*> globals;  // consts, functions, models
  std::vector<Member*> models;             // in declaration order
  Member* run = nullptr;                   // the root file's run statement, if any
  RunInfo run_info;
  std::map<const Member*, PopInfo> populations;             // Bind members creating populations
  std::map<const Member*, PopRef> aliases;                  // Bind members naming slices
  std::map<const Expr*, PopRef> pop_refs;                   // resolved population expressions
  std::map<const Member*, std::vector<Member*>> let_order;  // per model, dependencies first
  std::map<const Member*, double> const_values;             // SI values of consts
  std::map<const Member*, Type> decl_types;                 // params, states, lets, consts
  std::map<const Member*, const Member*> learners;          // layer (Bind) → its `learn` rule
};

// Checks the loaded program; returns false when there were errors.
// `constants` (frontend/overrides.h) replace the values of the constants
// they name.
bool check_program(const LoadedProgram& program, Diagnostics& diags, CheckedProgram& out,
                   const ConstValues& constants = {});

// Reports members that are not allowed where they stand (`connect` inside a
// neuron, `spike` in a synapse…). One of the checks run by check_program.
void check_placement(const std::vector<MemberPtr>& members, Diagnostics& diags);

// Looks up a param, state or derived value in a model's body by name.
Member* find_in_model(const Member* model, const std::string& name);

// Names that the language defines and a model may not declare.
bool is_reserved_name(const std::string& name);

// The index of a segment collection's value (`active_segments` = 0, …), or -1.
int segment_field(const std::string& name);
// Its name (`segment_field_name(0)` is "active_segments"); null past the last.
const char* segment_field_name(int k);

// The activation and loss functions a rate layer and a `learn` rule may name,
// in the order of ir::Activation and ir::Loss; nothing when not one.
std::optional<int> activation_index(const std::string& name);
std::optional<int> loss_index(const std::string& name);

// A builtin function's name → its arity (-1: variadic ≥ 1).
std::optional<int> builtin_arity(const std::string& name);

}  // namespace neuro::frontend
