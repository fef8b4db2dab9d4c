// Projections: native scatter-add delivery, `on pre` and `on post` handlers
// with their event-driven traces. The handlers are written the way the
// interpreter runs them (Simulation::Engine::deliver, post_events,
// run_batch): the due synapses in the same order, in chunks of up to 256
// synapses whose traces are decayed first (the bits of decaying the whole
// batch first, see chunk_function) and in which every statement is computed
// for all synapses before it is stored, synapse by synapse — or one synapse
// at a time when the handler reads and writes postsynaptic state
// (nj_proj::cap = 1).
#include <fmt/format.h>

#include <map>
#include <set>

#include "ir/place_traces.h"
#include "jit/codegen.h"
#include "jit/emit.h"

namespace neuro::jit {

using ir::Kind;
using ir::Space;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

void collect_writes(const std::vector<ir::Stmt>& body, std::vector<bool>& written) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::Assign && s.space == Space::Syn) written[s.slot] = true;
    collect_writes(s.then_body, written);
    collect_writes(s.else_body, written);
  }
}

class ProjGen {
 public:
  ProjGen(const ir::Module& m, size_t index, Writer& w, const Where& where)
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

  void run(ProjCode& pc) {
    const bool uniform = pr_.delay->kind == Kind::Const;
    if (!pr_.on_pre.empty() || !pr_.pre_neuron.empty()) {
      if (!uniform) {
        pc.why_not = "per-synapse delays: `on pre` runs on the interpreter";
      } else if (emit_into([&] { return native() || deliver(); })) {
        pc.deliver = fmt::format("nj_proj{}_deliver", index_);
      } else {
        pc.why_not = "`on pre` uses something the code generator does not handle";
      }
    }
    if (!pr_.on_post.empty() || !pr_.post_neuron.empty()) {
      if (emit_into([&] { return post(); })) {
        pc.post = fmt::format("nj_proj{}_post", index_);
      } else if (pc.why_not.empty()) {
        pc.why_not = "`on post` uses something the code generator does not handle";
      }
    }
  }

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
  bool lane_mode_ = false;  // once-per-neuron statements: scaled traces in locals A_x

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

