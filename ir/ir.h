// The graph IR: what lowering produces and the backends run.
//
// A Module holds one Kernel per population (the neuron model specialised for
// that population: parameters that are the same for every neuron become
// constants), the projections, monitors and drives (ir/circuit_graph.h gives
// a graph view of the circuit). Expressions are immutable trees in SI units;
// every node keeps the source range it came from. The IR names the frontend's
// vocabulary (operators, units, source ranges) but never its syntax tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend/source.h"
#include "frontend/units.h"
#include "frontend/vocabulary.h"
#include "numeric/distributions.h"
#include "numeric/evaluate.h"

namespace neuro::ir {

using frontend::Dimension;
using frontend::Op;
using frontend::SourceRange;

// X(kind): the expression node list, written once.
#define NEURO_IR_EXPRS(X) \
  X(Const)                \
  X(Var)                  \
  X(Time)                 \
  X(Index)                \
  X(Rand)                 \
  X(Randn)                \
  X(Draw)                 \
  X(Unary)                \
  X(Binary)               \
  X(Call)                 \
  X(Select)               \
  X(Table)

enum class Kind {
#define X(k) k,
  NEURO_IR_EXPRS(X)
#undef X
};

// Where a variable lives.
enum class Space : uint8_t {
  Param,       // a neuron parameter that differs between neurons (or is driven)
  State,       // a neuron state variable
  Syn,         // a per-synapse variable
  Pre,         // a variable of the presynaptic neuron (synapse code)
  Post,        // a variable of the postsynaptic neuron (synapse code)
  Modulator,   // a global signal set by a drive or the host
  Trace,       // an event-driven trace of a projection (see Trace::owner)
  Segment,     // a neuron's view of its segments: slot = collection · 4 + SegmentField
  Group,       // a group reduction of the kernel (Kernel::groups[slot])
  SegVar,      // dendrite code: a value of the segment or cell (SegVarSlot)
  Local,       // step IR: a value of one loop iteration (PopStep::locals[slot])
  Refractory,  // step IR: 1 while the neuron is refractory at this step, else 0
  // Synapse code (guard_held_writes): 1 while the postsynaptic neuron is
  // refractory in the step `slot` steps after the event's (0: `on pre`, which
  // runs at the start of its step; 1: `on post`, which runs at its end).
  PostRefractory,
};

// What neuron code reads of a segment collection (`distal.active_segments`).
enum SegmentField { ActiveSegments = 0, MatchingSegments = 1, SegmentCount = 2, BestPotential = 3 };
// The values dendrite code reads, by slot.
enum SegVarSlot {
  SegActive = 0,
  SegMatching,
  SegBest,
  SegActiveConnected,
  SegActivePotential,
  SegSynapses,
  SegPostSpiked,
  CellActiveSegments,
  CellMatchingSegments,
  CellSegments,
  CellBestPotential,
  SegVarCount
};
int segvar_slot(const std::string& name);  // -1: none

// Built-in functions: what they compute is numeric/evaluate.h.
using num::Fn;
using num::fn_name;

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  Kind kind = Kind::Const;
  SourceRange range;
  Dimension dim;
  bool boolean = false;  // a condition rather than a quantity
  double value = 0;      // Const
  Space space = Space::State;
  int slot = 0;  // Var: index in its space; Index: 0 = i, 1 = j; Rand/Draw: call site; Table: id
  std::string name;                     // Var: the variable's name, for printing
  Op op = Op::Add;                      // Unary, Binary
  Fn fn = Fn::Exp;                      // Call
  num::Dist dist = num::Dist::Poisson;  // Draw: from what, with args its parameters
  std::vector<ExprPtr> args;

  static ExprPtr constant(double v, Dimension d = {}, SourceRange r = {}, bool boolean = false);
  static ExprPtr var(Space s, int slot, std::string name, Dimension d, SourceRange r = {});
  static ExprPtr unary(Op op, ExprPtr a, SourceRange r = {});
  static ExprPtr binary(Op op, ExprPtr a, ExprPtr b, SourceRange r = {});
  static ExprPtr call(Fn fn, std::vector<ExprPtr> args, Dimension d, SourceRange r = {});
  static ExprPtr select(ExprPtr c, ExprPtr a, ExprPtr b, SourceRange r = {});
  static ExprPtr make(Kind k, Dimension d, SourceRange r = {});
  bool is_const(double v) const { return kind == Kind::Const && value == v; }
};

// Whether `e` (null: no) reads a variable of `space` anywhere.
bool reads_space(const ExprPtr& e, Space space);

struct Stmt {
  enum Type { Assign, If } type = Assign;
  SourceRange range;
  Space space = Space::State;
  int slot = 0;
  std::string name;
  frontend::AssignOp op = frontend::AssignOp::Set;
  ExprPtr value, cond;
  std::vector<Stmt> then_body, else_body;
};

