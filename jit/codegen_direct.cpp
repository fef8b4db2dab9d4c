// Handlers run synapse after synapse, in statement order, where that gives
// the bits of a chunk (direct_ok says when): `on pre` over the spiking
// sources' rows, `on post` over the spiking targets' column lists.
#include <fmt/format.h>

#include <map>
#include <set>

#include "jit/emit.h"
#include "jit/proj_gen.h"

namespace neuro::jit {

using ir::Kind;
using ir::Space;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

}  // namespace

// Whether `body` may run synapse after synapse instead of in chunks with
// the same bits. A chunk computes each statement for all its synapses and
// then stores them in order; that differs from running synapse by
// synapse only where one synapse reads what another wrote: neuron
// variables (and traces) written by the handler and read by it (also as
// `pre.x` when the projection is onto its own population), written
// by two statements (the adds would interleave differently), or written
// with `*=`, `/=`. Synapse variables are each synapse's own. The loop's
// traces must be the scaled kind, read with one multiply and never decayed here.
bool ProjGen::direct_ok(const ir::EventLoop& loop) const {
  const std::vector<ir::Stmt>& body = loop.stmts;
  for (int tr : loop.decay)
    if (!scaled(tr)) return false;
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
bool ProjGen::direct_stmts(const std::vector<ir::Stmt>& body) {
  Ctx cx = ctx("s", "pre", "post");
  cx.index_i = "pre";
  cx.index_j = "post";
  return lane_stmts(body, cx, "");
}

// `on pre` for every due synapse of the spiking sources.
bool ProjGen::direct_pre(const ir::EventLoop& loop) {
  w_.line("// synapse after synapse: the handler has no dependence between synapses");
  open_due_rows("pre");
  w_.line("const unsigned int post = col[s];");
  w_.line("(void)post;");
  if (!direct_stmts(loop.stmts)) return false;
  close_due_rows();
  return true;
}

// `on post` for every synapse onto the spiking targets.
bool ProjGen::direct_post(const ir::EventLoop& loop) {
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
    w_.line("for (u64 x = xb; x < xb + 8 && x < xe; ++x) {{{}}}", replace_all(pf, "x + 8", "x"));
  w_.line("for (u64 x = xb; x < xe; ++x) {{");
  w_.depth++;
  if (!pf.empty()) w_.line("if (x + 8 < xe) {{{}}}", pf);
  w_.line("const u64 s = psyn[x];");
  w_.line("u64 r = c->row_block[s >> 6];  // the synapse's row, as ProjState::row_of");
  w_.line("r += c->row[r + 1] <= s;");
  w_.line("while (c->row[r + 1] <= s) ++r;");
  w_.line("const unsigned int pre = (unsigned int)r + {}u;", pr_.src.lo);
  w_.line("(void)pre;");
  if (!direct_stmts(loop.stmts)) return false;
  w_.depth--;
  w_.line("}}");
  w_.depth--;
  w_.line("}}");
  return true;
}

}  // namespace neuro::jit
