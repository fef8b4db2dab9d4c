// Shared by the semantic checks; private to frontend/.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "frontend/overrides.h"
#include "frontend/sema.h"

namespace neuro::frontend {

struct Symbol {
  NameRef::Kind kind = NameRef::None;
  Member* decl = nullptr;
  Type type;
};

// A lexical scope and what the builtin names mean in it.
struct Scope {
  const Scope* parent = nullptr;
  std::map<std::string, Symbol> names;
  bool has_t = false;           // time is meaningful (per-step code)
  bool has_i = false;           // neuron index (or presynaptic index in a connect)
  bool has_j = false;           // postsynaptic index (connect)
  bool has_N = false;           // population size
  bool has_rand = false;        // random numbers allowed
  Member* pre_model = nullptr;  // synapse code: the models at either end
  Member* post_model = nullptr;
  bool synapse = false;
  bool post_unknown = false;   // checking a synapse body that no connect uses
  bool neuron_step = false;    // a neuron's per-step code: group reductions allowed
  Member* dendrite = nullptr;  // dendrite code: segment and cell values in scope

  const Symbol* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->names.find(name);
      if (it != s->names.end()) return &it->second;
    }
    return nullptr;
  }
  // Flags are inherited from the innermost scope that sets them.
  Scope child() const {
    Scope s;
    s.parent = this;
    s.has_t = has_t;
    s.has_i = has_i;
    s.has_j = has_j;
    s.has_N = has_N;
    s.has_rand = has_rand;
    s.pre_model = pre_model;
    s.post_model = post_model;
    s.synapse = synapse;
    s.post_unknown = post_unknown;
    s.neuron_step = neuron_step;
    s.dendrite = dendrite;
    return s;
  }
};

class ExprChecker {
 public:
  ExprChecker(Diagnostics& diags, CheckedProgram& program) : diags_(diags), program_(program) {}

  // Types `e` in `scope`, annotating it; reports problems and returns an error type.
  Type check(Expr& e, const Scope& scope);
  // Checks `e` and that it is a quantity of dimension `want`. `what` names
  // the thing being given a value, for the message ("`v`", "the refractory period").
  bool expect(Expr& e, const Scope& scope, const Dimension& want, const std::string& what);
  bool expect_bool(Expr& e, const Scope& scope, const std::string& what);
  // Reports a dimension mismatch of an already-checked expression.
  void mismatch(const Expr& e, const Dimension& want, const std::string& what);

  // The SI value of a checked constant expression (numbers, consts, math).
  // It and constant_integer are defined in const_eval.cpp.
  std::optional<double> constant(const Expr& e) const;
  // A checked constant that must be a whole number; reports when it is not.
  std::optional<long long> constant_integer(const Expr& e, const std::string& what);

  // Checks a constant on first use, so constants may be declared in any order.
  std::function<void(Member*)> ensure_const;

  // Types of declared params/states/lets/consts, filled as they are checked.
  std::map<const Member*, Type> decl_types;
  std::map<const Member*, double> const_values;

 private:
  Type check_name(Expr& e, const Scope& scope);
  Type check_call(Expr& e, const Scope& scope);  // sema_calls.cpp
  Type check_member(Expr& e, const Scope& scope);
  Type check_binary(Expr& e, const Scope& scope);
  Type check_number(Expr& e);
  void add_dimensionless_notes(Diagnostic& d, const Expr& e);

  Diagnostics& diags_;
  CheckedProgram& program_;
  std::set<const Member*> calling_;  // user functions being checked, for recursion
  // Terms of a user function's body with every call in it inlined (memo).
  uint64_t inline_terms(const Member* fn);
  uint64_t inline_terms(const Expr& e);
  std::map<const Member*, uint64_t> inline_terms_;
  // Argument values of user functions being folded by constant().
  mutable std::vector<std::map<std::string, double>> const_frames_;
};

// Lifts a neuron's compartments into its body as members named `comp.x`
// (sema_model.cpp); done once, before the neuron is checked.
void flatten_compartments(Member& model);