struct Variable {
  std::string name;
  Dimension dim;
  SourceRange range;
  ExprPtr value;            // parameter: its value (Const when uniform); state: initial value
  bool per_neuron = false;  // parameter held per neuron (set per neuron or driven)
  // State declared `input`: set to `rest` at the start of every step, before
  // delivery, so it holds the sum of what synapses add in that step.
  bool per_step = false;
  double rest = 0;  // SI
};

enum class Solver { Exact, ExpEuler, Euler, RK4, RK45 };
const char* solver_name(Solver s);

struct Ode {
  int state = 0;
  ExprPtr rhs;
  bool unless_refractory = false;
  SourceRange range;
};

// dx/dt = M·x + c with M constant: what the exact solver needs.
struct LinearSystem {
  std::vector<int> states;             // which states, in matrix order
  std::vector<std::vector<double>> M;  // constant coefficients (SI)
  std::vector<ExprPtr> c;              // the part that does not depend on these states
};

struct Derived {
  std::string name;
  Dimension dim;
  ExprPtr value;  // with other derived values already substituted
};

// `group_max(x, size)` and friends: a reduction of `arg` over consecutive
// groups of `size` neurons, computed each step after integration and before
// threshold detection, read back per neuron as Space::Group.
struct GroupReduce {
  enum Op { Max, ArgMax, Sum } op = Max;
  ExprPtr arg;
  size_t size = 1;
  SourceRange range;
};

// A spike condition `states[state] OP value` (OP: > ≥ < ≤), tested natively.
struct FastThreshold {
  int state = 0;
  Op op = Op::Gt;
  double value = 0;
};

// The loop-level step of a neuron population (ir/lower_step.cpp), which
// the interpreter runs (interpreter/step_ir.cpp) and the JIT prints
// (jit/codegen.cpp). A loop over neurons is a list of operations for
// neuron i: locals are that iteration's values, each defined once; every
// store comes after every local, so locals read the values of the step's
// start. `neuro ir FILE --stage step` prints it (ir/print_step.cpp).
struct StepOp {
  enum Kind {
    Let,     // locals[local] = value (reads arrays at i, locals, `refractory`)
    Affine,  // locals[local] = (base ≥ 0 ? locals[base] : bias) + Σ coef·locals[term], in order
    Store,   // states[state][i] = locals[local]
    Flag,    // spike flag: value (null: Kernel::fast_threshold) and not refractory
  } kind = Let;
  int local = -1;
  ExprPtr value;
  int base = -1;
  double bias = 0;
  std::vector<std::pair<double, int>> terms;  // (coefficient, local)
  int state = -1;
  std::string note;  // what the value is, for the printed IR and generated code
};

struct StepLoop {
  enum Kind {
    Neurons,    // body for every neuron i
    Group,      // group reduction `group`: its argument at every neuron, then each group reduced
    Threshold,  // body (one Flag) for every neuron, then the flagged neurons are spikes
    Substeps,   // the interpreter's adaptive Runge–Kutta (interpreter/runge_kutta.cpp)
    Reset,      // Kernel::reset for every spiking neuron
  } kind = Neurons;
  std::vector<StepOp> body;
  int group = -1;
};

struct PopStep {
  std::vector<std::string> locals;  // names, by slot
  std::vector<StepLoop> loops;      // in the order they run
};

struct Kernel {
  std::string model;  // the neuron model's name
  SourceRange range;
  std::vector<Variable> params;  // all parameters; uniform ones hold Const values
  std::vector<Variable> states;
  std::vector<Derived> lets;
  std::vector<Ode> odes;
  ExprPtr threshold;  // null: never spikes
  std::vector<Stmt> reset;
  ExprPtr refractory;  // null: none
  Solver solver = Solver::Exact;
  bool solver_forced = false;
  SourceRange solver_range;           // the `solver` line, when there is one
  std::string solver_reason;          // why this solver was chosen, shown by `neuro ir`
  LinearSystem linear;                // Exact only
  std::vector<ExprPtr> update;        // ExpEuler/Euler: the new value of each ODE's state
  std::vector<std::string> segments;  // segment collections (`segments distal`)
  std::vector<GroupReduce> groups;
  std::optional<FastThreshold> fast_threshold;  // recognise_threshold: `state OP constant`
  PopStep step;                                 // lower_step and the passes after it
};

struct Population {
  std::string name;
  SourceRange range;
  frontend::PopKind kind = frontend::PopKind::Neuron;
  size_t size = 0;
  int kernel = -1;  // index into Module::kernels for neuron populations
  // Per-neuron initialisers: (space Param/State, slot, value).
  struct Init {
    Space space;
    int slot;
    ExprPtr value;
  };
  std::vector<Init> init;
  ExprPtr rate;                                     // Poisson
  std::vector<std::pair<uint32_t, double>> spikes;  // Generator: (neuron, time s), sorted
};

