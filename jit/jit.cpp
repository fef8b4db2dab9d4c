// The JIT backend put in charge of a built simulation: generate the source,
// find or compile the shared object, and give the engine a stepper
// (interpreter/stepper.h) for each population and projection it covers.
// What is not covered keeps the interpreter's path, so every model runs.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "interpreter/build_simulation.h"
#include "interpreter/engine_state.h"
#include "interpreter/step_pool.h"
#include "ir/fold_constants.h"
#include "jit/abi.h"
#include "jit/codegen.h"
#include "jit/compiler.h"
#include "neuro/backend.h"
#include "numeric/schedule.h"

namespace neuro {

using Engine = Simulation::Engine;

namespace {

using PopFn = void (*)(jit::nj_pop*);
using ProjFn = void (*)(jit::nj_proj*);

double apply_fn(int fn, const double* args, unsigned long n) {
  return num::apply_fn(static_cast<ir::Fn>(fn), args, n);
}

std::vector<jit::nj_table> tables_of(const ir::Module& m) {
  std::vector<jit::nj_table> t;
  for (const auto& tb : m.tables) t.push_back({tb.values.data(), tb.values.size(), tb.step});
  if (t.empty()) t.push_back({nullptr, 0, 1});
  return t;
}

// A population's generated code behind the engine's seam (interpreter/
// stepper.h). It keeps alive the library, its entry points, and the arrays
// of pointers the call structs point at.
struct PopHook final : interp::PopStepper {
  PopState* ps = nullptr;
  std::shared_ptr<jit::Library> lib;
  PopFn integrate_fn = nullptr, reset_fn = nullptr;
  std::vector<uint64_t> keys;
  std::vector<jit::nj_table> tables;
  std::vector<double*> params, states, seg_agg, group_vals;
  std::vector<uint32_t> spikes;
  jit::nj_pop call{};
  // With threads: the population's parts [bounds[k], bounds[k+1]), each
  // with its own call and spike list, concatenated in order afterwards.
  std::shared_ptr<interp::StepPool> pool;
  std::vector<uint64_t> bounds;
  std::vector<jit::nj_pop> part_calls;
  std::vector<std::vector<uint32_t>> part_spikes;
  std::function<void(unsigned)> part_job;

  void integrate(const interp::StepClock& c, std::vector<uint32_t>& out) override;
  bool resets() const override { return reset_fn != nullptr; }
  void reset(const interp::StepClock& c, const std::vector<uint32_t>& ids) override;
};

// Below this many neurons a population is not split: handing a step to
// another thread costs more than updating them (docs/jit.md, "Threads").
// (interp::split_min: NEURO_SPLIT_MIN lowers it for tests.)

// The population split into `parts` contiguous parts, at multiples of
// the generated loop's 256-neuron blocks.
std::vector<uint64_t> split(size_t n, unsigned parts) {
  const size_t blocks = (n + 255) / 256;
  std::vector<uint64_t> b;
  for (unsigned k = 0; k <= parts; ++k)
    b.push_back(std::min<uint64_t>(n, blocks * k / parts * 256));
  return b;
}

struct ProjHook final : interp::ProjStepper {
  ProjState* pj = nullptr;
  PopState *src = nullptr, *dst = nullptr;
  std::shared_ptr<jit::Library> lib;
  ProjFn deliver_fn = nullptr, post_fn = nullptr;
  std::vector<uint64_t> keys;
  std::vector<jit::nj_table> tables;
  std::vector<double*> syn, pre, post_states, trace, trace_last;
  jit::nj_proj call{};
  // With threads: the delivery in parts by target (interpreter/threads.cpp).
  std::shared_ptr<interp::StepPool> pool;
  std::function<void(unsigned)> part_job;

