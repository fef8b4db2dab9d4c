// Synaptic events in a step: the spikes due now delivered through each
// projection (native scatter-add or `on pre` handlers, in batches), the
// `on post` events after the resets, and the event-driven traces both read.
#include <algorithm>

#include "interpreter/engine_state.h"
#include "interpreter/exp_lanes.h"
#include "ir/place_traces.h"
#include "numeric/arith.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Lanes;

// After a once-per-neuron update: scaled traces of `list` stored back from
// the values at t, for every spiking neuron (changed or not: both backends).
template <class P>
void store_scaled(P& p, int list) {
  for (size_t k = 0; k < p.traces.size(); ++k) {
    auto& tr = p.traces[k];
    if (!tr.scaled || tr.list != list) continue;
    const double gi = p.trace_g[2 * k + 1];
    for (uint32_t i : p.spikers) tr.value[i] = tr.scratch[i] * gi;
  }
}

namespace {

// Whether an event's synapse loop runs one synapse after the other.
bool sequential(const std::vector<ir::EventLoop>& loops) {
  for (const auto& l : loops)
    if (l.sequential) return true;
  return false;
}

}  // namespace

// g = exp(−k·dt/τ) and 1/g of every scaled trace, k steps after T (the
// start of the current block of ir::kTraceBlock steps).
void Simulation::Engine::set_trace_g(ProjState& p, int64_t k) {
  for (size_t i = 0; i < p.traces.size(); ++i) {
    const auto& tr = p.traces[i];
    if (!tr.scaled) continue;
    p.trace_g[2 * i] = tr.table[2 * static_cast<size_t>(k)];
    p.trace_g[2 * i + 1] = tr.table[2 * static_cast<size_t>(k) + 1];
  }
}

// `post.x += w` for every due synapse (EventLoop::ScatterAdd); a held
// one adds 0 to the targets that are refractory in this step (`if not
// post.refractory`, ir/guard_held_writes.cpp: a masked `+=`).
template <class DueRows, class ForDue>
void Simulation::Engine::scatter_add(ProjState& p, const DueRows& due_rows, const ForDue& for_due) {
  const auto& col = p.csr.col;
  const int64_t* ref_end = pops[p.dst].ref_end.data();
  const int64_t now = step;
  if (p.scatter.size() == 1 && p.syn_delay.empty()) {
    // The common case, `post.x += w`, as a tight loop per spike.
    const ProjState::Scatter sc = p.scatter[0];
    due_rows([&](uint32_t, uint64_t b, uint64_t e) {
      if (sc.held) {
        // The guard's masked `+=`: adds choose(m, w, 0.0) as the VM does,
        // without a branch (a mispredicted branch per synapse doubled a
        // Brunel network's run time).
        if (sc.w) {
          for (uint64_t s = b; s < e; ++s)
            sc.target[col[s]] += num::unless_refractory(now, ref_end[col[s]], sc.sign * sc.w[s]);
        } else {
          const double w = sc.sign * sc.w_shared;
          for (uint64_t s = b; s < e; ++s)
            sc.target[col[s]] += num::unless_refractory(now, ref_end[col[s]], w);
        }
      } else if (sc.w) {
        for (uint64_t s = b; s < e; ++s) sc.target[col[s]] += sc.sign * sc.w[s];
      } else {
        const double w = sc.sign * sc.w_shared;
        for (uint64_t s = b; s < e; ++s) sc.target[col[s]] += w;
      }
    });
    return;
  }
  for_due(
      [&](uint32_t s, uint32_t) {
        for (const auto& sc : p.scatter) {
          const double w = sc.sign * (sc.w ? sc.w[s] : sc.w_shared);
          sc.target[col[s]] += sc.held ? num::unless_refractory(now, ref_end[col[s]], w) : w;
        }
      },
      false);
}

