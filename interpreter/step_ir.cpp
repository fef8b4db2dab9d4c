// The interpreter's run of a population's loop-level step (ir.h, PopStep):
// each loop over neurons is one vector-VM program (interpreter/vm.cpp),
// whose instructions run over chunks of 256 neurons; group reductions and
// the spike scan are numeric/reduce.h's. It sits behind the same seam as
// the JIT's code (interpreter/stepper.h), so the engine schedules both alike.
#include <algorithm>

#include "frontend/diagnostics.h"
#include "interpreter/affine_loop.h"
#include "interpreter/engine_state.h"
#include "numeric/reduce.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Lanes;

namespace {

class StepIr final : public interp::PopStepper {
 public:
  StepIr(PopState& ps, const std::function<Program()>& make, std::function<void()> substeps)
      : ps_(ps), substeps_(std::move(substeps)) {
    const ir::Kernel& k = *ps.kernel;
    for (const ir::StepLoop& loop : k.step.loops) {
      progs_.emplace_back();
      affine_.push_back(interp::match_affine(k, loop));
      if (affine_.back() || loop.kind == ir::StepLoop::Substeps || loop.kind == ir::StepLoop::Reset)
        continue;
      Program prog = make();
      if (loop.kind == ir::StepLoop::Group)
        prog.store_into(k.groups[loop.group].arg, ps.group_vals[loop.group].data());
      bool stored = false;
      for (const ir::StepOp& op : loop.body) switch (op.kind) {
          case ir::StepOp::Let:
          case ir::StepOp::Affine:
            // Locals may alias the arrays they were read from (lower_step.cpp).
            NEURO_INTERNAL_ASSERT(!stored, "a step IR local defined after a store");
            if (op.kind == ir::StepOp::Let)
              prog.let(op.local, op.value);
            else
              prog.affine(op.local, op.base, op.bias, op.terms);
            break;
          case ir::StepOp::Store:
            stored = true;
            prog.store_into(ir::Expr::var(ir::Space::Local, op.local, "", {}),
                            ps.states[op.state].data());
            break;
          case ir::StepOp::Flag:
            if (op.value) {
              ps.cond.assign(ps.n, 0.0);
              prog.store_into(op.value, ps.cond.data());
            }
            break;
        }
      progs_.back().emplace(std::move(prog));
    }
    spike_buf_.resize(ps.n);
  }

  void integrate(const interp::StepClock& c, std::vector<uint32_t>& spikes) override {
    const ir::Kernel& k = *ps_.kernel;
    Lanes l;
    l.n = ps_.n;
    l.counter = num::rng_counter(c.step);
    l.t = c.t;
    l.ref_end = ps_.ref_end.data();
    l.step = c.step;
    for (size_t q = 0; q < k.step.loops.size(); ++q) {
      const ir::StepLoop& loop = k.step.loops[q];
      switch (loop.kind) {
        case ir::StepLoop::Substeps:
          substeps_();
          break;
        case ir::StepLoop::Group: {
          const ir::GroupReduce& g = k.groups[loop.group];
          progs_[q]->run(l);
          num::group_reduce(static_cast<int>(g.op), ps_.group_vals[loop.group].data(), ps_.n,
                            g.size);
          break;
        }
        case ir::StepLoop::Neurons:
        case ir::StepLoop::Threshold:
          if (affine_[q]) {
            state_ptrs_.clear();
            for (auto& a : ps_.states) state_ptrs_.push_back(a.data());
            const size_t ns = interp::run_affine(*affine_[q], state_ptrs_.data(), ps_.n,
                                                 ps_.ref_end.data(), c.step, spike_buf_.data(), 0);
            spikes.insert(spikes.end(), spike_buf_.begin(),
                          spike_buf_.begin() + static_cast<long>(ns));
            break;
          }
          progs_[q]->run(l);
          // A flag in the update loop may run after it: neurons do not
          // interact there (ir/fuse_threshold.h).
          for (const ir::StepOp& op : loop.body)
            if (op.kind == ir::StepOp::Flag) scan(op, c.step, spikes);
          break;
        case ir::StepLoop::Reset:
          break;  // the engine runs it with the host's spikes (PopState::reset)
      }
    }
  }
  bool resets() const override { return false; }
  void reset(const interp::StepClock&, const std::vector<uint32_t>&) override {}

 private:
  // The flags of 256 neurons at a time (a loop without branches), then the
  // scan of numeric/reduce.h, as the JIT's code does.
  void scan(const ir::StepOp& flag, int64_t step, std::vector<uint32_t>& spikes) {
    const ir::Kernel& k = *ps_.kernel;
    const size_t n = ps_.n;
    const int64_t* ref_end = ps_.ref_end.data();
    unsigned long ns = 0;
    uint8_t F[num::kLaneChunk + 8];
    auto blocks = [&](auto cond) {
      for (size_t b = 0; b < n; b += num::kLaneChunk) {
        const size_t e = std::min(n, b + num::kLaneChunk);
        for (size_t i = b; i < e; ++i) F[i - b] = cond(i) & (step >= ref_end[i]);
        std::fill(F + (e - b), F + ((e - b + 7) & ~size_t{7}), uint8_t{0});
        ns = num::spike_scan(F, b, e - b, spike_buf_.data(), ns);
      }
    };
    if (flag.value) {
      const double* c = ps_.cond.data();
      blocks([c](size_t i) { return c[i] != 0; });
    } else {
      const ir::FastThreshold& f = *k.fast_threshold;  // ir/recognise_threshold.cpp
      const double* x = ps_.states[f.state].data();
      const double v = f.value;
      switch (f.op) {
        case ir::Op::Gt:
          blocks([x, v](size_t i) { return x[i] > v; });
          break;
        case ir::Op::Ge:
          blocks([x, v](size_t i) { return x[i] >= v; });
          break;
        case ir::Op::Lt:
          blocks([x, v](size_t i) { return x[i] < v; });
          break;
        default:
          blocks([x, v](size_t i) { return x[i] <= v; });
          break;
      }
    }
    spikes.insert(spikes.end(), spike_buf_.begin(), spike_buf_.begin() + static_cast<long>(ns));
  }

  PopState& ps_;
  std::function<void()> substeps_;
  std::vector<std::optional<Program>> progs_;              // by loop
  std::vector<std::optional<interp::AffineLoop>> affine_;  // by loop: the fast path
  std::vector<double*> state_ptrs_;
  std::vector<uint32_t> spike_buf_;
};

}  // namespace

std::shared_ptr<interp::PopStepper> make_step_ir_stepper(PopState& ps,
                                                         const std::function<Program()>& make,
                                                         std::function<void()> substeps) {
  return std::make_shared<StepIr>(ps, make, std::move(substeps));
}

}  // namespace neuro