  void prologue() {
    w_.line("const long step = c->step;");
    w_.line("const double t = c->t;");
    w_.line("const u64 ctr = (u64)step + 1;");
    w_.line("const u64* keys = c->keys;");
    w_.line("const double* mod = c->modulators;");
    w_.line("(void)step; (void)t; (void)ctr; (void)keys; (void)mod;");
    for (size_t v = 0; v < pr_.vars.size(); ++v)
      if (!shared_[v]) w_.line("double* __restrict W_{} = c->syn[{}];", ident(pr_.vars[v].name), v);
    if (pre_)
      for (size_t s = 0; s < pre_->states.size(); ++s)
        w_.line("double* PRE_{} = c->pre[{}];", ident(pre_->states[s].name), s);
    if (post_)
      for (size_t s = 0; s < post_->states.size(); ++s)
        w_.line("double* POST_{} = c->post[{}];", ident(post_->states[s].name), s);
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
  Ctx ctx(const std::string& syn, const std::string& pre, const std::string& post) {
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

  // exp(-Δt/τ) from each trace's last event to now, for the lists given.
  void decay(const std::string& syn, const std::string& pre, const std::string& post) {
    for (size_t tr = 0; tr < pr_.traces.size(); ++tr) {
      const int l = list_of(static_cast<int>(tr));
      const std::string& idx = l == 0 ? syn : l == 1 ? pre : post;
      if (idx.empty()) continue;
      const std::string n = ident(pr_.traces[tr].name);
      if (scaled(static_cast<int>(tr))) {
        w_.line("double A_{0} = TR_{0}[{1}] * TG_{0};", n, idx);
        continue;
      }
      w_.line(
          "if (TL_{0}[{1}] != t) {{ "
          "TR_{0}[{1}] *= nj_exp(-(t - TL_{0}[{1}]) / {2}); TL_{0}[{1}] = t; }}",
          n, idx, lit(pr_.traces[tr].tau));
    }
  }

  // Scaled traces of `list` stored back after the once-per-neuron statements
  // (as the interpreter's store_scaled: every spiking neuron).
  void store_scaled(int list, const std::string& idx) {
    for (size_t tr = 0; tr < pr_.traces.size(); ++tr)
      if (list_of(static_cast<int>(tr)) == list && scaled(static_cast<int>(tr)))
        w_.line("TR_{0}[{1}] = A_{0} * TGI_{0};", ident(pr_.traces[tr].name), idx);
  }

  // `post.x += w` for every due synapse, as the interpreter's native loop.
  bool native() {
    // Like the interpreter, a native projection runs only its scatter-adds.
    if (!pr_.native || pr_.scatter.empty() || !post_) return false;
    struct Sc {
      std::string target, w;
    };
    std::vector<Sc> sc;
    for (const auto& s : pr_.scatter) {
      const ir::Expr& v = *s.value;
      Sc x;
      x.target = fmt::format("POST_{}", ident(post_->states[s.post_slot].name));
      if (v.kind == Kind::Const) {
        x.w = lit(s.sign * v.value);
      } else if (v.kind == Kind::Var && v.space == Space::Syn) {
        x.w = shared_[v.slot]
                  ? lit(s.sign * pr_.vars[v.slot].value->value)
                  : fmt::format("{} * W_{}[s]", lit(s.sign), ident(pr_.vars[v.slot].name));
      } else {
        return false;
      }
      if (pr_.scatter.size() > 1 && v.kind == Kind::Const)  // the interpreter's general loop
        x.w = fmt::format("{} * {}", lit(s.sign), lit(v.value));
      if (pr_.scatter.size() > 1 && v.kind == Kind::Var && shared_[v.slot])
        x.w = fmt::format("{} * {}", lit(s.sign), lit(pr_.vars[v.slot].value->value));
      sc.push_back(x);
    }
    w_.line("// {}", title());
    for (const auto& st : pr_.on_pre)
      w_.line("//   on pre: {} {} {}  ({})", st.name, frontend::assign_text(st.op),
              ir::print(*st.value), at(st.range));
    w_.line("extern \"C\" void nj_proj{}_deliver(struct nj_proj* c) {{", index_);
    w_.depth++;
    prologue();
    open_due_rows("id");
    for (const auto& x : sc) w_.line("{}[col[s]] += {};", x.target, x.w);
    close_due_rows();
    w_.depth--;
    w_.line("}}");
    w_.line("");
    return true;
  }

  // Statements over one lane (a once-per-neuron update, or one synapse of a
  // synapse-after-synapse handler); a shared synapse variable is no target.
  bool lane_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask) {
    auto writable = [this](const ir::Stmt& s) {
      return !(s.space == Space::Syn && shared_[s.slot]);
    };
    return lane_statements(w_, body, mask, cx, temps_, writable, where_);
  }

  // Statements over a chunk of lanes k < nk: each computed for every lane,
  // then stored lane by lane (a `+=` adds lane by lane).
  bool chunk_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask) {
    for (const auto& s : body) {
      if (s.type == ir::Stmt::If) {
        int id = temps_++;
        w_.line("// if {}  ({})", ir::print(*s.cond), at(s.range));
        w_.line("double C{0}[256], MT{0}[256], ME{0}[256];", id);
        w_.line("for (u64 k = 0; k < nk; ++k) {{");
        w_.line("  C{}[k] = {};", id, expr(s.cond, cx));
        if (mask.empty()) {
          w_.line("  MT{0}[k] = C{0}[k]; ME{0}[k] = nj_negation(C{0}[k]);", id);
        } else {
          w_.line("  MT{0}[k] = nj_both({1}[k], C{0}[k]);", id, mask);
          w_.line("  ME{0}[k] = nj_both({1}[k], nj_negation(C{0}[k]));", id, mask);
        }
        w_.line("}}");
        if (!chunk_stmts(s.then_body, cx, fmt::format("MT{}", id))) return false;
        if (!chunk_stmts(s.else_body, cx, fmt::format("ME{}", id))) return false;
        continue;
      }
      std::string target = cx.read(s.space, s.slot);
      if (target.empty() || (s.space == Space::Syn && shared_[s.slot])) return false;
      if (s.space == Space::Trace && scaled(s.slot)) return false;
      int id = temps_++;
      w_.line("// {} {} {}  ({})", s.name, frontend::assign_text(s.op), ir::print(*s.value),
              at(s.range));
      std::string v = expr(s.value, cx);
      using frontend::AssignOp;
      const std::string m = mask.empty() ? "" : mask + "[k]";
      w_.line("double V{}[256];", id);
      if (s.op == AssignOp::Add || s.op == AssignOp::Sub) {
        if (s.op == AssignOp::Sub) v = "(-" + v + ")";
        if (!m.empty()) v = fmt::format("nj_choose({}, {}, 0.0)", m, v);
        w_.line("for (u64 k = 0; k < nk; ++k) V{}[k] = {};", id, v);
        w_.line("for (u64 k = 0; k < nk; ++k) {} += V{}[k];", target, id);
        continue;
      }
      if (s.op != AssignOp::Set)
        v = fmt::format("({} {} {})", target, s.op == AssignOp::Mul ? "*" : "/", v);
      if (!m.empty()) v = fmt::format("nj_choose({}, {}, {})", m, v, target);
      w_.line("for (u64 k = 0; k < nk; ++k) V{}[k] = {};", id, v);
      w_.line("for (u64 k = 0; k < nk; ++k) {} = V{}[k];", target, id);
    }
    return cx.ok;
  }

