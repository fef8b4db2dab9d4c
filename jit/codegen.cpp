// generate(): the ABI and the prelude, then the functions of each population
// (PopGen: its step IR's loops as the integrate function, and the reset)
// and of each projection (codegen_projection.cpp).
#include "jit/codegen.h"

#include <fmt/format.h>

#include "jit/abi.h"
#include "jit/emit.h"
#include "jit/pop_gen.h"
#include "numeric/schedule.h"

namespace neuro::jit {

using ir::Kind;
using ir::Op;
using ir::Space;

PopCode PopGen::run() {
  PopCode pc;
  for (const auto& loop : k_.step.loops)
    if (loop.kind == ir::StepLoop::Substeps) {
      pc.why_not = "rk45 (adaptive substeps shared by the population) runs on the interpreter";
      return pc;
    }
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
  w_.line("const u64 ctr = c->ctr;  // random-number counter");
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

// Reads of the arrays at neuron `i` and of the step IR's locals.
Ctx PopGen::ctx() {
  Ctx cx;
  cx.read = [this](Space sp, int slot) -> std::string {
    if (sp == Space::State) return fmt::format("S_{}[i]", sname(slot));
    if (sp == Space::Local) return fmt::format("L{}", slot);
    // slot 1: as a condition (a Select's); else as a 0/1 value.
    if (sp == Space::Refractory)
      return slot == 1 ? "step < ref_end[i]" : "(double)(step < ref_end[i])";
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

// A group reduction (StepLoop::Group): its argument at every neuron, stored
// in the value array itself, then numeric/reduce.h's reduction in place.
bool PopGen::group(int g) {
  Ctx cx = ctx();
  const ir::GroupReduce& gr = k_.groups[g];
  w_.line("// group reduction {}, {}: {}", g, at(gr.range), ir::print(*gr.arg));
  w_.line("for (u64 i = 0; i < n; ++i) GR_{}[i] = {};", g, expr(gr.arg, cx));
  w_.line("nj_group_reduce({}, GR_{}, n, {});", static_cast<int>(gr.op), g, gr.size);
  return cx.ok;
}

// The operations of a loop over neurons for neuron i (ir.h, StepOp), in
// order: locals as constants (an affine sum term by term, in its order),
// stores, and the spike flag.
bool PopGen::ops(const std::vector<ir::StepOp>& body) {
  Ctx cx = ctx();
  bool ok = true;
  const auto& names = k_.step.locals;
  for (const ir::StepOp& op : body) {
    const std::string note = op.note.empty() ? "" : ": " + op.note;
    switch (op.kind) {
      case ir::StepOp::Let:
        w_.line("const double L{} = {};  // {}{}", op.local, expr(op.value, cx), names[op.local],
                note);
        break;
      case ir::StepOp::Affine:
        w_.line("double L{} = {};  // {}{}", op.local,
                op.base >= 0 ? fmt::format("L{}", op.base) : lit(op.bias), names[op.local], note);
        for (const auto& [coef, l] : op.terms) w_.line("L{} += {} * L{};", op.local, lit(coef), l);
        break;
      case ir::StepOp::Store:
        w_.line("S_{}[i] = L{};", sname(op.state), op.local);
        break;
      case ir::StepOp::Flag:
        w_.line("// threshold, {}: {}", at(k_.threshold->range), ir::print(*k_.threshold));
        w_.line("F[i - b] = ({}) & (step >= ref_end[i]);", threshold_test(op, ok));
        break;
    }
  }
  return ok && cx.ok;
}

// The threshold condition for neuron i, from the stored states.
std::string PopGen::threshold_test(const ir::StepOp& flag, bool& ok) {
  if (!flag.value) {  // ir/recognise_threshold.cpp
    const auto& f = *k_.fast_threshold;
    const char* op = f.op == Op::Gt ? ">" : f.op == Op::Ge ? ">=" : f.op == Op::Lt ? "<" : "<=";
    return fmt::format("S_{}[i] {} {}", sname(f.state), op, lit(f.value));
  }
  Ctx cx = ctx();
  std::string cond = expr(flag.value, cx) + " != 0";
  ok &= cx.ok;
  return cond;
}

// The step IR's loops (ir/lower_step.cpp and the passes after it), in
// order: loops over neurons in blocks of 256 — the update loop
// vectorises, and a flagged block is scanned while it is in L1 cache — and
// group reductions over the whole population.
bool PopGen::integrate(PopCode&) {
  bool ok = true;
  w_.line("// population {} = {}[{}]: model {} ({}), solver {}", pop_.name, k_.model, pop_.size,
          k_.model, at(k_.range), ir::solver_name(k_.solver));
  w_.line("extern \"C\" void nj_pop{}_integrate(struct nj_pop* c) {{", index_);
  w_.depth++;
  prologue(false);
  w_.line("const u64 n = c->n;");
  w_.line("const u64 lo = c->lo, hi = c->hi;  // this call's part of the population");
  w_.line("(void)n; (void)lo; (void)hi;");
  w_.line("unsigned int* __restrict spikes = c->spikes;");
  w_.line("u64 ns = 0;");
  for (const ir::StepLoop& loop : k_.step.loops) {
    if (loop.kind == ir::StepLoop::Group) {
      ok &= group(loop.group);
      continue;
    }
    if (loop.kind != ir::StepLoop::Neurons && loop.kind != ir::StepLoop::Threshold) continue;
    bool flags = false;
    for (const auto& op : loop.body) flags |= op.kind == ir::StepOp::Flag;
    if (loop.kind == ir::StepLoop::Neurons)
      for (const auto& o : k_.odes)
        w_.line("// d{}/dt = {}{}  ({})", k_.states[o.state].name, ir::print(*o.rhs),
                o.unless_refractory ? "  unless refractory" : "", at(o.range));
    w_.line("for (u64 b = lo; b < hi; b += {0}) {{", num::kLaneChunk);
    w_.depth++;
    w_.line("const u64 e = b + {0} < hi ? b + {0} : hi;", num::kLaneChunk);
    // Flags zero up to a multiple of 8 for the scan. In the update loop a
    // block is scanned only when a flag is set (reading the flags back as
    // words right after storing them stalls: most blocks have no spike).
    if (flags) w_.line("unsigned char F[{}] = {{0}};", num::kLaneChunk + 8);
    if (flags && loop.kind == ir::StepLoop::Neurons) w_.line("unsigned int any = 0;");
    w_.line("for (u64 i = b; i < e; ++i) {{");
    w_.depth++;
    ok &= ops(loop.body);
    if (flags && loop.kind == ir::StepLoop::Neurons) w_.line("any |= F[i - b];");
    w_.depth--;
    w_.line("}}");
    if (flags && loop.kind == ir::StepLoop::Neurons) w_.line("if (any)");
    if (flags)
      w_.line("{}ns = nj_spike_scan(F, b, e - b, spikes, ns);",
              loop.kind == ir::StepLoop::Neurons ? "  " : "");
    w_.depth--;
    w_.line("}}");
  }
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
  Ctx cx = ctx();
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
