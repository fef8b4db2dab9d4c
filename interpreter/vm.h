// The vector VM: IR expressions and statements compiled to a short list of
// instructions, each of which runs over all lanes (neurons or synapses) of a
// population at once, so dispatch costs once per instruction per step, not
// once per neuron.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ir/ir.h"

namespace neuro::interp {

// A value an instruction reads: an array with one value per lane, or a
// single value shared by all lanes.
struct Operand {
  const double* p = nullptr;
  bool vec = false;
  bool ext = false;  // an array outside the program (indexed by lane), not a register
};

// Where a variable is found: an array indexed by the lane, an array indexed
// through one of the lane's index lists (gather/scatter), or a scalar.
struct Binding {
  double* array = nullptr;
  int index_list = -1;  // -1: the lane itself
  bool scalar = false;  // array points at one value
};

// What the compiled code runs over at one call.
struct Lanes {
  size_t n = 0;
  uint32_t base = 0;                // entity id of lane 0 when ids == nullptr
  const uint32_t* ids = nullptr;    // entity ids for random numbers and `i`
  const uint32_t* lists[4] = {};    // index lists for gathers and scatters
  const uint32_t* i_ids = nullptr;  // `i` when it differs from the entity id (synapse code)
  const uint32_t* j_ids = nullptr;  // `j` in synapse and connect code
  double i_scalar = 0;              // `i` when it is the same for every lane (connect rows)
  bool i_is_scalar = false;
  uint64_t counter = 0;  // random-number counter: step + 1, or 0 at initialisation
  double t = 0;
  // Step IR: `refractory` is step < ref_end[id] (population lanes).
  const int64_t* ref_end = nullptr;
  int64_t step = 0;
  // Synapse lanes: the postsynaptic population's ref_end, indexed through
  // lists[2], for `post.refractory` (ir::Space::PostRefractory).
  const int64_t* post_ref_end = nullptr;
};

struct Instr;

class Program {
 public:
  using Resolver = std::function<Binding(ir::Space space, int slot)>;

  // `max_lanes` bounds Lanes::n at every run. `keys[site]` is the random
  // stream key of each rand() call site.
  // `modulators` holds the module's modulators (read as shared values).
  Program(size_t max_lanes, Resolver resolve, std::vector<uint64_t> keys,
          const std::vector<ir::Table>* tables, double* modulators = nullptr);
  ~Program();
  Program(Program&&) noexcept;

  // Compiles `e`; returns the operand that will hold its value after run().
  Operand value(const ir::ExprPtr& e);
  // Compiles statements (assignments store through their bindings).
  void statements(const std::vector<ir::Stmt>& body);
  // Copies the value of `e` into `out` (one per lane) at the end of run().
  void store_into(const ir::ExprPtr& e, double* out, int index_list = -1);
  // Step IR (ir::StepOp): defines local `local` as the value of `e`, or as
  // an affine sum (base ≥ 0: that local, else bias) + Σ coef·local, summed
  // in order; later expressions read it as Var(Space::Local, local).
  void let(int local, const ir::ExprPtr& e);
  void affine(int local, int base, double bias, const std::vector<std::pair<double, int>>& terms);

  void run(const Lanes& lanes);
  size_t instruction_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuro::interp