// The scatter-add over the threads (interpreter/threads.cpp): part k adds
// only along the stretch of each due row (or the queued synapses) onto its
// own targets, in the one-thread order, so each target gets the same sums.
template <class DueRows>
void Simulation::Engine::scatter_parts(ProjState& p, const DueRows& due_rows) {
  // Nothing due (many steps of a sparse network): no hand-off to the team.
  if (!p.syn_delay.empty()) {
    if (p.ring[step % p.ring.size()].empty()) return;
  } else {
    const int64_t due = num::due_slot(step, p.delay_steps, history_len);
    if (due < 0 || pops[p.src].history[due].empty()) return;
  }
  const unsigned parts = p.parts();
  const uint32_t lo = static_cast<uint32_t>(p.proj->src.lo);
  const auto& col = p.csr.col;
  auto job = [&](unsigned k) {
    auto rows = [&](auto&& visit_row) {
      due_rows([&](uint32_t id, uint64_t b, uint64_t) {
        const uint32_t* o = p.part_split.data() + size_t{id - lo} * (parts + 1) + k;
        if (o[0] != o[1]) visit_row(id, b + o[0], b + o[1]);
      });
    };
    auto each = [&](auto&& visit, bool need_pre = true) {
      if (!p.syn_delay.empty()) {
        const uint32_t first = p.part_bound[k], end = p.part_bound[k + 1];
        for (uint32_t s : p.ring[step % p.ring.size()])
          if (col[s] >= first && col[s] < end) visit(s, need_pre ? lo + p.row_of(s) : 0);
        return;
      }
      rows([&](uint32_t id, uint64_t b, uint64_t e) {
        for (uint64_t s = b; s < e; ++s) visit(static_cast<uint32_t>(s), id);
      });
    };
    scatter_add(p, rows, each);
  };
  pool->run(parts, job);
  if (!p.syn_delay.empty()) p.ring[step % p.ring.size()].clear();
}

void Simulation::Engine::deliver(ProjState& p) {
  set_trace_g(p, step % ir::kTraceBlock);
  if (p.stepper && p.stepper->delivers()) {
    const int64_t due = num::due_slot(step, p.delay_steps, history_len);
    if (due < 0) return;
    const auto& spikers = pops[p.src].history[due];
    if (spikers.empty()) return;  // most steps of a sparse network
    return p.stepper->deliver({step, t_now()}, spikers,
                              num::handler_batch(p.csr.size(), sequential(p.proj->step.on_pre)));
  }
  const ir::Projection& pr = *p.proj;
  PopState& src = pops[p.src];
  const uint32_t lo = static_cast<uint32_t>(pr.src.lo), hi = static_cast<uint32_t>(pr.src.hi);
  const auto& row = p.csr.row;
  const auto& col = p.csr.col;
  // Visits (source, first synapse, end) for each source row due now
  // (uniform delay), asking for the next row's start ahead.
  auto due_rows = [&](auto&& visit_row) {
    const int64_t due = num::due_slot(step, p.delay_steps, history_len);
    if (due < 0) return;
    const auto& list = src.history[due];
    for (size_t q = 0; q < list.size(); ++q) {
      const uint32_t id = list[q];
      if (q + 1 < list.size() && list[q + 1] >= lo && list[q + 1] < hi)
        __builtin_prefetch(col.data() + row[list[q + 1] - lo]);  // the next row's start
      if (id < lo || id >= hi) continue;
      visit_row(id, row[id - lo], row[id - lo + 1]);
    }
  };
  // Visits (synapse, presynaptic neuron) for every synapse due now; the
  // neuron is looked up only when `need_pre` (a scatter-add has no use for it).
  auto for_due = [&](auto&& visit, bool need_pre = true) {
    if (!p.syn_delay.empty()) {
      auto& slot = p.ring[step % p.ring.size()];
      for (uint32_t s : slot) visit(s, need_pre ? lo + p.row_of(s) : 0);
      slot.clear();
      return;
    }
    due_rows([&](uint32_t id, uint64_t b, uint64_t e) {
      for (uint64_t s = b; s < e; ++s) visit(static_cast<uint32_t>(s), id);
    });
  };
  const double t = t_now();
  for (size_t q = 0; q < pr.step.on_pre.size(); ++q) {
    const ir::EventLoop& loop = pr.step.on_pre[q];
    if (loop.over == ir::EventLoop::Sources) {
      p.spikers.clear();
      const int64_t due = num::due_slot(step, p.delay_steps, history_len);
      if (due >= 0)
        for (uint32_t id : src.history[due])
          if (id >= lo && id < hi) p.spikers.push_back(id);
      if (!p.spikers.empty()) run_per_neuron(p, loop, *p.on_pre[q], 1, t);
      continue;
    }
    if (loop.body == ir::EventLoop::ScatterAdd && p.parts() > 0 && pool) {
      scatter_parts(p, due_rows);
      continue;
    }
    if (loop.body == ir::EventLoop::ScatterAdd) {
      scatter_add(p, due_rows, for_due);
      continue;
    }
    // Gather the due synapses, then run the handler over them in order.
    p.batch_syn.clear();
    p.batch_pre.clear();
    p.batch_post.clear();
    for_due([&](uint32_t s, uint32_t pre) {
      p.batch_syn.push_back(s);
      p.batch_post.push_back(col[s]);
      p.batch_pre.push_back(pre);
    });
    run_batch(p, loop, *p.on_pre[q], t);
  }
}