  // A static function running `body` over one chunk of lanes SY/PR/PO,
  // after decaying the chunk's traces to now (those of list `skip_list`
  // were decayed before). Decaying chunk by chunk gives the bits of
  // decaying the whole batch first, as the interpreter does: a handler
  // touches only traces of its own lanes, decayed with its chunk, so a
  // later chunk finds them current and changes nothing.
  bool chunk_function(const std::string& name, const std::vector<ir::Stmt>& body, int skip_list) {
    w_.line("static void {}(struct nj_proj* c, const unsigned int* SY, const unsigned int* PR,",
            name);
    w_.line("    const unsigned int* PO, u64 nk) {{");
    w_.depth++;
    prologue();
    if (!pr_.traces.empty()) {
      w_.line("// traces decayed to now");
      decay_batched(
          [&](const std::string& visit) {
            w_.line("for (u64 k = 0; k < nk; ++k) {{");
            w_.line("  const unsigned int s = SY[k], pre = PR[k], post = PO[k];");
            w_.line("  (void)s; (void)pre; (void)post;");
            w_.line("  {}", visit);
            w_.line("}}");
          },
          skip_list);
    }
    Ctx cx = ctx("SY[k]", "PR[k]", "PO[k]");
    cx.index_i = "PR[k]";
    cx.index_j = "PO[k]";
    bool ok = chunk_stmts(body, cx, "");
    w_.depth--;
    w_.line("}}");
    w_.line("");
    return ok;
  }

  // Gathers due synapses into chunks and runs `chunk` on each; `visit`
  // writes the loops that yield (syn, pre, post).
  // Prefetches while the chunk fills, of what lies scattered: `on pre`
  // (side 1) reaches the postsynaptic neurons' traces and the states it
  // writes at random; `on post` (side 2) the synapses' own variables and
  // the presynaptic neurons' traces.
  std::string prefetches(int side) {
    auto pf = [](const std::string& array, const char* at) {
      return fmt::format(" __builtin_prefetch(&{}[{}], 1);", array, at);
    };
    std::string out;
    if (side == 2)
      for (size_t v = 0; v < pr_.vars.size(); ++v)
        if (!shared_[v]) out += pf("W_" + ident(pr_.vars[v].name), "s");
    for (size_t tr = 0; tr < pr_.traces.size(); ++tr) {
      const int l = list_of(static_cast<int>(tr));
      if (side == 1 ? l != 2 : l == 2) continue;
      const char* at = l == 0 ? "s" : l == 1 ? "pre" : "post";
      out += pf("TR_" + ident(pr_.traces[tr].name), at);
      if (!scaled(static_cast<int>(tr))) out += pf("TL_" + ident(pr_.traces[tr].name), at);
    }
    if (side == 1 && post_) {
      std::vector<bool> written(post_->states.size(), false);
      std::function<void(const std::vector<ir::Stmt>&)> scan = [&](const auto& body) {
        for (const auto& s : body) {
          if (s.type == ir::Stmt::Assign && s.space == Space::Post &&
              s.slot < static_cast<int>(written.size()))
            written[s.slot] = true;
          scan(s.then_body);
          scan(s.else_body);
        }
      };
      scan(pr_.on_pre);
      for (size_t s = 0; s < written.size(); ++s)
        if (written[s]) out += pf("POST_" + ident(post_->states[s].name), "post");
    }
    return out;
  }

