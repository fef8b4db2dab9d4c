// generate(): the ABI and the prelude, then the functions of each population
// (PopGen: integrate with its threshold, reset; the solvers' updates are in
// codegen_solvers.cpp) and of each projection (codegen_projection.cpp).
#include "jit/codegen.h"

#include <fmt/format.h>

#include "jit/abi.h"
#include "jit/emit.h"
#include "jit/pop_gen.h"

namespace neuro::jit {

using ir::Kind;
using ir::Op;
using ir::Space;

PopCode PopGen::run() {
  PopCode pc;
  if (k_.solver == ir::Solver::RK45) {
    pc.why_not = "rk45 (adaptive substeps shared by the population) runs on the interpreter";
    return pc;
  }
  bool clamped = false;
  for (const auto& o : k_.odes) clamped |= o.unless_refractory && k_.refractory;
  clamps_ = clamped;
  Writer body;
  std::swap(body, w_);
  const bool ok = integrate(pc);
  std::swap(body, w_);
  if (ok) {
    w_.out += body.out;
    pc.integrate = fmt::format("nj_pop{}_integrate", index_);
    pc.detects = true;
    pc.splittable = k_.groups.empty();
  } else {
    pc.why_not = "an expression the code generator does not handle";
  }
  if (!k_.reset.empty()) {
    Writer rb;
    std::swap(rb, w_);
    const bool rok = reset();
    std::swap(rb, w_);
    if (rok) {
      w_.out += rb.out;
      pc.reset = fmt::format("nj_pop{}_reset", index_);
    }
  }
  return pc;
}

void PopGen::prologue(bool reset) {
  w_.line("const long step = c->step;");
  w_.line("const double t = c->t;");
  w_.line("const u64 ctr = (u64)step + 1;  // random-number counter");
  w_.line("const u64* keys = c->keys;");
  w_.line("const double* mod = c->modulators;");
  w_.line("const long* __restrict ref_end = c->ref_end;");
  w_.line("(void)t; (void)ctr; (void)keys; (void)mod; (void)ref_end;");
  for (size_t s = 0; s < k_.states.size(); ++s)
    w_.line("double* __restrict S_{} = c->states[{}];  // state {}", sname(s), s,
            k_.states[s].name);
  for (size_t s = 0; s < k_.params.size(); ++s)
    if (k_.params[s].per_neuron)
      w_.line("double* __restrict P_{} = c->params[{}];  // per-neuron parameter {}", pname(s), s,
              k_.params[s].name);
  static const char* const fields[] = {"active_segments", "matching_segments", "segments",
                                       "best_potential"};
  for (size_t s = 0; s < 4 * k_.segments.size(); ++s)
    if (reads(Space::Segment, static_cast<int>(s)))
      w_.line("double* __restrict SG_{} = c->seg_agg[{}];  // {}.{}", s, s, k_.segments[s / 4],
              fields[s % 4]);
  for (size_t g = 0; g < k_.groups.size(); ++g)
    if (!reset || reads(Space::Group, static_cast<int>(g)))
      w_.line("double* __restrict GR_{} = c->group_vals[{}];  // group reduction {}", g, g, g);
  (void)reset;
}

// Reads of the arrays at neuron `i`, or of `local` values for states.
Ctx PopGen::ctx(const std::string& state_prefix) {
  Ctx cx;
  cx.read = [this, state_prefix](Space sp, int slot) -> std::string {
    if (sp == Space::State)
      return fmt::format("{}{}", state_prefix, sname(slot)) + (state_prefix == "S_" ? "[i]" : "");
    if (sp == Space::Param && k_.params[slot].per_neuron)
      return fmt::format("P_{}[i]", pname(slot));
    if (sp == Space::Segment) return fmt::format("SG_{}[i]", slot);
    if (sp == Space::Group) return fmt::format("GR_{}[i]", slot);
    return "";
  };
  return cx;
}

// Whether any expression of the kernel reads (space, slot).
bool PopGen::reads(Space sp, int slot) const {
  std::function<bool(const ir::ExprPtr&)> in = [&](const ir::ExprPtr& e) {
    if (!e) return false;
    if (e->kind == Kind::Var && e->space == sp && e->slot == slot) return true;
    for (const auto& a : e->args)
      if (in(a)) return true;
    return false;
  };
  std::function<bool(const std::vector<ir::Stmt>&)> body = [&](const std::vector<ir::Stmt>& b) {
    for (const auto& s : b)
      if (in(s.value) || in(s.cond) || body(s.then_body) || body(s.else_body)) return true;
    return false;
  };
  for (const auto& o : k_.odes)
    if (in(o.rhs)) return true;
  for (const auto& u : k_.update)
    if (in(u)) return true;
  for (const auto& c : k_.linear.c)
    if (in(c)) return true;
  for (const auto& g : k_.groups)
    if (in(g.arg)) return true;
  return in(k_.threshold) || body(k_.reset);
}

// Group reductions, as Engine::compute_groups makes them: after the
// update, before the threshold, in slot order (an inner reduction before
// the one that reads it). Each argument over the whole population, stored
// in the value array itself, then each group reduced in place: its
// arguments are all read before any value of the group is written.
bool PopGen::groups() {
  Ctx cx = ctx("S_");
  for (size_t g = 0; g < k_.groups.size(); ++g) {
    const ir::GroupReduce& gr = k_.groups[g];
    const char* op = gr.op == ir::GroupReduce::Max      ? "group_max"
                     : gr.op == ir::GroupReduce::ArgMax ? "group_argmax"
                                                        : "group_sum";
    w_.line("// group reduction {}, {}: {}({}, {})", g, at(gr.range), op, ir::print(*gr.arg),
            gr.size);
    w_.line("for (u64 i = 0; i < n; ++i) GR_{}[i] = {};", g, expr(gr.arg, cx));
    w_.line("for (u64 g0 = 0; g0 < n; g0 += {}) {{", gr.size);
    w_.depth++;
    w_.line("const u64 g1 = g0 + {0} < n ? g0 + {0} : n;", gr.size);
    if (gr.op == ir::GroupReduce::Sum) {
      w_.line("double sum = 0;");
      w_.line("for (u64 i = g0; i < g1; ++i) sum += GR_{}[i];", g);
      w_.line("for (u64 i = g0; i < g1; ++i) GR_{}[i] = sum;", g);
    } else {
      // The first largest argument, as the interpreter's `x[i] > x[arg]`
      // (m is always x[arg]: NaN and -0.0 behave the same).
      w_.line("double m = GR_{}[g0];", g);
      if (gr.op == ir::GroupReduce::Max) {
        w_.line("for (u64 i = g0 + 1; i < g1; ++i) m = GR_{}[i] > m ? GR_{}[i] : m;", g, g);
        w_.line("for (u64 i = g0; i < g1; ++i) GR_{}[i] = m;", g);
      } else {
        w_.line("u64 arg = g0;");
        w_.line("for (u64 i = g0 + 1; i < g1; ++i)");
        w_.line("  if (GR_{}[i] > m) m = GR_{}[i], arg = i;", g, g);
        w_.line("for (u64 i = g0; i < g1; ++i) GR_{}[i] = i == arg ? 1.0 : 0.0;", g);
      }
    }
    w_.depth--;
    w_.line("}}");
  }
  return cx.ok;
}

// The threshold condition for neuron i, from the stored states.
std::string PopGen::threshold_test(bool& ok) {
  if (const auto& f = k_.fast_threshold) {  // ir/recognise_threshold.cpp
    const char* op = f->op == Op::Gt ? ">" : f->op == Op::Ge ? ">=" : f->op == Op::Lt ? "<" : "<=";
    return fmt::format("S_{}[i] {} {}", sname(f->state), op, lit(f->value));
  }
  Ctx cx = ctx("S_");
  std::string cond = expr(k_.threshold, cx) + " != 0";
  ok &= cx.ok;
  return cond;
}

// The block's flags F, 8 neurons at a time, into the spike list.
void PopGen::spike_scan() {
  w_.line("for (u64 k = 0; k < e - b; k += 8) {{");
  w_.line("  u64 word;");
  w_.line("  __builtin_memcpy(&word, F + k, 8);");
  w_.line("  if (word)");
  w_.line("    for (u64 j = k; j < k + 8; ++j)");
  w_.line("      if (F[j]) spikes[ns++] = (unsigned int)(b + j);");
  w_.line("}}");
}

bool PopGen::integrate(PopCode&) {
  bool ok = true;
  w_.line("// population {} = {}[{}]: model {} ({}), solver {}", pop_.name, k_.model, pop_.size,
          k_.model, at(k_.range), ir::solver_name(k_.solver));
  w_.line("extern \"C\" void nj_pop{}_integrate(struct nj_pop* c) {{", index_);
  w_.depth++;
  prologue(false);
  w_.line("const u64 n = c->n;");
  w_.line("const u64 lo = c->lo, hi = c->hi;  // this call's part of the population");
  w_.line("(void)n;");
  w_.line("unsigned int* __restrict spikes = c->spikes;");
  w_.line("u64 ns = 0;");
  w_.line("// blocks of 256 neurons: the update loop vectorises, the threshold scan");
  w_.line("// finds the block still in L1 cache");
  w_.line("for (u64 b = lo; b < hi; b += 256) {{");
  w_.depth++;
  w_.line("const u64 e = b + 256 < hi ? b + 256 : hi;");
  // Without group reductions the threshold is tested in the update loop,
  // on the values just stored; a block is scanned only when one of its
  // flags is set (reading the flag bytes back as words right after
  // storing them stalls: most blocks have no spike).
  const bool fused = k_.threshold && k_.groups.empty();
  if (fused) w_.line("unsigned char F[264] = {{0}};");
  if (fused) w_.line("unsigned int any = 0;");
  w_.line("for (u64 i = b; i < e; ++i) {{");
  w_.depth++;
  ok = solve();
  if (fused) {
    w_.line("// threshold, {}: {}", at(k_.threshold->range), ir::print(*k_.threshold));
    w_.line("F[i - b] = ({}) & (step >= ref_end[i]);", threshold_test(ok));
    w_.line("any |= F[i - b];");
  }
  w_.depth--;
  w_.line("}}");
  if (fused) {
    w_.line("if (any)");
    spike_scan();
  }
  if (!k_.groups.empty()) {
    // The reductions need the whole population updated: the threshold
    // test gets blocks of its own.
    w_.depth--;
    w_.line("}}");
    ok &= groups();
    w_.line("for (u64 b = lo; b < hi; b += 256) {{");
    w_.depth++;
    w_.line("const u64 e = b + 256 < hi ? b + 256 : hi;");
  }
  if (k_.threshold && !fused) {
    w_.line("// threshold, {}: {}", at(k_.threshold->range), ir::print(*k_.threshold));
    w_.line("// flags first (a loop that vectorises), then a scan 8 neurons at a time");
    w_.line("unsigned char F[264] = {{0}};");
    w_.line("for (u64 i = b; i < e; ++i)");
    w_.line("  F[i - b] = ({}) & (step >= ref_end[i]);", threshold_test(ok));
    spike_scan();
  }
  w_.depth--;
  w_.line("}}");
  w_.line("c->nspikes = ns;");
  w_.depth--;
  w_.line("}}");
  w_.line("");
  return ok;
}

// The reset, one spiking neuron after the other (each statement sees the
// ones before it; neurons do not interact).
bool PopGen::reset() {
  w_.line("// reset of {} ({})", pop_.name, at(k_.range));
  w_.line("extern \"C\" void nj_pop{}_reset(struct nj_pop* c) {{", index_);
  w_.depth++;
  prologue(true);
  w_.line("for (u64 k = 0; k < c->n; ++k) {{");
  w_.depth++;
  w_.line("const u64 i = c->ids[k];");
  Ctx cx = ctx("S_");
  int masks = 0;
  bool ok = lane_statements(w_, k_.reset, "", cx, masks, nullptr, where_);
  w_.depth--;
  w_.line("}}");
  w_.depth--;
  w_.line("}}");
  w_.line("");
  return ok && cx.ok;
}

Generated generate(const ir::Module& m,
                   const std::function<std::string(const frontend::SourceRange&)>& where) {
  Generated g;
  Writer w;
  w.line("// Generated by neuro's JIT (jit/codegen.cpp) from run {}: dt = {} s.", m.run.circuit,
         lit(m.run.dt));
  w.line("// Each function mirrors the interpreter's work for one part of a step;");
  w.line("// comments name the model line each piece comes from. See docs/jit.md.");
  std::string abi = abi_text();
  // One declaration per line, for the reader.
  for (size_t p = 0; (p = abi.find("; ", p)) != std::string::npos;)
    abi.replace(p, 2, ";\n  "), p += 3;
  w.out += abi + "\n";
  w.out += prelude();
  w.out += "\n";
  g.pops.resize(m.pops.size());
  for (size_t p = 0; p < m.pops.size(); ++p) {
    if (m.pops[p].kind != frontend::PopKind::Neuron || m.pops[p].kernel < 0) continue;
    PopGen gen(m, p, w, where);
    g.pops[p] = gen.run();
  }
  g.projs.resize(m.projections.size());
  for (size_t p = 0; p < m.projections.size(); ++p) generate_projection(m, p, w, g.projs[p], where);
  g.source = std::move(w.out);
  return g;
}

}  // namespace neuro::jit
