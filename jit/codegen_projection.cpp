// Projections: native scatter-add delivery, `on pre` and `on post` handlers
// with their event-driven traces. The handlers are written the way the
// interpreter runs them (Simulation::Engine::deliver, post_events,
// run_batch): the due synapses in the same order, in chunks of up to 256
// synapses whose traces are decayed first (the bits of decaying the whole
// batch first, see chunk_function in codegen_chunks.cpp) and in which every
// statement is computed for all synapses before it is stored, synapse by
// synapse — or one synapse at a time when the handler reads and writes
// postsynaptic state (nj_proj::cap = 1). This file writes the entry points
// and their loops over the due synapses; jit/proj_gen.h says where the rest is.
#include <fmt/format.h>

#include "jit/codegen.h"
#include "jit/emit.h"
#include "jit/proj_gen.h"

namespace neuro::jit {

using ir::Kind;
using ir::Space;

namespace {

void collect_writes(const std::vector<ir::Stmt>& body, std::vector<bool>& written) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::Assign && s.space == Space::Syn) written[s.slot] = true;
    collect_writes(s.then_body, written);
    collect_writes(s.else_body, written);
  }
}

}  // namespace

ProjGen::ProjGen(const ir::Module& m, size_t index, Writer& w, const Where& where)
    : m_(m), pr_(m.projections[index]), index_(index), w_(w), where_(where) {
  std::vector<bool> written(pr_.vars.size(), false);
  collect_writes(pr_.on_pre, written);
  collect_writes(pr_.on_post, written);
  for (size_t v = 0; v < pr_.vars.size(); ++v)
    shared_.push_back(pr_.vars[v].value->kind == Kind::Const && !written[v]);
  const auto& src = m.pops[pr_.src.pop];
  const auto& dst = m.pops[pr_.dst.pop];
  pre_ = src.kernel >= 0 ? &m.kernels[src.kernel] : nullptr;
  post_ = dst.kernel >= 0 ? &m.kernels[dst.kernel] : nullptr;
}

void ProjGen::run(ProjCode& pc) {
  const bool uniform = pr_.delay->kind == Kind::Const;
  if (!pr_.step.on_pre.empty()) {
    if (!uniform) {
      pc.why_not = "per-synapse delays: `on pre` runs on the interpreter";
    } else if (emit_into([&] { return deliver(); })) {
      pc.deliver = fmt::format("nj_proj{}_deliver", index_);
      pc.deliver_splits = splits_;
    } else {
      pc.why_not = "`on pre` uses something the code generator does not handle";
    }
  }
  if (!pr_.step.on_post.empty()) {
    if (emit_into([&] { return post(); })) {
      pc.post = fmt::format("nj_proj{}_post", index_);
    } else if (pc.why_not.empty()) {
      pc.why_not = "`on post` uses something the code generator does not handle";
    }
  }
}

void ProjGen::prologue() {
  w_.line("const long step = c->step;");
  w_.line("const double t = c->t;");
  w_.line("const u64 ctr = c->ctr;  // random-number counter");
  w_.line("const u64* keys = c->keys;");
  w_.line("const double* mod = c->modulators;");
  w_.line("(void)step; (void)t; (void)ctr; (void)keys; (void)mod;");
  for (size_t v = 0; v < pr_.vars.size(); ++v)
    if (!shared_[v]) w_.line("double* __restrict W_{} = c->syn[{}];", ident(pr_.vars[v].name), v);
  if (pre_)
    for (size_t s = 0; s < pre_->states.size(); ++s)
      w_.line("double* PRE_{} = c->pre[{}];", ident(pre_->states[s].name), s);
  if (post_) {
    for (size_t s = 0; s < post_->states.size(); ++s)
      w_.line("double* POST_{} = c->post[{}];", ident(post_->states[s].name), s);
    w_.line("const long* __restrict POST_ref_end = c->post_ref_end;");
    w_.line("(void)POST_ref_end;");
  }
  for (size_t tr = 0; tr < pr_.traces.size(); ++tr) {
    w_.line("double* __restrict TR_{0} = c->trace[{1}];  // trace {0}, per {2}",
            ident(pr_.traces[tr].name), tr, ir::owner_name(pr_.traces[tr].owner));
    w_.line("double* __restrict TL_{} = c->trace_last[{}];", ident(pr_.traces[tr].name), tr);
    if (scaled(static_cast<int>(tr)))
      w_.line("const double TG_{0} = c->trace_g[{1}], TGI_{0} = c->trace_g[{2}];  // scaled",
              ident(pr_.traces[tr].name), 2 * tr, 2 * tr + 1);
  }
  w_.line("(void)0;");
}