  void batches(const std::string& chunk, const std::function<void(const std::string&)>& visit,
               int side) {
    w_.line("{{");
    w_.depth++;
    w_.line("unsigned int SY[256], PR[256], PO[256];");
    // A chunk also ends every `cap` synapses (the interpreter's chunks): at
    // g == lim, the next multiple of cap, rather than g % cap == 0, which
    // divided once per synapse.
    w_.line("u64 nk = 0, g = 0;");
    w_.line("const u64 cap = c->cap;");
    w_.line("u64 lim = cap;");
    const std::string pf = prefetches(side);
    visit(fmt::format(
        "if (nk > 0 && (nk == 256 || g == lim)) {{ lim += g == lim ? cap : 0; {}(c, SY, PR, PO, "
        "nk); nk = 0; }} SY[nk] = (unsigned int)s; PR[nk] = pre; PO[nk] = post; ++nk; ++g;{}",
        chunk, pf));
    w_.line("if (nk > 0) {}(c, SY, PR, PO, nk);", chunk);
    w_.depth--;
    w_.line("}}");
  }

  // The start of the next spiking source's row, asked for ahead (rows of
  // random sources each begin with a cache miss).
  void next_row_prefetch(const std::string& indent) {
    w_.line("{}if (q + 1 < c->nspikers && c->spikers[q + 1] >= {}u && c->spikers[q + 1] < {}u)",
            indent, pr_.src.lo, pr_.src.hi);
    w_.line("{}  __builtin_prefetch(c->col + c->row[c->spikers[q + 1] - {}u]);", indent,
            pr_.src.lo);
  }

  // Opens the loops over the due synapses of the spiking sources: `q` over
  // the sources (named `name`), `s` over each one's row; close_due_rows()
  // closes them.
  void open_due_rows(const char* name) {
    w_.line("const u64* __restrict row = c->row;");
    w_.line("const unsigned int* __restrict col = c->col;");
    w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
    w_.depth++;
    w_.line("const unsigned int {} = c->spikers[q];", name);
    next_row_prefetch("");
    w_.line("if ({0} < {1}u || {0} >= {2}u) continue;", name, pr_.src.lo, pr_.src.hi);
    w_.line("const u64 b = row[{0} - {1}u], e = row[{0} - {1}u + 1];", name, pr_.src.lo);
    w_.line("for (u64 s = b; s < e; ++s) {{");
    w_.depth++;
  }
  void close_due_rows() {
    w_.depth--;
    w_.line("}}");
    w_.depth--;
    w_.line("}}");
  }

