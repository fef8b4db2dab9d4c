// The abstract syntax tree: what the user wrote, with a range on every node.
// Nodes are plain structs with a kind tag (no RTTI). The checker fills the
// `type` of expressions and the `ref` of names; lowering reads them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "frontend/source.h"
#include "frontend/units.h"
#include "frontend/vocabulary.h"

namespace neuro::frontend {

// What an expression evaluates to.
struct Type {
  enum Kind { Error, Quantity, Bool, String, List, Tuple, Population, Model } kind = Error;
  Dimension dim;  // for Quantity
  static Type quantity(Dimension d) { return {Quantity, d}; }
  static Type boolean() { return {Bool, {}}; }
  static Type error() { return {Error, {}}; }
  bool ok() const { return kind != Error; }
};
std::string describe(const Type& t);

struct Member;

// What a name refers to, filled by the checker.
struct NameRef {
  enum Kind {
    None,
    Const,
    Modulator,
    Param,
    State,
    Let,
    FnArg,
    Builtin,
    Population,
    Model,
    SynParam,
    SynState,
    SynTrace,
    PreVar,
    PostVar,
    SegmentField,  // neuron code: `distal.active_segments` (decl: the `segments` member)
    SegmentVar     // dendrite code: `active`, `matching_segments`… (decl: the dendrite model)
  } kind = None;
  const Member* decl = nullptr;  // the declaring member, when there is one
};

struct UnitAtom {
  std::string symbol;
  int exponent = 1;
  bool divide = false;  // `/` before it in a compound unit
  SourceRange range;
};

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

enum class ExprKind {
  Number,
  Bool,
  String,
  Name,
  Call,
  Member,
  Index,
  Slice,
  Unary,
  Binary,
  Cond,
  List,
  Tuple
};

struct Expr {
  ExprKind kind = ExprKind::Number;
  SourceRange range;
  double number = 0;           // Number (as written) / Bool (0 or 1)
  std::string text;            // Number: literal text; Name/Call/Member: the name; String
  std::vector<UnitAtom> unit;  // Number: the unit written after it, if any
  SourceRange unit_range;
  Op op = Op::Add;            // Unary, Binary
  std::vector<ExprPtr> args;  // operands, call arguments, list items; Slice: base, lo?, hi?

  // Filled by the checker.
  Type type;
  NameRef ref;
  double si = 0;  // Number: the value converted to SI
};

struct Stmt;
using StmtPtr = std::shared_ptr<Stmt>;

struct Stmt {
  enum Kind { Assign, If, Call } kind = Assign;
  SourceRange range;
  // Assign: `target = value` or `object.target += value`
  std::string object;  // "post", "pre" or empty
  std::string target;
  SourceRange target_range;
  AssignOp op = AssignOp::Set;
  ExprPtr value;
  NameRef ref;  // filled by the checker
  // Call: `target(args…)`, a structural action in dendrite code
  std::vector<ExprPtr> args;
  // If
  ExprPtr cond;
  std::vector<StmtPtr> then_body, else_body;
};

struct Option {
  std::string name;
  SourceRange range;
  ExprPtr value;  // null for a bare flag such as `one_to_one`
};

enum class MemberKind {
  Import,
  Const,
  Modulator,
  Func,
  Model,
  Compartment,
  Segments,
  Grow,
  Param,
  State,
  Let,
  Trace,
  Ode,
  Spike,
  Refractory,
  Solver,
  On,
  Bind,
  Connect,
  Record,
  Drive,
  Select,
  Learn,  // `learn Out loss = cross_entropy rate = eta`: supervised rule of a rate layer
  Run
};
const char* member_keyword(MemberKind k);

enum class ModelKind { Neuron, Synapse, Dendrite, Circuit };
const char* model_keyword(ModelKind k);

using MemberPtr = std::shared_ptr<Member>;

struct Member {
  MemberKind kind = MemberKind::Const;
  SourceRange range;       // the whole member
  SourceRange name_range;  // the declared name, or the keyword
  std::string name;        // declared name; Ode: the state; On: the event; Solver: its name;
                           // Run: the circuit (may be empty); Import: path or dotted name
  bool import_is_path = false;
  ModelKind model_kind = ModelKind::Neuron;
  std::vector<MemberPtr> body;      // Model
  std::vector<std::string> params;  // Func parameters
  std::vector<SourceRange> param_ranges;
  ExprPtr decay;  // Trace: its time constant (null when missing: an error)
  ExprPtr value;  // Const/Param/State/Let value, Ode rhs, Spike condition, Refractory period,
                  // Bind value, Drive value, Run duration, Record target
  bool unless_refractory = false;
  bool per_step = false;  // State: declared `input`, set back to its value at each step's start
  std::vector<StmtPtr> stmts;  // Spike reset, On handler, Bind/Connect initialisers
  bool has_init = false;       // Bind/Connect: an initialiser block was written
  // Connect
  ExprPtr source, target;
  std::string via;
  SourceRange via_range;
  std::vector<Option> options;  // Connect and Run options
  ExprPtr when;
  // Record
  std::vector<std::string> vars;
  std::vector<SourceRange> var_ranges;
  ExprPtr every;
  ExprPtr from;  // when recording starts; null: at t = 0
  // Drive (and Select: the population); `drive P.x += v` adds v every step.
  ExprPtr drive_target;
  AssignOp drive_op = AssignOp::Set;
  // Filled by the checker for Const members: their value in SI.
  double const_value = 0;
};

// One parsed file (or REPL entry).
struct Program {
  uint32_t file = 0;
  std::vector<MemberPtr> members;
  std::vector<StmtPtr> stmts;  // REPL only: statements typed at the prompt
};

// Prints the AST back as source text; parse(print(parse(x))) == parse(x).
std::string print(const Program& p);
std::string print(const Expr& e);
std::string print(const Stmt& s, int indent = 0);
std::string print(const Member& m, int indent = 0);

}  // namespace neuro::frontend
