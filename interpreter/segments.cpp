// Dendritic segments at run time: the segment store, and each step's
// learning, growth and reduction (docs/semantics.md, "Dendritic segments").
//
// At the end of every step, after threshold detection, each dendrite
//   1. runs `on segment` for the segments that had an active synapse at the
//      last reduction (they alone can be active or matching), in segment
//      order, each action under its `if` conditions;
//   2. runs `on cell` for the cells that spiked in this step;
//   3. takes the cells that spiked in this step and satisfy `grow toward` as
//      the candidates the next step's growth draws from;
//   4. reduces: for every presynaptic cell that spiked in this step, each of
//      its synapses counts toward its segment (all synapses: potential;
//      permanence ≥ connected − 1e-6: connected), and each cell's
//      active_segments, matching_segments and best_potential follow.
// The work is proportional to the active cells' synapses, never to the
// total number of synapses or segments.
#include <algorithm>
#include <cmath>

#include "interpreter/engine_state.h"
#include "numeric/rng.h"
#include "numeric/schedule.h"

namespace neuro {

using interp::Binding;
using interp::Lanes;
using interp::SegmentStore;
using num::StreamKind;

namespace interp {

uint32_t SegmentStore::add_segment(uint32_t cell) {
  uint32_t g;
  if (!free_seg_.empty()) {
    g = free_seg_.back();
    free_seg_.pop_back();
  } else {
    g = static_cast<uint32_t>(segs_.size());
    segs_.emplace_back();
  }
  Segment& s = segs_[g];
  s.cell = cell;
  s.alive = true;
  s.serial = serial_++;
  s.syn.clear();
  cell_segs_[cell].push_back(g);
  return g;
}

uint32_t SegmentStore::add_synapse(uint32_t seg, uint32_t pre, double perm) {
  uint32_t id;
  if (!free_syn_.empty()) {
    id = free_syn_.back();
    free_syn_.pop_back();
  } else {
    id = static_cast<uint32_t>(syns_.size());
    syns_.emplace_back();
  }
  Synapse& y = syns_[id];
  y.pre = pre;
  y.seg = seg;
  y.perm = perm;
  y.at_pre = static_cast<uint32_t>(out_[pre].size());
  out_[pre].push_back(id);
  y.at_seg = static_cast<uint32_t>(segs_[seg].syn.size());
  segs_[seg].syn.push_back(id);
  return id;
}

// Swap-with-last removal from both indices; the moved entry's position is
// updated, so neither index is ever rebuilt.
void SegmentStore::remove_synapse(uint32_t id) {
  Synapse& y = syns_[id];
  auto& o = out_[y.pre];
  uint32_t moved = o.back();
  o[y.at_pre] = moved;
  syns_[moved].at_pre = y.at_pre;
  o.pop_back();
  auto& sv = segs_[y.seg].syn;
  moved = sv.back();
  sv[y.at_seg] = moved;
  syns_[moved].at_seg = y.at_seg;
  sv.pop_back();
  free_syn_.push_back(id);
}

void SegmentStore::remove_segment(uint32_t g) {
  Segment& s = segs_[g];
  while (!s.syn.empty()) remove_synapse(s.syn.back());
  auto& cs = cell_segs_[s.cell];
  cs.erase(std::find(cs.begin(), cs.end(), g));
  s.alive = false;
  free_seg_.push_back(g);
}

size_t SegmentStore::bytes() const {
  size_t b = syns_.capacity() * sizeof(Synapse) + segs_.capacity() * sizeof(Segment) +
             (free_syn_.capacity() + free_seg_.capacity()) * sizeof(uint32_t);
  for (const auto& o : out_) b += o.capacity() * sizeof(uint32_t) + sizeof(o);
  for (const auto& c : cell_segs_) b += c.capacity() * sizeof(uint32_t) + sizeof(c);
  for (const auto& s : segs_) b += s.syn.capacity() * sizeof(uint32_t);
  return b;
}

}  // namespace interp

namespace {
constexpr size_t kChunk = 1024;
constexpr double kPruneBelow = 1e-6;  // a permanence this small destroys the synapse
constexpr double kTolerance = 1e-6;   // connected: permanence ≥ connected − kTolerance
}  // namespace

void Simulation::Engine::build_dendrite(DendriteState& ds, size_t index) {
  const ir::Dendrite& d = mod->dendrites[index];
  ds.d = &d;
  ds.index = index;
  PopState& pre = pops[d.pre];
  PopState& post = pops[d.post];
  ds.store.resize(pre.n, post.n);
  ds.best.assign(post.n, -1);
  ds.active_flag.assign(pre.n, 0);
  ds.post_flag.assign(post.n, 0);
  ds.mark.assign(pre.n, 0);
  ds.vals.assign(ir::SegVarCount, std::vector<double>(kChunk, 0.0));
  ds.lane_cell.assign(kChunk, 0);
  ds.lane_seg.assign(kChunk, 0);
  ds.key = num::stream_key(mod->run.seed, StreamKind::Code, (5ull << 24) | index);
  const auto keys = site_keys((6ull << 20) | index, 0);
  // Dendrite code reads the cell at each lane through index list 0.
  auto cell_vars = [this, &ds, &post](ir::Space space, int slot) -> Binding {
    if (space == ir::Space::SegVar) return {ds.vals[slot].data(), -1, false};
    return neuron_binding(post, space, slot, 0, 0);
  };
  auto compile = [&](const std::vector<ir::Dendrite::Action>& acts, std::optional<Program>& prog,
                     std::vector<std::vector<double>>& out) {
    if (acts.empty()) return;
    prog.emplace(kChunk, cell_vars, keys, &mod->tables, modulators.data());
    out.assign(acts.size() * 3, std::vector<double>(kChunk, 0.0));
    for (size_t a = 0; a < acts.size(); ++a) {
      prog->store_into(acts[a].guard, out[3 * a].data());
      prog->store_into(acts[a].a, out[3 * a + 1].data());
      prog->store_into(acts[a].b, out[3 * a + 2].data());
    }
  };
  compile(d.on_segment, ds.seg_prog, ds.seg_out);
  compile(d.on_cell, ds.cell_prog, ds.cell_out);
  if (d.candidate) {
    ds.cand_buf.assign(std::max<size_t>(pre.n, 1), 0.0);
    ds.cand_prog.emplace(
        std::max<size_t>(pre.n, 1),
        [&pre](ir::Space space, int slot) { return neuron_binding(pre, space, slot, 0, 0); }, keys,
        &mod->tables, modulators.data());
    ds.cand_prog->store_into(d.candidate, ds.cand_buf.data());
  }
}

void Simulation::Engine::destroy_segment(DendriteState& ds, uint32_t seg) {
  const uint32_t cell = ds.store.segment(seg).cell;
  ds.store.remove_segment(seg);
  pops[ds.d->post].seg_agg[ds.d->collection * 4 + ir::SegmentCount][cell] -= 1;
}

// Permanences of synapses from cells active at the last reduction change by
// `inc`, the others by −`dec`; those that fall below 1e-6 are destroyed, the
// rest clamped to [0, 1]; a segment left with fewer synapses than the
// matching threshold is destroyed.
void Simulation::Engine::adapt_segment(DendriteState& ds, uint32_t seg, double inc, double dec) {
  auto& syn = ds.store.segment(seg).syn;
  ds.work.clear();
  for (uint32_t id : syn) {
    auto& y = ds.store.synapse(id);
    y.perm += ds.active_flag[y.pre] ? inc : -dec;
    if (y.perm < kPruneBelow)
      ds.work.push_back(id);
    else if (y.perm > 1)
      y.perm = 1;
  }
  for (uint32_t id : ds.work) ds.store.remove_synapse(id);
  if (syn.size() < ds.d->matching) destroy_segment(ds, seg);
}

// Grows up to `count` synapses at permanence `perm` from candidates not yet
// on the segment, drawn at random when there are more than needed. A segment
// that would exceed max_synapses first loses its weakest synapses (except
// those from candidates).
void Simulation::Engine::grow_segment(DendriteState& ds, uint32_t seg, double count, double perm) {
  if (!(count >= 1)) return;
  auto& s = ds.store.segment(seg);
  const uint32_t on_seg = ++ds.stamp;
  for (uint32_t id : s.syn) ds.mark[ds.store.synapse(id).pre] = on_seg;
  ds.work.clear();
  for (uint32_t c : ds.candidates)
    if (ds.mark[c] != on_seg) ds.work.push_back(c);
  // (compared as doubles first: `grow(inf, p)` grows every candidate, and
  // converting inf to an integer would be undefined)
  size_t n =
      count >= static_cast<double>(ds.work.size()) ? ds.work.size() : static_cast<size_t>(count);
  if (n == 0) return;
  const size_t max = ds.d->max_synapses;
  if (s.syn.size() + n > max) {
    const uint32_t cand = ++ds.stamp;
    for (uint32_t c : ds.candidates) ds.mark[c] = cand;
    ds.order.clear();
    for (uint32_t id : s.syn)
      if (ds.mark[ds.store.synapse(id).pre] != cand)
        ds.order.push_back({ds.store.synapse(id).perm, id});
    std::sort(ds.order.begin(), ds.order.end());
    size_t excess = s.syn.size() + n - max;
    for (size_t q = 0; q < excess && q < ds.order.size(); ++q)
      ds.store.remove_synapse(ds.order[q].second);
    n = std::min(n, max > s.syn.size() ? max - s.syn.size() : 0);
  }
  if (n < ds.work.size()) {
    // A partial Fisher–Yates shuffle: n distinct candidates, uniformly.
    num::Stream rng(ds.key, (static_cast<uint64_t>(step) << 32) ^ s.serial);
    for (size_t q = 0; q < n; ++q)
      std::swap(ds.work[q], ds.work[q + rng.below(ds.work.size() - q)]);
  }
  for (size_t q = 0; q < n; ++q) ds.store.add_synapse(seg, ds.work[q], perm);
}

// A new segment on `cell` with min(count, candidates) synapses — none, and
// no segment, when there are no candidates. A full cell first loses the
// segment with the smallest sum of squared permanences.
void Simulation::Engine::create_segment(DendriteState& ds, uint32_t cell, double count,
                                        double perm) {
  if (!(count >= 1) || ds.candidates.empty()) return;
  const auto& segs = ds.store.segments_of(cell);
  if (segs.size() >= ds.d->max_segments) {
    uint32_t worst = segs.front();
    double least = INFINITY;
    for (uint32_t g : segs) {
      double sq = 0;
      for (uint32_t id : ds.store.segment(g).syn)
        sq += ds.store.synapse(id).perm * ds.store.synapse(id).perm;
      if (sq < least) least = sq, worst = g;
    }
    destroy_segment(ds, worst);
  }
  uint32_t g = ds.store.add_segment(cell);
  pops[ds.d->post].seg_agg[ds.d->collection * 4 + ir::SegmentCount][cell] += 1;
  grow_segment(ds, g, count, perm);
}

void Simulation::Engine::reduce_segments(DendriteState& ds) {
  const ir::Dendrite& d = *ds.d;
  PopState& post = pops[d.post];
  double* act = post.seg_agg[d.collection * 4 + ir::ActiveSegments].data();
  double* mat = post.seg_agg[d.collection * 4 + ir::MatchingSegments].data();
  double* bp = post.seg_agg[d.collection * 4 + ir::BestPotential].data();
  for (uint32_t c : ds.touched_cells) act[c] = mat[c] = 0, bp[c] = -1, ds.best[c] = -1;
  ds.touched_cells.clear();
  for (uint32_t g : ds.touched)
    if (g < ds.pot.size()) ds.pot[g] = ds.conn[g] = 0;
  ds.touched.clear();
  ds.conn.resize(ds.store.segment_capacity(), 0);
  ds.pot.resize(ds.store.segment_capacity(), 0);
  for (uint32_t p : ds.active) ds.active_flag[p] = 0;
  const auto& spikes = pops[d.pre].spikes;
  ds.active.assign(spikes.begin(), spikes.end());
  const double thr = d.connected - kTolerance;
  for (uint32_t p : ds.active) {
    ds.active_flag[p] = 1;
    for (uint32_t id : ds.store.out(p)) {
      const auto& y = ds.store.synapse(id);
      if (ds.pot[y.seg]++ == 0) ds.touched.push_back(y.seg);
      ds.conn[y.seg] += y.perm >= thr;
    }
  }
  // Segment order, so learning visits them as the model lists them.
  std::sort(ds.touched.begin(), ds.touched.end());
  auto& seen = ds.post_flag;  // free between steps: marks cells met here
  for (uint32_t g : ds.touched) {
    const auto& s = ds.store.segment(g);
    const uint32_t c = s.cell;
    if (!seen[c]) {
      seen[c] = 1;
      ds.touched_cells.push_back(c);
    }
    const bool active = ds.conn[g] >= d.activation, matching = ds.pot[g] >= d.matching;
    act[c] += active;
    mat[c] += matching;
    if (!matching) continue;
    // The best matching segment: most active synapses, the oldest on ties.
    const int64_t b = ds.best[c];
    if (b < 0 || ds.pot[g] > ds.pot[b] ||
        (ds.pot[g] == ds.pot[b] && s.serial < ds.store.segment(static_cast<uint32_t>(b)).serial)) {
      ds.best[c] = g;
      bp[c] = ds.pot[g];
    }
  }
  for (uint32_t c : ds.touched_cells) seen[c] = 0;
}

void Simulation::Engine::dendrite_step(DendriteState& ds) {
  const ir::Dendrite& d = *ds.d;
  PopState& post = pops[d.post];
  const uint64_t counter = num::rng_counter(step);
  for (uint32_t c : post.spikes) ds.post_flag[c] = 1;
  auto run_actions = [&](Program& prog, const std::vector<ir::Dendrite::Action>& acts,
                         std::vector<std::vector<double>>& out, size_t n, bool segments) {
    Lanes l = lanes(n, 0, counter);
    l.ids = segments ? ds.lane_seg.data() : ds.lane_cell.data();
    l.lists[0] = ds.lane_cell.data();
    l.t = t_now() + mod->run.dt;
    prog.run(l);
    for (size_t q = 0; q < n; ++q)
      for (size_t a = 0; a < acts.size(); ++a) {
        if (out[3 * a][q] == 0) continue;
        const double x = out[3 * a + 1][q], y = out[3 * a + 2][q];
        if (segments) {
          const uint32_t g = ds.lane_seg[q];
          if (!ds.store.segment(g).alive || ds.store.segment(g).cell != ds.lane_cell[q]) break;
          if (acts[a].kind == ir::Dendrite::Action::Adapt)
            adapt_segment(ds, g, x, y);
          else
            grow_segment(ds, g, x, y);
        } else {
          create_segment(ds, ds.lane_cell[q], x, y);
        }
      }
  };
  // 1. Segments with an active synapse at the last reduction.
  if (ds.seg_prog) {
    const auto& segs = ds.touched;  // actions change the store, not this list
    for (size_t start = 0; start < segs.size(); start += kChunk) {
      const size_t n = std::min(kChunk, segs.size() - start);
      for (size_t q = 0; q < n; ++q) {
        const uint32_t g = segs[start + q];
        const auto& s = ds.store.segment(g);
        ds.lane_seg[q] = g;
        ds.lane_cell[q] = s.cell;
        ds.vals[ir::SegActive][q] = ds.conn[g] >= d.activation;
        ds.vals[ir::SegMatching][q] = ds.pot[g] >= d.matching;
        ds.vals[ir::SegBest][q] = ds.best[s.cell] == static_cast<int64_t>(g);
        ds.vals[ir::SegActiveConnected][q] = ds.conn[g];
        ds.vals[ir::SegActivePotential][q] = ds.pot[g];
        ds.vals[ir::SegSynapses][q] = static_cast<double>(s.syn.size());
        ds.vals[ir::SegPostSpiked][q] = ds.post_flag[s.cell];
      }
      run_actions(*ds.seg_prog, d.on_segment, ds.seg_out, n, true);
    }
  }
  // 2. Cells that spiked in this step.
  if (ds.cell_prog) {
    const auto& spk = post.spikes;
    const size_t base = d.collection * 4;
    for (size_t start = 0; start < spk.size(); start += kChunk) {
      const size_t n = std::min(kChunk, spk.size() - start);
      for (size_t q = 0; q < n; ++q) {
        const uint32_t c = spk[start + q];
        ds.lane_cell[q] = ds.lane_seg[q] = c;
        ds.vals[ir::SegPostSpiked][q] = 1;
        ds.vals[ir::CellActiveSegments][q] = post.seg_agg[base + ir::ActiveSegments][c];
        ds.vals[ir::CellMatchingSegments][q] = post.seg_agg[base + ir::MatchingSegments][c];
        ds.vals[ir::CellSegments][q] = post.seg_agg[base + ir::SegmentCount][c];
        ds.vals[ir::CellBestPotential][q] = post.seg_agg[base + ir::BestPotential][c];
      }
      run_actions(*ds.cell_prog, d.on_cell, ds.cell_out, n, false);
    }
  }
  for (uint32_t c : post.spikes) ds.post_flag[c] = 0;
  // 3. Candidates for the next step's growth.
  ds.candidates.clear();
  if (ds.cand_prog) {
    const auto& spk = pops[d.pre].spikes;
    if (!spk.empty()) {
      Lanes l = lanes(spk.size(), 0, counter);
      l.ids = spk.data();
      l.lists[0] = spk.data();
      ds.cand_prog->run(l);
      for (size_t q = 0; q < spk.size(); ++q)
        if (ds.cand_buf[q] != 0) ds.candidates.push_back(spk[q]);
    }
  }
  // 4. The reduction the next step reads.
  reduce_segments(ds);
}

}  // namespace neuro