  void for_due_pre(const std::string& body) {
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

  void for_due_post(const std::string& body) {
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

  // The decay of every due synapse's traces, as Engine::decay_traces: per
  // trace, each stale value listed once (its time set to t as it is
  // listed), the factors computed by a loop that vectorises (nj_decay), then
  // applied. `skip_list`: traces of that list were decayed just before.
  void decay_batched(const std::function<void(const std::string&)>& for_due, int skip_list) {
    for (size_t tr = 0; tr < pr_.traces.size(); ++tr) {
      const int l = list_of(static_cast<int>(tr));
      if (l == skip_list) continue;
      if (scaled(static_cast<int>(tr))) continue;  // read as TR * TG
      const std::string n = ident(pr_.traces[tr].name);
      const std::string idx = l == 0 ? "s" : l == 1 ? "pre" : "post";
      w_.line("{{  // trace {}", pr_.traces[tr].name);
      w_.depth++;
      w_.line("double DA[256];");
      w_.line("unsigned int DI[256];");
      w_.line("u64 dm = 0;");
      // DA holds t − last; nj_decay divides by τ in its vectorised loop.
      for_due(fmt::format(
          "if (TL_{0}[{1}] != t) {{ DA[dm] = t - TL_{0}[{1}]; DI[dm++] = {1}; "
          "TL_{0}[{1}] = t; if (dm == 256) {{ nj_decay(TR_{0}, DA, DI, dm, {2}); dm = 0; }} }}",
          n, idx, lit(pr_.traces[tr].tau)));
      w_.line("nj_decay(TR_{}, DA, DI, dm, {});", n, lit(pr_.traces[tr].tau));
      w_.depth--;
      w_.line("}}");
    }
  }

  void handler_comments(const char* what, const std::vector<ir::Stmt>& body) {
    for (const auto& st : body)
      if (st.type == ir::Stmt::Assign)
        w_.line("//   {}: {} {} {}  ({})", what, st.name, frontend::assign_text(st.op),
                ir::print(*st.value), at(st.range));
      else
        w_.line("//   {}: if {} …  ({})", what, ir::print(*st.cond), at(st.range));
  }

  // Whether `body` may run synapse after synapse instead of in chunks with
  // the same bits. A chunk computes each statement for all its synapses and
  // then stores them in order; that differs from running synapse by
  // synapse only where one synapse reads what another wrote: neuron
  // variables (and traces) written by the handler and read by it (also as
  // `pre.x` when the projection is onto its own population), written
  // by two statements (the adds would interleave differently), or written
  // with `*=`, `/=`. Synapse variables are each synapse's own. Traces must
  // be the scaled kind, read with one multiply and never decayed here.
  bool direct_ok(const std::vector<ir::Stmt>& body) const {
    std::map<std::pair<Space, int>, int> writes;
    std::set<std::pair<Space, int>> reads;
    bool ok = true;
    // Onto its own population, `pre.x` and `post.x` are one array.
    const bool same_pop = pr_.src.pop == pr_.dst.pop;
    auto key = [same_pop](Space sp, int slot) {
      return std::make_pair(same_pop && sp == Space::Pre ? Space::Post : sp, slot);
    };
    std::function<void(const ir::Expr&)> read = [&](const ir::Expr& e) {
      if (e.kind == Kind::Var) {
        if (e.space == Space::Trace && !scaled(e.slot)) ok = false;
        if (e.space == Space::Pre || e.space == Space::Post || e.space == Space::Trace)
          reads.insert(key(e.space, e.slot));
      }
      for (const auto& a : e.args) read(*a);
    };
    std::function<void(const std::vector<ir::Stmt>&)> walk = [&](const auto& stmts) {
      for (const auto& st : stmts) {
        if (st.type == ir::Stmt::If) {
          read(*st.cond);
          walk(st.then_body);
          walk(st.else_body);
          continue;
        }
        read(*st.value);
        using frontend::AssignOp;
        if (st.space == Space::Syn) continue;
        if ((st.space != Space::Pre && st.space != Space::Post) ||
            (st.op != AssignOp::Add && st.op != AssignOp::Sub && st.op != AssignOp::Set))
          ok = false;
        ++writes[key(st.space, st.slot)];
      }
    };
    walk(body);
    for (const auto& [where, n] : writes)
      if (n > 1 || reads.count(where)) ok = false;
    return ok;
  }

  // `body` for one synapse s (with pre, post), in statement order.
  bool direct_stmts(const std::vector<ir::Stmt>& body) {
    Ctx cx = ctx("s", "pre", "post");
    cx.index_i = "pre";
    cx.index_j = "post";
    return lane_stmts(body, cx, "");
  }

  // The once-per-neuron statements (trace updates) of `on pre` (list 1:
  // for each spiking source) or `on post` (list 2: each spiking target),
  // with the neuron's scaled traces in locals and stored back after.
  bool once_per_neuron(const std::vector<ir::Stmt>& body, int list) {
    if (body.empty()) return true;
    const bool pre = list == 1;
    const char* name = pre ? "pre" : "post";
    const auto& range = pre ? pr_.src : pr_.dst;
    w_.line("// once per spiking {}synaptic neuron", pre ? "pre" : "post");
    w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
    w_.depth++;
    w_.line("const unsigned int {} = c->spikers[q];", name);
    w_.line("if ({0} < {1}u || {0} >= {2}u) continue;", name, range.lo, range.hi);
    decay("", pre ? name : "", pre ? "" : name);
    lane_mode_ = true;
    Ctx cx = pre ? ctx("", name, "") : ctx("", "", name);
    cx.index_i = name;
    const bool ok = lane_stmts(body, cx, "");
    lane_mode_ = false;
    if (!ok) return false;
    store_scaled(list, name);
    w_.depth--;
    w_.line("}}");
    return true;
  }

  // `on pre` with a uniform delay: the sources that spiked D steps ago.
  bool deliver() {
    const std::string chunk = fmt::format("nj_proj{}_on_pre", index_);
    const bool direct = !pr_.on_pre.empty() && direct_ok(pr_.on_pre);
    if (!pr_.on_pre.empty() && !direct &&
        !chunk_function(chunk, pr_.on_pre, pr_.pre_neuron.empty() ? -1 : 1))
      return false;
    w_.line("// {}", title());
    handler_comments("on pre, once per neuron", pr_.pre_neuron);
    handler_comments("on pre", pr_.on_pre);
    w_.line("extern \"C\" void nj_proj{}_deliver(struct nj_proj* c) {{", index_);
    w_.depth++;
    prologue();
    if (!once_per_neuron(pr_.pre_neuron, 1)) return false;
    if (direct) {
      w_.line("// synapse after synapse: the handler has no dependence between synapses");
      open_due_rows("pre");
      w_.line("const unsigned int post = col[s];");
      w_.line("(void)post;");
      if (!direct_stmts(pr_.on_pre)) return false;
      close_due_rows();
    } else if (!pr_.on_pre.empty()) {
      auto each_due = [&](const std::string& body) { for_due_pre(body); };
      batches(chunk, each_due, 1);
    }
    w_.depth--;
    w_.line("}}");
    w_.line("");
    return true;
  }

  // `on post` for the postsynaptic neurons that spiked, at t_{n+1}.
  bool post() {
    const std::string chunk = fmt::format("nj_proj{}_on_post", index_);
    const bool direct = !pr_.on_post.empty() && direct_ok(pr_.on_post);
    if (!pr_.on_post.empty() && !direct &&
        !chunk_function(chunk, pr_.on_post, pr_.post_neuron.empty() ? -1 : 2))
      return false;
    w_.line("// {}", title());
    handler_comments("on post, once per neuron", pr_.post_neuron);
    handler_comments("on post", pr_.on_post);
    w_.line("extern \"C\" void nj_proj{}_post(struct nj_proj* c) {{", index_);
    w_.depth++;
    prologue();
    if (!once_per_neuron(pr_.post_neuron, 2)) return false;
    if (direct) {
      w_.line("// synapse after synapse: the handler has no dependence between synapses");
      w_.line("const unsigned int* __restrict psyn = c->post_syn;");
      w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
      w_.depth++;
      w_.line("const unsigned int post = c->spikers[q];");
      w_.line("if (post < {}u || post >= {}u) continue;", pr_.dst.lo, pr_.dst.hi);
      w_.line("const u64 xb = c->post_ptr[post - {0}u], xe = c->post_ptr[post - {0}u + 1];",
              pr_.dst.lo);
      // The synapses' variables lie scattered: asked for a few ahead.
      std::string pf;
      for (size_t v = 0; v < pr_.vars.size(); ++v)
        if (!shared_[v])
          pf += fmt::format(" __builtin_prefetch(&W_{}[psyn[x + 8]], 1);", ident(pr_.vars[v].name));
      if (!pf.empty())
        w_.line("for (u64 x = xb; x < xb + 8 && x < xe; ++x) {{{}}}",
                replace_all(pf, "x + 8", "x"));
      w_.line("for (u64 x = xb; x < xe; ++x) {{");
      w_.depth++;
      if (!pf.empty()) w_.line("if (x + 8 < xe) {{{}}}", pf);
      w_.line("const u64 s = psyn[x];");
      w_.line("u64 r = c->row_block[s >> 6];  // the synapse's row, as ProjState::row_of");
      w_.line("r += c->row[r + 1] <= s;");
      w_.line("while (c->row[r + 1] <= s) ++r;");
      w_.line("const unsigned int pre = (unsigned int)r + {}u;", pr_.src.lo);
      w_.line("(void)pre;");
      if (!direct_stmts(pr_.on_post)) return false;
      w_.depth--;
      w_.line("}}");
      w_.depth--;
      w_.line("}}");
    } else if (!pr_.on_post.empty()) {
      auto each_due = [&](const std::string& body) { for_due_post(body); };
      batches(chunk, each_due, 2);
    }
    w_.depth--;
    w_.line("}}");
    w_.line("");
    return true;
  }
};

}  // namespace

void generate_projection(const ir::Module& m, size_t index, Writer& w, ProjCode& pc,
                         const Where& where) {
  ProjGen(m, index, w, where).run(pc);
}

}  // namespace neuro::jit