  bool delivers() const override { return deliver_fn != nullptr; }
  void deliver(const interp::StepClock& c, const std::vector<uint32_t>& spikers,
               uint64_t batch) override;
  bool posts() const override { return post_fn != nullptr; }
  void post(const interp::StepClock& c, const std::vector<uint32_t>& spikers,
            uint64_t batch) override;
};

// Pointers into the engine's arrays, taken at every call: restore() and
// adopt_state() may have replaced them.
void point(PopHook& h, PopState& ps) {
  for (size_t s = 0; s < ps.params.size(); ++s)
    h.params[s] = ps.params[s].empty() ? nullptr : ps.params[s].data();
  for (size_t s = 0; s < ps.states.size(); ++s) h.states[s] = ps.states[s].data();
  for (size_t s = 0; s < ps.seg_agg.size(); ++s) h.seg_agg[s] = ps.seg_agg[s].data();
  for (size_t g = 0; g < ps.group_vals.size(); ++g) h.group_vals[g] = ps.group_vals[g].data();
  h.call.params = h.params.data();
  h.call.states = h.states.data();
  h.call.seg_agg = h.seg_agg.data();
  h.call.group_vals = h.group_vals.data();
  h.call.ref_end = ps.ref_end.data();
}

void point(ProjHook& h, ProjState& p, PopState& src, PopState& dst) {
  for (size_t v = 0; v < p.vars.size(); ++v)
    h.syn[v] = p.vars[v].empty() ? nullptr : p.vars[v].data();
  for (size_t s = 0; s < src.states.size(); ++s) h.pre[s] = src.states[s].data();
  for (size_t s = 0; s < dst.states.size(); ++s) h.post_states[s] = dst.states[s].data();
  for (size_t t = 0; t < p.traces.size(); ++t) {
    h.trace[t] = p.traces[t].value.data();
    h.trace_last[t] = p.traces[t].last.data();
  }
  h.call.row = p.csr.row.data();
  h.call.col = p.csr.col.data();
  h.call.syn = h.syn.data();
  h.call.pre = h.pre.data();
  h.call.post = h.post_states.data();
  h.call.post_ref_end = dst.ref_end.data();
  h.call.trace = h.trace.data();
  h.call.trace_last = h.trace_last.data();
  h.call.trace_g = p.trace_g.data();
}

void PopHook::integrate(const interp::StepClock& c, std::vector<uint32_t>& out) {
  point(*this, *ps);
  call.n = ps->n;
  call.lo = 0;
  call.hi = ps->n;
  call.spikes = spikes.data();
  call.step = c.step;
  call.ctr = num::rng_counter(c.step);
  call.t = c.t;
  if (!pool) {
    integrate_fn(&call);
    out.insert(out.end(), spikes.data(), spikes.data() + call.nspikes);
    return;
  }
  pool->run(static_cast<unsigned>(part_calls.size()), part_job);
  for (size_t k = 0; k < part_calls.size(); ++k)  // in neuron order: as one thread
    out.insert(out.end(), part_spikes[k].data(), part_spikes[k].data() + part_calls[k].nspikes);
}

void PopHook::reset(const interp::StepClock& c, const std::vector<uint32_t>& ids) {
  point(*this, *ps);
  call.ids = ids.data();
  call.n = ids.size();
  call.step = c.step;
  call.ctr = num::rng_counter(c.step);
  call.t = c.t;
  reset_fn(&call);
}

void ProjHook::deliver(const interp::StepClock& c, const std::vector<uint32_t>& spikers,
                       uint64_t batch) {
  point(*this, *pj, *src, *dst);
  call.spikers = spikers.data();
  call.nspikers = spikers.size();
  call.cap = batch;
  call.step = c.step;
  call.ctr = num::rng_counter(c.step);
  call.t = c.t;
  if (!pool) return deliver_fn(&call);
  pool->run(pj->parts(), part_job);
}

void ProjHook::post(const interp::StepClock& c, const std::vector<uint32_t>& spikers,
                    uint64_t batch) {
  point(*this, *pj, *src, *dst);
  call.spikers = spikers.data();
  call.nspikers = spikers.size();
  call.post_ptr = pj->post_ptr.data();
  call.post_syn = pj->post_syn.data();
  call.row_block = pj->row_block.data();
  call.cap = batch;
  call.step = c.step;
  call.ctr = num::rng_counter(c.step);
  call.t = c.t;
  post_fn(&call);
}

struct Attached {
  size_t pops = 0, pops_native = 0, parts = 0, parts_native = 0, pops_threaded = 0;
};

Attached attach(Engine& eng, const jit::Generated& g, const std::shared_ptr<jit::Library>& lib) {
  Attached a;
  const auto& pool = eng.pool;
  const ir::Module& m = *eng.mod;
  for (size_t i = 0; i < eng.pops.size(); ++i) {
    PopState& ps = eng.pops[i];
    if (!ps.kernel) continue;
    ++a.pops;
    const jit::PopCode& pc = g.pops[i];
    if (pc.integrate.empty()) continue;
    auto h = std::make_shared<PopHook>();
    h->ps = &ps;
    h->lib = lib;
    h->integrate_fn = reinterpret_cast<PopFn>(lib->symbol(pc.integrate));
    if (!pc.reset.empty()) h->reset_fn = reinterpret_cast<PopFn>(lib->symbol(pc.reset));
    if (!h->integrate_fn || (!pc.reset.empty() && !h->reset_fn)) continue;
    h->keys = eng.site_keys(i, 0);
    h->tables = tables_of(m);
    h->params.resize(ps.params.size());
    h->states.resize(ps.states.size());
    h->seg_agg.resize(ps.seg_agg.size());
    h->group_vals.resize(ps.group_vals.size());
    h->spikes.resize(ps.n);
    h->call.keys = h->keys.data();
    h->call.modulators = eng.modulators.data();
    h->call.tables = h->tables.data();
    h->call.apply_fn = apply_fn;
    if (pool && pc.splittable && ps.n >= interp::split_min().neurons && pool->threads() > 1) {
      h->pool = pool;
      // A few parts per thread, so that a thread held up elsewhere leaves
      // little for the others to wait on (they take its parts).
      h->bounds = split(ps.n, std::min<unsigned>(4 * pool->threads(), (ps.n + 255) / 256));
      const unsigned parts = static_cast<unsigned>(h->bounds.size() - 1);
      h->part_calls.resize(parts);
      h->part_spikes.resize(parts);
      for (unsigned k = 0; k < parts; ++k)
        h->part_spikes[k].resize(h->bounds[k + 1] - h->bounds[k]);
      PopHook* hp = h.get();
      h->part_job = [hp](unsigned k) {
        jit::nj_pop& call = hp->part_calls[k];
        call = hp->call;
        call.lo = hp->bounds[k];
        call.hi = hp->bounds[k + 1];
        call.spikes = hp->part_spikes[k].data();
        hp->integrate_fn(&call);
      };
    }
    ps.stepper = h;
    ++a.pops_native;
    a.pops_threaded += h->pool != nullptr;
  }
  for (size_t i = 0; i < eng.projs.size(); ++i) {
    ProjState& pj = eng.projs[i];
    const ir::Projection& pr = *pj.proj;
    const jit::ProjCode& pc = g.projs[i];
    const bool has_pre = !pr.step.on_pre.empty();
    const bool has_post = !pr.step.on_post.empty();
    a.parts += has_pre + has_post;
    if (pc.deliver.empty() && pc.post.empty()) continue;
    auto h = std::make_shared<ProjHook>();
    h->lib = lib;
    if (!pc.deliver.empty()) h->deliver_fn = reinterpret_cast<ProjFn>(lib->symbol(pc.deliver));
    if (!pc.post.empty()) h->post_fn = reinterpret_cast<ProjFn>(lib->symbol(pc.post));
    PopState& src = eng.pops[pj.src];
    PopState& dst = eng.pops[pj.dst];
    h->pj = &pj;
    h->src = &src;
    h->dst = &dst;
    h->keys = eng.site_keys(i, 1);
    h->tables = tables_of(m);
    h->syn.resize(pj.vars.size());
    h->pre.resize(src.states.size());
    h->post_states.resize(dst.states.size());
    h->trace.resize(pj.traces.size());
    h->trace_last.resize(pj.traces.size());
    h->call.keys = h->keys.data();
    h->call.modulators = eng.modulators.data();
    h->call.tables = h->tables.data();
    h->call.apply_fn = apply_fn;
    h->call.src_lo = pr.src.lo;
    h->call.dst_lo = pr.dst.lo;
    a.parts_native += (h->deliver_fn != nullptr) + (h->post_fn != nullptr);
    if (h->deliver_fn && pc.deliver_splits && pj.parts() > 0 && eng.pool) {
      h->pool = eng.pool;
      ProjHook* hp = h.get();
      h->part_job = [hp](unsigned k) {
        jit::nj_proj call = hp->call;
        call.split = hp->pj->part_split.data() + k;
        call.nparts = hp->pj->parts();
        hp->deliver_fn(&call);
      };
    }
    if (!h->deliver_fn && !h->post_fn) continue;
    pj.stepper = h;
    // Scaled traces are read through `scratch` only by the interpreter's
    // handlers: with both sides generated, it is never used.
    if ((!has_pre || h->deliver_fn) && (!has_post || h->post_fn))
      for (auto& tr : pj.traces) std::vector<double>().swap(tr.scratch);
  }
  return a;
}

}  // namespace

std::optional<Backend> parse_backend(std::string_view text) {
  if (text == "vm") return Backend::Vm;
  if (text == "jit") return Backend::Jit;
  if (text == "auto") return Backend::Auto;
  return std::nullopt;
}

const char* backend_name(Backend b) {
  return b == Backend::Vm ? "vm" : b == Backend::Jit ? "jit" : "auto";
}

std::string jit_source(const Simulation& sim) {
  return jit::generate(module_of(sim)).source;
}

BackendReport use_backend(Simulation& sim, Backend backend, uint64_t expected_steps,
                          unsigned threads) {
  BackendReport r;
  Engine& eng = SimulationAccess::engine(sim);
  r.projs_threaded = eng.set_threads(threads);
  // Nothing split: say why, in one line (the threads would only wait).
  auto nothing_split = [&] {
    if (threads <= 1 || r.pops_threaded + r.projs_threaded > 0) return;
    eng.set_threads(1);
    if (!r.notice.empty()) return;
    const interp::SplitMin least = interp::split_min();
    r.notice = fmt::format(
        "neuro: note: nothing is large enough to split over threads (a scatter-add projection "
        "of at least {} synapses{}); running on one thread",
        least.synapses,
        r.jit ? fmt::format(", or a population of at least {} neurons without group reductions",
                            least.neurons)
              : std::string(" — the interpreter splits no neuron updates"));
  };
  if (backend == Backend::Vm) {
    nothing_split();
    return r;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto done = [&] {
    r.setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nothing_split();
    return r;
  };
  std::string why;
  auto tc = jit::find_compiler(why);
  const jit::Generated g = jit::generate(*eng.mod);
  bool covers = false;
  for (const auto& p : g.pops) covers |= !p.integrate.empty();
  for (const auto& p : g.projs) covers |= !p.deliver.empty() || !p.post.empty();
  if (!covers) {
    if (backend == Backend::Jit)
      r.notice = "neuro: note: the JIT covers no part of this model; running on the interpreter";
    return done();
  }
  const std::string dir = jit::cache_dir();
  if (backend == Backend::Auto) {
    // Worth a compile when the interpreter would take a few seconds
    // (about 1 ns per neuron and step), or free when the code is cached.
    double neurons = 0;
    for (const auto& p : eng.pops)
      if (p.kernel) neurons += static_cast<double>(p.n);
    const bool long_run = neurons * static_cast<double>(expected_steps) >= 2e9;
    const bool hit = tc && jit::cached(dir, jit::cache_key(g.source, *tc));
    if (!long_run && !hit) return done();
  }
  if (!tc) {
    r.notice = fmt::format("neuro: note: JIT unavailable ({}); running on the interpreter", why);
    return done();
  }
  auto loaded = jit::load_or_build(g.source, *tc, dir);
  r.cache_hit = loaded.cache_hit;
  r.repaired = loaded.repaired;
  if (!loaded.lib) {
    r.log = loaded.log;
    r.notice =
        loaded.log.empty()
            ? fmt::format("neuro: note: JIT failed ({}); running on the interpreter", loaded.error)
            : fmt::format(
                  "neuro: note: JIT compile failed ({}); running on the interpreter; "
                  "compiler output in {}",
                  loaded.error, loaded.log);
    return done();
  }
  Attached a = attach(eng, g, loaded.lib);
  r.jit = a.pops_native + a.parts_native > 0;
  r.pops_threaded = a.pops_threaded;
  r.pops = a.pops;
  r.pops_native = a.pops_native;
  r.parts = a.parts;
  r.parts_native = a.parts_native;
  return done();
}

}  // namespace neuro