void Simulation::Engine::decay_traces(ProjState& p, const std::vector<int>& which,
                                      const uint32_t* syn, const uint32_t* pre,
                                      const uint32_t* post, size_t n, double t) {
  // exp(-Δt/τ) from the trace's last event to now, in place: the value the
  // handlers read and write is the trace at time t. Each stale value is
  // listed once (its time becomes t as it is listed, so a repeat is not),
  // the factors are computed in one vectorised pass, then applied: the bits
  // of decaying one value after the other.
  constexpr size_t kChunk = num::kLaneChunk;  // numeric/decay.h takes at most 256
  double since[kChunk];
  uint32_t at[kChunk];
  for (int which_trace : which) {
    auto& tr = p.traces[which_trace];
    const uint32_t* idx = tr.list == 0 ? syn : tr.list == 1 ? pre : post;
    if (!idx) continue;
    if (tr.scaled) {  // the value at t, for the handler: one multiply
      const double g = p.trace_g[2 * static_cast<size_t>(which_trace)];
      for (size_t k = 0; k < n; ++k) tr.scratch[idx[k]] = tr.value[idx[k]] * g;
      continue;
    }
    for (size_t k0 = 0; k0 < n; k0 += kChunk) {
      const size_t k1 = std::min(n, k0 + kChunk);
      size_t m = 0;
      for (size_t k = k0; k < k1; ++k) {
        const uint32_t i = idx[k];
        if (tr.last[i] != t) {
          since[m] = t - tr.last[i];
          at[m++] = i;
          tr.last[i] = t;
        }
      }
      interp::decay_lanes(tr.value.data(), since, at, m, tr.tau);  // numeric/decay.h
    }
  }
}

void Simulation::Engine::run_per_neuron(ProjState& p, const ir::EventLoop& loop, Program& prog,
                                        int list, double t) {
  const uint32_t* ids = p.spikers.data();
  const size_t n = p.spikers.size();
  decay_traces(p, loop.decay, nullptr, list == 1 ? ids : nullptr, list == 2 ? ids : nullptr, n, t);
  Lanes l = lanes(n, 0, num::rng_counter(step));
  l.t = t;
  l.ids = ids;
  l.lists[list] = ids;
  prog.run(l);
  if (loop.store_scaled) store_scaled(p, list);
}