// Reads through the lanes' index expressions: syn, pre, post (empty: none).
Ctx ProjGen::ctx(const std::string& syn, const std::string& pre, const std::string& post) {
  Ctx cx;
  cx.read = [this, syn, pre, post](Space sp, int slot) -> std::string {
    switch (sp) {
      case Space::Syn:
        if (shared_[slot]) return lit(pr_.vars[slot].value->value);
        return syn.empty() ? "" : fmt::format("W_{}[{}]", ident(pr_.vars[slot].name), syn);
      case Space::Pre:
        if (!pre_ || pre.empty() || slot >= static_cast<int>(pre_->states.size())) return "";
        return fmt::format("PRE_{}[{}]", ident(pre_->states[slot].name), pre);
      case Space::Post:
        if (!post_ || post.empty() || slot >= static_cast<int>(post_->states.size())) return "";
        return fmt::format("POST_{}[{}]", ident(post_->states[slot].name), post);
      case Space::PostRefractory:  // slot: steps after the event's step (guard_held_writes)
        if (!post_ || post.empty()) return "";
        return fmt::format("(double)(step + {} < POST_ref_end[{}])", slot, post);
      case Space::Trace: {
        const int l = list_of(slot);
        const std::string& idx = l == 0 ? syn : l == 1 ? pre : post;
        if (idx.empty()) return "";
        if (scaled(slot))
          return lane_mode_
                     ? fmt::format("A_{}", ident(pr_.traces[slot].name))
                     : fmt::format("(TR_{0}[{1}] * TG_{0})", ident(pr_.traces[slot].name), idx);
        return fmt::format("TR_{}[{}]", ident(pr_.traces[slot].name), idx);
      }
      default:
        return "";
    }
  };
  cx.entity = syn.empty() ? (pre.empty() ? post : pre) : syn;
  return cx;
}

// `post.x += w` for every due synapse (ir::EventLoop::ScatterAdd), as the
// interpreter's native loop.
bool ProjGen::native() {
  if (!post_) return false;
  struct Sc {
    std::string target, w;
    bool held;
  };
  std::vector<Sc> sc;
  for (const auto& s : pr_.scatter) {
    const ir::Expr& v = *s.value;
    Sc x;
    x.held = s.held;
    x.target = fmt::format("POST_{}", ident(post_->states[s.post_slot].name));
    if (v.kind == Kind::Const) {
      x.w = lit(s.sign * v.value);
    } else if (v.kind == Kind::Var && v.space == Space::Syn) {
      x.w = shared_[v.slot]
                ? lit(s.sign * pr_.vars[v.slot].value->value)
                : fmt::format("{} * W_{}[s]", lit(s.sign), ident(pr_.vars[v.slot].name));
    } else {
      return false;  // not a scatter-add loop (ir/lower_events.cpp)
    }
    if (pr_.scatter.size() > 1 && v.kind == Kind::Const)  // the interpreter's general loop
      x.w = fmt::format("{} * {}", lit(s.sign), lit(v.value));
    if (pr_.scatter.size() > 1 && v.kind == Kind::Var && shared_[v.slot])
      x.w = fmt::format("{} * {}", lit(s.sign), lit(pr_.vars[v.slot].value->value));
    sc.push_back(x);
  }
  w_.line("// {}", title());
  handler_comments("on pre", pr_.on_pre);
  w_.line("extern \"C\" void nj_proj{}_deliver(struct nj_proj* c) {{", index_);
  w_.depth++;
  prologue();
  open_due_rows("id");
  for (const auto& x : sc) {
    // A held state (ir::ScatterAdd::held): adds 0 where the target is refractory.
    if (x.held)
      w_.line("{}[col[s]] += nj_unless_refractory(step, POST_ref_end[col[s]], {});", x.target, x.w);
    else
      w_.line("{}[col[s]] += {};", x.target, x.w);
  }
  close_due_rows();
  w_.depth--;
  w_.line("}}");
  w_.line("");
  splits_ = true;
  return true;
}

