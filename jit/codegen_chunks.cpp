// Chunked handlers: the due synapses gathered into chunks of up to 256,
// each run by a static function that decays the chunk's traces, then computes
// every statement for all its synapses before storing them synapse by synapse
// (the interpreter's run_batch).
#include <fmt/format.h>

#include "jit/emit.h"
#include "jit/proj_gen.h"
#include "numeric/schedule.h"

namespace neuro::jit {

using ir::Space;

// Statements over a chunk of lanes k < nk: each computed for every lane,
// then stored lane by lane (a `+=` adds lane by lane).
bool ProjGen::chunk_stmts(const std::vector<ir::Stmt>& body, Ctx& cx, const std::string& mask) {
  for (const auto& s : body) {
    if (s.type == ir::Stmt::If) {
      int id = temps_++;
      w_.line("// if {}  ({})", ir::print(*s.cond), at(s.range));
      w_.line("double C{0}[{1}], MT{0}[{1}], ME{0}[{1}];", id, num::kLaneChunk);
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
    w_.line("double V{}[{}];", id, num::kLaneChunk);
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

// A static function running the loop's statements over one chunk of lanes
// SY/PR/PO, after decaying the chunk's traces (the loop's `decay`) to now.
// Decaying chunk by chunk gives the bits of
// decaying the whole batch first, as the interpreter does: a handler
// touches only traces of its own lanes, decayed with its chunk, so a
// later chunk finds them current and changes nothing.
bool ProjGen::chunk_function(const std::string& name, const ir::EventLoop& loop) {
  w_.line("static void {}(struct nj_proj* c, const unsigned int* SY, const unsigned int* PR,",
          name);
  w_.line("    const unsigned int* PO, u64 nk) {{");
  w_.depth++;
  prologue();
  if (!loop.decay.empty()) {
    w_.line("// traces decayed to now");
    decay_batched(
        [&](const std::string& visit) {
          w_.line("for (u64 k = 0; k < nk; ++k) {{");
          w_.line("  const unsigned int s = SY[k], pre = PR[k], post = PO[k];");
          w_.line("  (void)s; (void)pre; (void)post;");
          w_.line("  {}", visit);
          w_.line("}}");
        },
        loop.decay);
  }
  Ctx cx = ctx("SY[k]", "PR[k]", "PO[k]");
  cx.index_i = "PR[k]";
  cx.index_j = "PO[k]";
  bool ok = chunk_stmts(loop.stmts, cx, "");
  w_.depth--;
  w_.line("}}");
  w_.line("");
  return ok;
}

// Prefetches while the chunk fills, of what lies scattered: `on pre`
// (side 1) reaches the postsynaptic neurons' traces and the states it
// writes at random; `on post` (side 2) the synapses' own variables and
// the presynaptic neurons' traces.
std::string ProjGen::prefetches(int side) {
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

// Gathers due synapses into chunks and runs `chunk` on each; `visit`
// writes the loops that yield (syn, pre, post).
void ProjGen::batches(const std::string& chunk,
                      const std::function<void(const std::string&)>& visit, int side) {
  w_.line("{{");
  w_.depth++;
  w_.line("unsigned int SY[{0}], PR[{0}], PO[{0}];", num::kLaneChunk);
  // A chunk also ends every `cap` synapses (the interpreter's chunks): at
  // g == lim, the next multiple of cap, rather than g % cap == 0, which
  // divided once per synapse.
  w_.line("u64 nk = 0, g = 0;");
  w_.line("const u64 cap = c->cap;");
  w_.line("u64 lim = cap;");
  const std::string pf = prefetches(side);
  visit(fmt::format(
      "if (nk > 0 && (nk == {} || g == lim)) {{ lim += g == lim ? cap : 0; {}(c, SY, PR, PO, "
      "nk); nk = 0; }} SY[nk] = (unsigned int)s; PR[nk] = pre; PO[nk] = post; ++nk; ++g;{}",
      num::kLaneChunk, chunk, pf));
  w_.line("if (nk > 0) {}(c, SY, PR, PO, nk);", chunk);
  w_.depth--;
  w_.line("}}");
}

}  // namespace neuro::jit
