#include "ir/mark_sequential.h"

#include "ir/guard_held_writes.h"

namespace neuro::ir {

namespace {

// `x += v` and `x -= v` are scatter-adds and read nothing; `x *= f`, and any
// plain `x = v` under an `if` (a masked store keeps the old value), read
// the old value of x. The guard of a held state (guard_held_writes) is no
// such `if`: the target's refractoriness is the same for every synapse of
// an event, so a masked store either stores for all of a neuron's synapses
// or keeps the value for all of them, in chunks as one after the other.
void scan(const std::vector<Stmt>& body, bool& reads, bool& writes, bool under_if) {
  using frontend::AssignOp;
  for (const auto& s : body) {
    if (held_guard(s)) {
      scan(s.then_body, reads, writes, under_if);
      continue;
    }
    if (s.type == Stmt::Assign && s.space == Space::Post) {
      writes = true;
      if (s.op == AssignOp::Mul || s.op == AssignOp::Div || (s.op == AssignOp::Set && under_if))
        reads = true;
    }
    reads |= reads_space(s.value, Space::Post) || reads_space(s.cond, Space::Post);
    scan(s.then_body, reads, writes, true);
    scan(s.else_body, reads, writes, true);
  }
}

bool sequential(const std::vector<Stmt>& body) {
  bool reads = false, writes = false;
  scan(body, reads, writes, false);
  return reads && writes;
}

}  // namespace

void mark_sequential(Module& m) {
  for (auto& pr : m.projections) {
    pr.on_pre_sequential = sequential(pr.on_pre);
    pr.on_post_sequential = sequential(pr.on_post);
  }
}

}  // namespace neuro::ir