// Statements over one lane (a once-per-neuron update, or one synapse of a
// synapse-after-synapse handler); a shared synapse variable is no target.
bool ProjGen::lane_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask) {
  auto writable = [this](const ir::Stmt& s) { return !(s.space == Space::Syn && shared_[s.slot]); };
  return lane_statements(w_, body, mask, cx, temps_, writable, where_);
}

// The start of the next spiking source's row, asked for ahead (rows of
// random sources each begin with a cache miss).
void ProjGen::next_row_prefetch(const std::string& indent) {
  w_.line("{}if (q + 1 < c->nspikers && c->spikers[q + 1] >= {}u && c->spikers[q + 1] < {}u)",
          indent, pr_.src.lo, pr_.src.hi);
  w_.line("{}  __builtin_prefetch(c->col + c->row[c->spikers[q + 1] - {}u]);", indent, pr_.src.lo);
}

// Opens the loops over the due synapses of the spiking sources: `q` over
// the sources (named `name`), `s` over each one's row — with threads, only
// the stretch of it onto this part's targets (interpreter/threads.cpp);
// close_due_rows() closes them.
void ProjGen::open_due_rows(const char* name) {
  w_.line("const u64* __restrict row = c->row;");
  w_.line("const unsigned int* __restrict col = c->col;");
  w_.line("const unsigned int* __restrict split = c->split;");
  w_.line("const u64 stride = c->nparts + 1;");
  w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
  w_.depth++;
  w_.line("const unsigned int {} = c->spikers[q];", name);
  next_row_prefetch("");
  w_.line("if ({0} < {1}u || {0} >= {2}u) continue;", name, pr_.src.lo, pr_.src.hi);
  w_.line("u64 b = row[{0} - {1}u], e = row[{0} - {1}u + 1];", name, pr_.src.lo);
  w_.line("if (split) {{");
  w_.line("  const unsigned int* o = split + (u64)({0} - {1}u) * stride;", name, pr_.src.lo);
  w_.line("  e = b + o[1];");
  w_.line("  b += o[0];");
  w_.line("}}");
  w_.line("for (u64 s = b; s < e; ++s) {{");
  w_.depth++;
}
void ProjGen::close_due_rows() {
  w_.depth--;
  w_.line("}}");
  w_.depth--;
  w_.line("}}");
}

void ProjGen::for_due_pre(const std::string& body) {
  w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
  w_.line("  const unsigned int pre = c->spikers[q];");
  next_row_prefetch("  ");
  w_.line("  if (pre < {}u || pre >= {}u) continue;", pr_.src.lo, pr_.src.hi);
  w_.line("  for (u64 s = c->row[pre - {0}u]; s < c->row[pre - {0}u + 1]; ++s) {{", pr_.src.lo);
  w_.line("    const unsigned int post = c->col[s];");
  w_.line("    (void)post;");
  w_.line("    {}", body);
  w_.line("  }}");
  w_.line("}}");
}

void ProjGen::for_due_post(const std::string& body) {
  w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
  w_.line("  const unsigned int post = c->spikers[q];");
  w_.line("  if (q + 1 < c->nspikers && c->spikers[q + 1] >= {0}u && c->spikers[q + 1] < {1}u)",
          pr_.dst.lo, pr_.dst.hi);
  w_.line("    __builtin_prefetch(c->post_syn + c->post_ptr[c->spikers[q + 1] - {}u]);",
          pr_.dst.lo);
  w_.line("  if (post < {}u || post >= {}u) continue;", pr_.dst.lo, pr_.dst.hi);
  w_.line("  for (u64 x = c->post_ptr[post - {0}u]; x < c->post_ptr[post - {0}u + 1]; ++x) {{",
          pr_.dst.lo);
  w_.line("    const u64 s = c->post_syn[x];");
  w_.line("    u64 r = c->row_block[s >> 6];  // the synapse's row, as ProjState::row_of");
  w_.line("    r += c->row[r + 1] <= s;");
  w_.line("    while (c->row[r + 1] <= s) ++r;");
  w_.line("    const unsigned int pre = (unsigned int)r + {}u;", pr_.src.lo);
  w_.line("    (void)pre;");
  w_.line("    {}", body);
  w_.line("  }}");
  w_.line("}}");
}

