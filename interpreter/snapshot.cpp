// Snapshots: the whole dynamic state as bytes, and its restoration. A
// snapshot is refused unless its checksum, format version and model match
// and every count and index in it fits the built simulation; a refused one
// leaves the simulation as it was.
#include "interpreter/snapshot.h"

#include <fmt/format.h>

#include <cstring>

#include "interpreter/engine_state.h"
#include "interpreter/rate_layers.h"

namespace neuro {

namespace {

uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t k = 0; k < n; ++k) {
    h ^= p[k];
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t model_hash(const ir::Module& m) {
  const std::string text = ir::print(m);
  return fnv1a(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

SimulationError corrupt(const std::string& what) {
  return SimulationError("the snapshot is corrupt: " + what);
}

// Bytes out; every vector is written as its length then its data.
struct Writer {
  std::vector<uint8_t>& out;
  template <class T>
  void pod(const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
  }
  template <class T, class A>
  void vec(const std::vector<T, A>& v) {
    pod<uint64_t>(v.size());
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(T));
  }
};

// Bytes in, up to `end` (the checksum's start), refusing counts that do
// not fit what is left.
struct Reader {
  const std::vector<uint8_t>& in;
  size_t at = 0, end = 0;
  uint64_t bytes_for(uint64_t n, size_t size) {
    if (n > (end - at) / size) throw corrupt("a count runs past its end");
    return n * size;
  }
  template <class T>
  T pod() {
    bytes_for(1, sizeof(T));
    T v;
    std::memcpy(&v, in.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
  }
  void copy(void* to, uint64_t b) {
    if (b > 0) std::memcpy(to, in.data() + at, b);  // (an empty vector's data() may be null)
    at += b;
  }
  // Into `v`, which already has the size the snapshot must say.
  template <class T, class A>
  void vec(std::vector<T, A>& v) {
    if (pod<uint64_t>() != v.size()) throw corrupt("an array's size does not fit this model");
    copy(v.data(), bytes_for(v.size(), sizeof(T)));
  }
  // Into `v`, resized.
  template <class T>
  void grow(std::vector<T>& v) {
    const uint64_t n = pod<uint64_t>();
    const uint64_t b = bytes_for(n, sizeof(T));
    v.resize(n);
    copy(v.data(), b);
  }
  // Ids, each below `limit`.
  void ids(std::vector<uint32_t>& v, uint64_t limit, const char* what) {
    grow(v);
    for (uint32_t id : v)
      if (id >= limit) throw corrupt(fmt::format("{} {} is out of range", what, id));
  }
};

constexpr uint64_t kMagic = 0x32504e534f52554eull;    // "NEUROSP2"
constexpr uint64_t kMagicV1 = 0x31504e534f52554eull;  // the unversioned format before it
// The most steps a run may have (as frontend/sema.cpp's run-statement check).
constexpr int64_t kMaxStep = 1'000'000'000'000;

}  // namespace

uint64_t snapshot_checksum(const uint8_t* bytes, size_t n) {
  return fnv1a(bytes, n);
}

std::vector<uint8_t> Simulation::snapshot() const {
  const Engine& e = *engine_;
  if (!e.dendrites.empty())
    throw SimulationError("snapshots do not include dendritic segments yet");
  std::vector<uint8_t> out;
  Writer w{out};
  w.pod(kMagic);
  w.pod(kSnapshotVersion);
  w.pod(model_hash(*e.mod));
  w.pod(e.step);
  w.vec(e.modulators);
  for (const auto& p : e.pops) {
    for (const auto& a : p.states) w.vec(a);
    for (const auto& a : p.params) w.vec(a);
    w.vec(p.ref_end);
    for (const auto& h : p.history) w.vec(h);
    w.vec(p.injected);
    w.pod(p.spike_count);
    w.pod<uint64_t>(p.gen_cursor);
    w.vec(p.next_spike);
    w.vec(p.draws);
  }
  for (const auto& pj : e.projs) {
    for (const auto& a : pj.vars) w.vec(a);
    for (const auto& tr : pj.traces) {
      w.vec(tr.value);
      w.vec(tr.last);
    }
    for (const auto& r : pj.ring) w.vec(r);
  }
  if (e.rate) w.vec(rate_params(*e.rate));
  for (const auto& m : e.monitors) {
    // Each spike's stamp, as before the runs: snapshots keep their layout.
    w.pod<uint64_t>(m.spike_ids.size());
    for (size_t k = 0; k < m.spike_ids.size(); ++k) w.pod(m.spike_ids[k]);
    w.pod<uint64_t>(m.spike_ids.size());
    for (size_t r = 0, k = 0; r < m.spike_runs.size(); ++r)
      for (; k < m.spike_runs[r].end; ++k) w.pod(m.spike_runs[r].stamp);
    w.vec(m.sample_steps);
    for (const auto& s : m.samples) w.vec(s);
  }
  w.pod(fnv1a(out.data(), out.size()));
  return out;
}

void Simulation::restore(const std::vector<uint8_t>& bytes) {
  Engine& e = *engine_;
  constexpr size_t kHeader = 8 + 4 + 8, kTrailer = 8;
  uint64_t magic = 0;
  if (bytes.size() >= 8) std::memcpy(&magic, bytes.data(), 8);
  if (magic == kMagicV1)
    throw SimulationError(
        "the snapshot was written by an older neuro (format 1, without a checksum); take a new "
        "one");
  if (magic != kMagic) throw SimulationError("this is not a neuro snapshot");
  if (bytes.size() < kHeader + kTrailer) throw corrupt("it is truncated");
  uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + bytes.size() - kTrailer, kTrailer);
  if (sum != fnv1a(bytes.data(), bytes.size() - kTrailer))
    throw corrupt("its checksum does not match (truncated, or changed after it was written)");
  Reader r{bytes, 8, bytes.size() - kTrailer};
  if (const auto v = r.pod<uint32_t>(); v != kSnapshotVersion)
    throw SimulationError(fmt::format(
        "the snapshot has format version {}; this neuro reads version {}", v, kSnapshotVersion));
  if (r.pod<uint64_t>() != model_hash(*e.mod))
    throw SimulationError(
        "the snapshot was taken from a different model (or seed or dt); it cannot be restored "
        "here");
  // Read into a copy first, so a refused snapshot leaves the simulation as it was.
  std::vector<uint8_t> backup = snapshot();
  try {
    const int64_t step = r.pod<int64_t>();
    if (step < 0 || step > kMaxStep) throw corrupt(fmt::format("step {} is out of range", step));
    e.step = step;
    r.vec(e.modulators);
    for (auto& p : e.pops) {
      for (auto& a : p.states) r.vec(a);
      for (auto& a : p.params) r.vec(a);
      r.vec(p.ref_end);
      for (auto& h : p.history) r.ids(h, p.n, "a spiking neuron");
      r.ids(p.injected, p.n, "an injected spike's neuron");
      p.spike_count = r.pod<uint64_t>();
      p.gen_cursor = r.pod<uint64_t>();
      if (p.gen_cursor > p.pop->spikes.size()) throw corrupt("a generator's position");
      r.vec(p.next_spike);
      r.vec(p.draws);
    }
    for (auto& pj : e.projs) {
      for (auto& a : pj.vars) r.vec(a);
      for (auto& tr : pj.traces) {
        r.vec(tr.value);
        r.vec(tr.last);
      }
      for (auto& ring : pj.ring) r.ids(ring, pj.csr.size(), "a delayed synapse");
    }
    if (e.rate) {
      std::vector<double> params = rate_params(*e.rate);
      r.vec(params);
      set_rate_params(*e.rate, params);
    }
    for (auto& m : e.monitors) {
      const uint64_t n = r.pod<uint64_t>();
      r.bytes_for(n, sizeof(uint32_t));
      const uint64_t size = e.pops[m.mon->target.pop].n;
      m.spike_ids.clear();
      for (uint64_t k = 0; k < n; ++k) {
        const uint32_t id = r.pod<uint32_t>();
        if (id >= size) throw corrupt(fmt::format("a recorded spike's neuron {}", id));
        m.spike_ids.push_back(id);
      }
      if (r.pod<uint64_t>() != n) throw corrupt("recorded spikes without their times");
      r.bytes_for(n, sizeof(int64_t));
      m.spike_runs.clear();
      for (uint64_t k = 0; k < n; ++k) {
        const int64_t stamp = r.pod<int64_t>();
        const int64_t last = m.spike_runs.empty() ? 0 : m.spike_runs.back().stamp;
        if (stamp < last || stamp > step) throw corrupt("a recorded spike's time");
        if (m.spike_runs.empty() || m.spike_runs.back().stamp != stamp)
          m.spike_runs.push_back({stamp, k + 1});
        else
          m.spike_runs.back().end = k + 1;
      }
      r.grow(m.sample_steps);
      const size_t width = m.mon->target.size();
      for (auto& s : m.samples) {
        r.grow(s);
        if (s.size() != m.sample_steps.size() * width) throw corrupt("a recording's samples");
      }
    }
    if (r.at != r.end) throw corrupt("it has trailing bytes");
  } catch (const SimulationError&) {
    if (&bytes != &backup) restore(backup);
    throw;
  } catch (const std::exception&) {
    // (a corrupt count can still ask for more memory than there is)
    if (&bytes != &backup) restore(backup);
    throw corrupt("it asks for more memory than there is");
  }
}

}  // namespace neuro