struct Slice {
  int pop = 0;
  size_t lo = 0, hi = 0;
  size_t size() const { return hi - lo; }
};

enum class Rule { AllToAll, OneToOne, Probability, InDegree, OutDegree, TotalNumber, Pairs };
const char* rule_name(Rule r);

// Recognised form of a handler: `post.x += value` with `value` that reads no
// postsynaptic state. Such handlers run as native scatter-add loops.
struct ScatterAdd {
  int post_slot = 0;
  ExprPtr value;
  double sign = 1;
  // The statement is guarded by guard_held_writes: x is held by `unless
  // refractory`, so the add is dropped while the target neuron is refractory.
  bool held = false;
};

// An event-driven trace: between events it decays as exp(-Δt/tau); the
// engine decays it in place to the time of each event before handlers run.
// Where it lives is a compiler decision (place_traces): once per
// presynaptic neuron when only `on pre` changes it, by the same amount for
// every synapse of that neuron; likewise per postsynaptic neuron; else per
// synapse.
struct Trace {
  enum Owner { Synapse, Pre, Post } owner = Synapse;
  std::string name;
  Dimension dim;
  double tau = 0;      // s
  double initial = 0;  // SI
  SourceRange range;
};
const char* owner_name(Trace::Owner o);

// The loop-level events of a projection (ir/lower_events.cpp), which the
// interpreter runs (interpreter/deliver.cpp) and the JIT prints
// (jit/codegen_projection.cpp): `on pre` at t_n for the spikes due now,
// `on post` at t_{n+1} for the step's spikes, after the resets.
struct EventLoop {
  enum Over {
    Sources,            // each source neuron whose spike is due now (in the source slice), once
    Targets,            // each target neuron that spiked this step (in the target slice), once
    SynapsesOfSources,  // each synapse due now: the due sources' rows in order (or, with
                        // per-synapse delays, the synapses queued for this step)
    SynapsesOfTargets,  // each incoming synapse of the spiking targets, target after target
  } over = SynapsesOfSources;
  enum Body {
    Statements,  // `stmts` for every lane
    ScatterAdd,  // Projection::scatter: post.x[target] += sign·w, synapse by synapse
  } body = Statements;
  std::vector<Stmt> stmts;
  std::vector<int> decay;     // traces decayed to the event time before the body reads them
  bool store_scaled = false;  // Sources/Targets: their scaled traces stored back after
  // Synapse loops: one synapse after the other (the body reads and writes
  // postsynaptic state, mark_sequential), else in chunks of lanes, each
  // statement computed for a chunk before it is stored lane by lane.
  bool sequential = false;
  // mark_independent: running the synapses one after the other gives the
  // bits of the chunks (no synapse reads what another writes).
  bool independent = false;
  // Each synapse writes only its target neuron's state (and its own), and
  // reads nothing another target's synapse writes: the loop can be split
  // over threads by target range (each part walks the same rows in the
  // same order, so every target sees its additions in the one-thread
  // order). Set for ScatterAdd loops (lower_events); general handlers stay
  // on one thread.
  bool target_local = false;
};

struct ProjStep {
  std::vector<EventLoop> on_pre, on_post;  // in the order they run
};

struct Projection {
  std::string synapse;  // model name
  SourceRange range;
  Slice src, dst;
  Rule rule = Rule::AllToAll;
  double p = 1;
  size_t k = 0;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;  // relative to the slices
  ExprPtr when;                                      // over i, j (absolute indices)
  std::vector<Variable> vars;  // per-synapse params and states with their initial values
  ExprPtr delay;               // seconds; Const when uniform
  std::vector<Stmt> on_pre;
  std::vector<Stmt> on_post;
  std::vector<Trace> traces;
  // Trace updates hoisted out of the per-synapse handlers: run once per
  // spiking presynaptic (postsynaptic) neuron, before `on_pre` (`on_post`).
  std::vector<Stmt> pre_neuron, post_neuron;
  std::vector<ScatterAdd> scatter;  // filled by lower_handlers when on_pre has that form
  bool native = false;              // on_pre is exactly `scatter`
  // mark_sequential: the handler reads and writes postsynaptic state, so
  // its synapses run one after the other.
  bool on_pre_sequential = false, on_post_sequential = false;
  uint32_t id = 0;  // RNG stream for connectivity
  ProjStep step;    // lower_events
};

struct Monitor {
  SourceRange range;
  Slice target;
  bool spikes = false;
  struct Probe {
    std::string name;
    Dimension dim;
    ExprPtr value;  // a Var for params/states, the substituted expression for derived values
  };
  std::vector<Probe> probes;
  double every = 0;  // seconds; 0 = every step
  double from = 0;   // seconds: nothing is recorded before (spikes, samples)
};