void ProjGen::handler_comments(const char* what, const std::vector<ir::Stmt>& body) {
  for (const auto& st : body)
    if (st.type == ir::Stmt::Assign)
      w_.line("//   {}: {} {} {}  ({})", what, st.name, frontend::assign_text(st.op),
              ir::print(*st.value), at(st.range));
    else
      w_.line("//   {}: if {} …  ({})", what, ir::print(*st.cond), at(st.range));
}

// The loop of `loops` over `over`, if there is one.
const ir::EventLoop* ProjGen::loop_over(const std::vector<ir::EventLoop>& loops,
                                        ir::EventLoop::Over over) const {
  for (const auto& l : loops)
    if (l.over == over) return &l;
  return nullptr;
}

// `on pre` with a uniform delay: the sources that spiked D steps ago, as
// the projection's event loops say (ir/lower_events.cpp).
bool ProjGen::deliver() {
  const auto* neurons = loop_over(pr_.step.on_pre, ir::EventLoop::Sources);
  const auto* syn = loop_over(pr_.step.on_pre, ir::EventLoop::SynapsesOfSources);
  if (syn && syn->body == ir::EventLoop::ScatterAdd) return !neurons && native();
  const std::string chunk = fmt::format("nj_proj{}_on_pre", index_);
  const bool direct = syn && syn->independent;  // ir/mark_independent.cpp
  if (syn && !direct && !chunk_function(chunk, *syn)) return false;
  w_.line("// {}", title());
  handler_comments("on pre, once per neuron", neurons ? neurons->stmts : std::vector<ir::Stmt>{});
  handler_comments("on pre", syn ? syn->stmts : std::vector<ir::Stmt>{});
  w_.line("extern \"C\" void nj_proj{}_deliver(struct nj_proj* c) {{", index_);
  w_.depth++;
  prologue();
  if (!once_per_neuron(neurons, 1)) return false;
  if (syn && direct) {
    if (!direct_pre(*syn)) return false;
  } else if (syn) {
    auto each_due = [&](const std::string& body) { for_due_pre(body); };
    batches(chunk, each_due, 1);
  }
  w_.depth--;
  w_.line("}}");
  w_.line("");
  return true;
}

// `on post` for the postsynaptic neurons that spiked, at t_{n+1}.
bool ProjGen::post() {
  const auto* neurons = loop_over(pr_.step.on_post, ir::EventLoop::Targets);
  const auto* syn = loop_over(pr_.step.on_post, ir::EventLoop::SynapsesOfTargets);
  const std::string chunk = fmt::format("nj_proj{}_on_post", index_);
  const bool direct = syn && syn->independent;  // ir/mark_independent.cpp
  if (syn && !direct && !chunk_function(chunk, *syn)) return false;
  w_.line("// {}", title());
  handler_comments("on post, once per neuron", neurons ? neurons->stmts : std::vector<ir::Stmt>{});
  handler_comments("on post", syn ? syn->stmts : std::vector<ir::Stmt>{});
  w_.line("extern \"C\" void nj_proj{}_post(struct nj_proj* c) {{", index_);
  w_.depth++;
  prologue();
  if (!once_per_neuron(neurons, 2)) return false;
  if (syn && direct) {
    if (!direct_post(*syn)) return false;
  } else if (syn) {
    auto each_due = [&](const std::string& body) { for_due_post(body); };
    batches(chunk, each_due, 2);
  }
  w_.depth--;
  w_.line("}}");
  w_.line("");
  return true;
}

void generate_projection(const ir::Module& m, size_t index, Writer& w, ProjCode& pc,
                         const Where& where) {
  ProjGen(m, index, w, where).run(pc);
}

}  // namespace neuro::jit
