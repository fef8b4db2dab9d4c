// Handlers run synapse after synapse, in statement order, where that gives
// the bits of a chunk (EventLoop::independent, ir/mark_independent.cpp):
// `on pre` over the spiking sources' rows, `on post` over the spiking
// targets' column lists.
#include <fmt/format.h>


#include "jit/emit.h"
#include "jit/proj_gen.h"

namespace neuro::jit {


namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

}  // namespace

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
