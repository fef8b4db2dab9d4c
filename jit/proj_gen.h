// The code generator of one projection (private to jit/), one file per
// concern: the functions and their loops over due synapses
// (codegen_projection.cpp), chunked handlers (codegen_chunks.cpp), trace
// decays (codegen_traces.cpp), synapse-after-synapse handlers (codegen_direct.cpp).
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "ir/place_traces.h"
#include "jit/codegen.h"
#include "jit/emit.h"

namespace neuro::jit {

class ProjGen {
 public:
  ProjGen(const ir::Module& m, size_t index, Writer& w, const Where& where);

  // Appends the projection's functions to the writer and says what they cover.
  void run(ProjCode& pc);

 private:
  const ir::Module& m_;
  const ir::Projection& pr_;
  size_t index_;
  Writer& w_;
  const Where& where_;
  std::vector<bool> shared_;
  const ir::Kernel* pre_ = nullptr;
  const ir::Kernel* post_ = nullptr;
  int temps_ = 0;
  bool lane_mode_ = false;
  bool splits_ = false;  // the deliver function honours nj_proj::split  // once-per-neuron
                         // statements: scaled traces in locals A_x

  bool scaled(int trace) const { return ir::trace_scaled(pr_.traces[trace], m_.run.dt); }

  // Writes into a scratch writer and keeps the text only when `f` succeeds.
  template <class F>
  bool emit_into(F f) {
    Writer mine;
    mine.depth = w_.depth;
    std::swap(mine, w_);
    bool ok = f();
    std::swap(mine, w_);
    if (ok) w_.out += mine.out;
    return ok;
  }

  std::string at(const frontend::SourceRange& r) const {
    return where_ ? where_(r) : fmt::format("line {}", r.line);
  }
  std::string title() const {
    return fmt::format("projection #{}: {}[{}:{}] -> {}[{}:{}] via {} ({})", index_,
                       m_.pops[pr_.src.pop].name, pr_.src.lo, pr_.src.hi, m_.pops[pr_.dst.pop].name,
                       pr_.dst.lo, pr_.dst.hi, pr_.synapse, at(pr_.range));
  }
  int list_of(int trace) const {
    auto o = pr_.traces[trace].owner;
    return o == ir::Trace::Synapse ? 0 : o == ir::Trace::Pre ? 1 : 2;
  }

  // codegen_projection.cpp: the entry points and the loops over due synapses.
  void prologue();
  Ctx ctx(const std::string& syn, const std::string& pre, const std::string& post);
  bool native();
  bool lane_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask);
  void next_row_prefetch(const std::string& indent);
  void open_due_rows(const char* name);
  void close_due_rows();
  void for_due_pre(const std::string& body);
  void for_due_post(const std::string& body);
  void handler_comments(const char* what, const std::vector<ir::Stmt>& body);
  bool deliver();
  bool post();
  const ir::EventLoop* loop_over(const std::vector<ir::EventLoop>& loops,
                                 ir::EventLoop::Over over) const;

  // codegen_chunks.cpp: handlers run over chunks of due synapses.
  bool chunk_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask);
  bool chunk_function(const std::string& name, const ir::EventLoop& loop);
  std::string prefetches(int side);
  void batches(const std::string& chunk, const std::function<void(const std::string&)>& visit,
               int side);

  // codegen_traces.cpp: event-driven trace decays and once-per-neuron updates.
  void decay(const std::vector<int>& which, const std::string& syn, const std::string& pre,
             const std::string& post);
  void store_scaled(int list, const std::string& idx);
  void decay_batched(const std::function<void(const std::string&)>& for_due,
                     const std::vector<int>& which);
  bool once_per_neuron(const ir::EventLoop* loop, int list);

  // codegen_direct.cpp: handlers run synapse after synapse.
  bool direct_stmts(const std::vector<ir::Stmt>& body);
  bool direct_pre(const ir::EventLoop& loop);
  bool direct_post(const ir::EventLoop& loop);
};

}  // namespace neuro::jit