void Simulation::Engine::run_batch(ProjState& p, const ir::EventLoop& loop, Program& prog,
                                   double t) {
  const size_t total = p.batch_syn.size();
  if (total == 0) return;
  decay_traces(p, loop.decay, p.batch_syn.data(), p.batch_pre.data(), p.batch_post.data(), total,
               t);
  const size_t cap = num::handler_batch(p.csr.size(), loop.sequential);
  for (size_t start = 0; start < total; start += cap) {
    size_t n = std::min(cap, total - start);
    Lanes l = lanes(n, 0, num::rng_counter(step));
    l.t = t;
    l.step = step;
    l.post_ref_end = pops[p.dst].ref_end.data();
    l.ids = p.batch_syn.data() + start;
    l.i_ids = p.batch_pre.data() + start;
    l.j_ids = p.batch_post.data() + start;
    l.lists[0] = p.batch_syn.data() + start;
    l.lists[1] = p.batch_pre.data() + start;
    l.lists[2] = p.batch_post.data() + start;
    prog.run(l);
  }
}

// `on post`: after the step's resets, for every target neuron that spiked,
// at the spike's time: first the once-per-neuron trace updates, then the
// handler for each incoming synapse.
void Simulation::Engine::post_events(ProjState& p) {
  set_trace_g(p, step % ir::kTraceBlock + 1);
  if (p.stepper && p.stepper->posts()) {
    const PopState& post = pops[p.dst];
    if (post.spikes.empty()) return;
    return p.stepper->post({step, num::on_post_time(step, mod->run.dt)}, post.spikes,
                           num::handler_batch(p.csr.size(), sequential(p.proj->step.on_post)));
  }
  const ir::Projection& pr = *p.proj;
  const PopState& dst = pops[p.dst];
  const double t = num::on_post_time(step, mod->run.dt);
  p.spikers.clear();
  for (uint32_t id : dst.spikes)
    if (id >= pr.dst.lo && id < pr.dst.hi) p.spikers.push_back(id);
  if (p.spikers.empty()) return;
  for (size_t q = 0; q < pr.step.on_post.size(); ++q) {
    const ir::EventLoop& loop = pr.step.on_post[q];
    if (loop.over == ir::EventLoop::Targets) {
      run_per_neuron(p, loop, *p.on_post[q], 2, t);
      continue;
    }
    p.batch_syn.clear();
    p.batch_pre.clear();
    p.batch_post.clear();
    // A post neuron's synapses lie scattered: their variables are asked for
    // as the batch is gathered, they are read when it runs.
    double* fetch[4] = {};
    size_t nfetch = 0;
    for (auto& v : p.vars)
      if (!v.empty() && nfetch < 4) fetch[nfetch++] = v.data();
    for (size_t k = 0; k < p.spikers.size(); ++k) {
      const uint32_t j = p.spikers[k];
      if (k + 1 < p.spikers.size())  // the next neuron's list of synapses
        __builtin_prefetch(p.post_syn.data() + p.post_ptr[p.spikers[k + 1] - pr.dst.lo]);
      size_t c = j - pr.dst.lo;
      for (uint64_t x = p.post_ptr[c]; x < p.post_ptr[c + 1]; ++x) {
        uint32_t s = p.post_syn[x];
        for (size_t f = 0; f < nfetch; ++f) __builtin_prefetch(fetch[f] + s, 1);
        p.batch_syn.push_back(s);
        p.batch_post.push_back(j);
        p.batch_pre.push_back(static_cast<uint32_t>(pr.src.lo + p.row_of(s)));
      }
    }
    run_batch(p, loop, *p.on_post[q], t);
  }
}

// A new block of steps: scaled traces move their reference time T forward
// by one block (between steps: during step s, T is s − s mod kTraceBlock).
void Simulation::Engine::renormalise_traces() {
  for (auto& p : projs)
    for (auto& tr : p.traces)
      if (tr.scaled) {
        const double f = tr.table[2 * ir::kTraceBlock];
        for (double& v : tr.value) v *= f;
      }
}

}  // namespace neuro
