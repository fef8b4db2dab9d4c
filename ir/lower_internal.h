// Private to lowering (ir/lower*.cpp): the Lowerer, which turns one checked
// circuit into a Module, and the scope (Env) that names resolve in. Its
// methods are spread over lower_expr, lower_kernel, lower_projection and
// lower_circuit; ir/lower.h is the public entry point.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "frontend/diagnostics.h"
#include "frontend/sema.h"
#include "ir/ir.h"
#include "ir/lower.h"

namespace neuro::ir::lowering {

using frontend::CheckedProgram;
using frontend::Diagnostics;
using frontend::Member;
using frontend::PopInfo;
using frontend::StmtPtr;
using FExpr = frontend::Expr;
using FStmt = frontend::Stmt;

// How names resolve while lowering one piece of code.
struct Env {
  // Neuron code: the kernel whose params/states/lets are in scope.
  const Kernel* kernel = nullptr;
  std::map<const Member*, int> param_slot, state_slot;
  std::map<const Member*, const Member*>* lets = nullptr;  // let decl → itself (in scope)
  // Synapse code.
  std::map<const Member*, int> syn_slot;
  std::map<const Member*, int> trace_slot;
  const Kernel* pre = nullptr;
  const Kernel* post = nullptr;
  std::map<const Member*, int> pre_slot, post_slot;  // model decl → state slot
  // The neuron models at either end: a synapse model used by several
  // connects is annotated by the checker for the last one, so names are
  // resolved again in these.
  const Member *pre_model = nullptr, *post_model = nullptr;
  std::map<const Member*, ExprPtr> pre_const, post_const;  // uniform params
  double N = 0;
  bool has_N = false;
  std::map<const Member*, int> segment_slot;  // `segments` member → collection index
  // Dendrite code: its parameters (constants), and post./pre. names that
  // resolve in `kernel` (the cell at the lane).
  std::map<const Member*, ExprPtr> dend_params;
  bool dendrite = false;
  // Set when an expression refers to a parameter whose value is not known
  // yet (parameters may refer to parameters declared after them).
  mutable bool pending = false;
};

class Lowerer {
 public:
  Lowerer(const CheckedProgram& prog, const RunOverrides& overrides, Module& mod,
          Diagnostics& diags)
      : prog_(prog), overrides_(overrides), mod_(mod), diags_(diags) {}

  ExprPtr expr(const FExpr& e, const Env& env);
  std::vector<Stmt> stmts(const std::vector<StmtPtr>& body, const Env& env);
  void circuit(const Member& circuit);
  int rand_site(const FExpr& e);
  // uniform, normal, lognormal, poisson, binomial (ir/lower_random.cpp).
  ExprPtr draw(const FExpr& e, const Env& env);
  int modulator_slot(const Member* m) const {
    for (size_t k = 0; k < mod_.modulators.size(); ++k)
      if (mod_.modulators[k].name == m->name) return static_cast<int>(k);
    NEURO_INTERNAL_ASSERT(false, "undeclared modulator " + m->name);
  }

 private:
  ExprPtr name(const FExpr& e, const Env& env);
  ExprPtr call(const FExpr& e, const Env& env);
  ExprPtr group_reduce(const FExpr& e, const Env& env);
  ExprPtr sdr_code(const FExpr& e, const Env& env);
  void dendrite(const Member& m);
  Env kernel_env(int pop);
  void flatten_actions(const std::vector<StmtPtr>& body, const ExprPtr& guard, const Env& env,
                       std::vector<Dendrite::Action>& out);
  int make_kernel(const Member& bind, const PopInfo& info,
                  const std::vector<std::pair<const FStmt*, bool>>& inits,
                  const std::set<const Member*>& driven, Population& pop);
  void projection(const Member& m);
  std::vector<Population::Init> order_inits(const std::vector<Population::Init>& inits,
                                            const Kernel& k, SourceRange where);
  void monitor(const Member& m);
  void drive(const Member& m);
  // Rate layers: `layer[n]`, `via dense`, `learn` (checked in frontend/sema_layers.cpp).
  void layer(const Member& m);
  void dense(const Member& m);
  void learn(const Member& m);
  Slice slice(const FExpr& e) const;
  double constant(const FExpr& e, const Env& env);

  const CheckedProgram& prog_;
  const RunOverrides& overrides_;
  Module& mod_;
  Diagnostics& diags_;
  std::map<const Member*, int> pop_index_;                   // Bind → population
  std::map<const Member*, int> layer_index_;                 // Bind → Module::layers
  std::map<const Member*, std::set<const Member*>> driven_;  // Bind → driven params
  std::vector<std::map<std::string, ExprPtr>> fn_args_;      // user function call frames
  std::vector<const FExpr*> call_stack_;
  std::map<std::string, int> sites_;
  std::map<std::pair<const Kernel*, const Member*>, ExprPtr> let_cache_;
  std::map<const Member*, std::vector<const Member*>> selects_;  // Bind → its select members
  std::map<const Member*, ExprPtr> scores_;                      // select member → lowered score
};

}  // namespace neuro::ir::lowering
