// The connectivity of one dendrite: segments owned by cells, each holding
// synapses (presynaptic cell, permanence). Growth and pruning change it every
// step, so it is kept as pools with free lists and two indices that are
// updated in place — by presynaptic cell (what a spike reaches) and by
// segment (what learning adapts) — never rebuilt.
#pragma once

#include <cstdint>
#include <vector>

namespace neuro::interp {

class SegmentStore {
 public:
  struct Synapse {
    uint32_t pre = 0, seg = 0;
    double perm = 0;
    uint32_t at_pre = 0, at_seg = 0;  // positions in out[pre] and segment.syn
  };
  struct Segment {
    uint32_t cell = 0;
    bool alive = false;
    uint64_t serial = 0;        // creation order, for "first" among a cell's segments
    std::vector<uint32_t> syn;  // synapse ids
  };

  void resize(size_t n_pre, size_t n_cells) {
    out_.assign(n_pre, {});
    cell_segs_.assign(n_cells, {});
  }

  uint32_t add_segment(uint32_t cell);
  uint32_t add_synapse(uint32_t seg, uint32_t pre, double perm);
  void remove_synapse(uint32_t s);
  void remove_segment(uint32_t g);  // and its synapses

  const std::vector<uint32_t>& out(uint32_t pre) const { return out_[pre]; }
  const std::vector<uint32_t>& segments_of(uint32_t cell) const { return cell_segs_[cell]; }
  Segment& segment(uint32_t g) { return segs_[g]; }
  const Segment& segment(uint32_t g) const { return segs_[g]; }
  Synapse& synapse(uint32_t s) { return syns_[s]; }
  const Synapse& synapse(uint32_t s) const { return syns_[s]; }
  size_t segment_capacity() const { return segs_.size(); }  // ids are below this
  size_t segment_count() const { return segs_.size() - free_seg_.size(); }
  size_t synapse_count() const { return syns_.size() - free_syn_.size(); }
  size_t cells() const { return cell_segs_.size(); }
  size_t bytes() const;

 private:
  std::vector<Synapse> syns_;
  std::vector<uint32_t> free_syn_;
  std::vector<Segment> segs_;
  std::vector<uint32_t> free_seg_;
  std::vector<std::vector<uint32_t>> out_;        // per presynaptic cell: synapse ids
  std::vector<std::vector<uint32_t>> cell_segs_;  // per cell: segment ids, oldest first
  uint64_t serial_ = 0;
};

}  // namespace neuro::interp