// Checks declarations (models, circuits, the run), annotating the AST and
// filling a CheckedProgram; expressions are left to its ExprChecker. Its
// methods are spread over the files named below, one concept each.
class Checker {
 public:
  Checker(Diagnostics& diags, CheckedProgram& out, const ConstValues& constants)
      : diags_(diags), out_(out), ec_(diags, out), constants_(constants) {}

  void declare_globals(const LoadedProgram& lp);
  void check_all();
  void finish() {
    out_.const_values = ec_.const_values;
    out_.decl_types = ec_.decl_types;
  }
  void check_const(Member& m, Scope& scope);

 private:
  // overrides.cpp: puts the value set from outside (`--set`) in place of
  // m's, of type `t`, when it has the same kind and dimension. When it has
  // not, that is reported and m keeps its own value, so that nothing
  // computed from m reports a second error.
  void replace_const(Member& m, Type& t);

  // sema.cpp: the run, and helpers for every part.
  void check_run(Member& run);
  bool declare_local(Scope& scope, Member& m, NameRef::Kind kind, const Type& t);
  std::optional<double> positive_time(Expr& e, const Scope& scope, const std::string& what);

  // sema_model.cpp: neuron and synapse models.
  void check_neuron(Member& model);
  void check_synapse(Member& model);
  void check_synapse_handlers(Member& syn, Member* pre, Member* post, bool unknown,
                              const Member* site);
  void order_lets(Member& model, Scope& scope);
  void check_stmts(std::vector<StmtPtr>& stmts, const Scope& scope, const char* where);

  // sema_circuit.cpp: a circuit's members but connects.
  void check_circuit(Member& circuit);
  std::optional<PopRef> population(Expr& e, const Scope& scope, const char* role);
  void check_bind(Member& m, Scope& scope);
  void check_record(Member& m, Scope& scope);
  void check_drive(Member& m, Scope& scope);
  void check_select(Member& m, Scope& scope);
  bool init_line(const Stmt& s, std::set<std::string>& given);

  // sema_connect.cpp
  void check_connect(Member& m, Scope& scope);
  void check_segments_connect(Member& m, Scope& scope, Member& dend);

  Diagnostics& diags_;
  CheckedProgram& out_;
  ExprChecker ec_;
  std::set<const Member*> used_synapses_;  // synapse and dendrite models that a connect uses
  const ConstValues& constants_;
};

// Dendrite models (sema_dendrite.cpp): the model on its own, then its
// handlers once a connect names the cells at both ends.
void check_dendrite_model(Member& model, ExprChecker& ec, Diagnostics& diags);
// `unknown`: no connect uses the model; `pre.`/`post.` names are not checked.
void check_dendrite_use(Member& dend, Member* pre, Member* post, bool unknown, ExprChecker& ec,
                        Diagnostics& diags);
// What is wrong with value `v` of a tuning parameter the engine reads
// (`connected` in [0, 1], thresholds whole numbers…); nothing when fine.
std::optional<std::string> dendrite_tuning_error(const std::string& param, double v);

// Rate layers (sema_layers.cpp).
// The initialiser of `H = layer[n] { activation = elu, bias = … }`.
void check_layer_init(Member& m, const Scope& init, ExprChecker& ec, Diagnostics& diags);
// `connect A -> B via dense { w = … }` once both ends are resolved (null:
// already reported).
void check_dense_connect(Member& m, const PopRef* src, const PopRef* dst, const Scope& scope,
                         CheckedProgram& prog, ExprChecker& ec, Diagnostics& diags);
// `learn Out loss = cross_entropy rate = eta`; `target` null when already reported.
void check_learn(Member& m, const PopRef* target, const Scope& scope, CheckedProgram& prog,
                 ExprChecker& ec, Diagnostics& diags);
// Reports `what` done with a slice of a layer or a layer where only
// neuron populations go; true when `r` is (part of) a layer.
bool reject_layer(const PopRef& r, const Expr& where, const char* what, CheckedProgram& prog,
                  Diagnostics& diags);

// True for a number written without a unit, possibly negated.
bool is_bare_number(const Expr& e);

}  // namespace neuro::frontend