struct Drive {
  SourceRange range;
  frontend::AssignOp op = frontend::AssignOp::Set;  // Add, Sub: `drive P.x += v`
  Slice target;                                     // pop = -1: the drive sets a modulator (slot)
  Space space = Space::Param;
  int slot = 0;
  std::string name;
  ExprPtr value;
};

struct Modulator {
  std::string name;
  Dimension dim;
  double initial = 0;  // SI
};

// `select P by score k = … group = … draw`: each step, after threshold
// detection, the k neurons of each group with the highest score spike (ties:
// the lower index), or k drawn with probability proportional to the score.
struct Selection {
  SourceRange range;
  Slice target;
  ExprPtr score;  // in the population's kernel
  size_t k = 1, group = 0;
  bool draw = false;
};

// A dendrite: the segments `collection` of population `post`'s cells, with
// synapses from population `pre`. Segments start empty; the model's actions
// adapt, grow and create them (interpreter/segments.cpp).
struct Dendrite {
  std::string model;
  SourceRange range;
  int pre = 0, post = 0;
  int collection = 0;      // index into the post kernel's `segments`
  double connected = 0.5;  // a synapse is connected when permanence ≥ connected − 1e-6
  size_t activation = 13, matching = 10, max_segments = 255, max_synapses = 255;
  ExprPtr candidate;  // `grow toward`, in the pre kernel; null: nothing grows
  struct Action {
    enum Kind { Adapt, Grow, Create } kind = Adapt;
    ExprPtr guard;  // the enclosing `if` conditions
    ExprPtr a, b;   // (increment, decrement) or (count, permanence)
    SourceRange range;
  };
  std::vector<Action> on_segment, on_cell;  // in statement order
};

// Rate layers (interpreter/rate_layers.cpp): populations of rate units that
// compute a = f(bias + Σ W·x) over a minibatch each step, fed by the host or
// by other layers through dense projections, and trained by `learn` rules
// with backpropagation and SGD. They never spike.
enum class Activation { Identity, Relu, Elu, Tanh, Sigmoid, Softmax };  // as frontend's names
const char* activation_name(Activation a);
enum class Loss { CrossEntropy, Mse };
const char* loss_name(Loss l);

struct Layer {
  std::string name;
  SourceRange range;
  size_t size = 0;
  Activation activation = Activation::Identity;
  ExprPtr bias;  // initial bias of each unit, over `i` and random numbers
};

// `connect A -> B via dense { w = … }`: weights W (B.size × A.size), every
// unit to every unit; W[j][i] is initialised from `weight` with `i` the
// source unit and `j` the target unit.
struct Dense {
  SourceRange range;
  int src = 0, dst = 0;  // indices into Module::layers
  ExprPtr weight;
};

// `learn Out loss = … rate = …`: each step for which the host gave targets,
// backpropagation of the loss's batch mean through every dense projection
// that leads to the layer, then W ← W − rate·∂L/∂W (and the biases alike).
struct Learn {
  SourceRange range;
  int layer = 0;
  Loss loss = Loss::CrossEntropy;
  ExprPtr rate;  // dimensionless; constants, modulators and `t`
};

struct Table {
  double step = 0;
  std::vector<double> values;
};

struct RunSpec {
  std::string circuit;
  double duration = 0;  // s
  double dt = 1e-4;     // s
  uint64_t seed = 0;
};

struct Module {
  std::vector<Kernel> kernels;
  std::vector<Population> pops;
  std::vector<Projection> projections;
  std::vector<Monitor> monitors;
  std::vector<Drive> drives;
  std::vector<Table> tables;
  std::vector<Modulator> modulators;  // every declared modulator, by name
  std::vector<Selection> selections;
  std::vector<Dendrite> dendrites;
  std::vector<Layer> layers;  // in declaration order
  std::vector<Dense> dense;   // in connect order
  std::vector<Learn> learners;
  std::vector<int> layer_order;  // layers, each after the layers that feed it
  RunSpec run;
  int rand_sites = 0;
};

// Calls `f` on every expression the model text put in the module (each
// may be null): parameters, states, lets, equations, thresholds, resets,
// initialisers, rates, synapse variables, delays, connection conditions,
// handlers (values and conditions), drives, group arguments, dendrite
// actions and recorded values. Passes that fold or check expressions use it.
void for_each_expr(Module& m, const std::function<void(ExprPtr&)>& f);

// Stable text for `neuro ir` and golden tests.
std::string print(const Expr& e);
std::string print(const Module& m);
std::string print(const std::vector<Stmt>& body, int indent);  // a line per statement

}  // namespace neuro::ir
