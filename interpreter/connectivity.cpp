#include "interpreter/connectivity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "numeric/rng.h"

namespace neuro::interp {

namespace {

// Rows from (i, j) pairs given in any order; duplicates are kept (they are
// distinct synapses, as in `pairs = [(0, 1), (0, 1)]`).
void from_pairs(size_t rows, std::vector<std::pair<uint32_t, uint32_t>>& pairs, Csr& out) {
  std::stable_sort(pairs.begin(), pairs.end());
  out.row.assign(rows + 1, 0);
  for (auto& [i, j] : pairs) out.row[i + 1]++;
  std::partial_sum(out.row.begin(), out.row.end(), out.row.begin());
  out.col.resize(pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) out.col[k] = pairs[k].second;
}

// Robert Floyd's sampling of k distinct indices of [0, n), then sorted;
// `taken` (at least n entries, all 0) is work space, left all 0.
void floyd_sample(num::Stream& rng, size_t n, size_t k, std::vector<uint8_t>& taken,
                  std::vector<uint32_t>& chosen) {
  chosen.clear();
  for (size_t r = n - k; r < n; ++r) {
    size_t v = rng.below(r + 1);
    if (taken[v]) v = r;
    taken[v] = 1;
    chosen.push_back(static_cast<uint32_t>(v));
  }
  for (uint32_t c : chosen) taken[c] = 0;
  std::sort(chosen.begin(), chosen.end());
}

}  // namespace

bool build_csr(const ir::Projection& pr, uint64_t seed, const PairFilter& when, Csr& out,
               std::string& error) {
  const size_t ns = pr.src.size(), nt = pr.dst.size();
  const uint32_t s0 = static_cast<uint32_t>(pr.src.lo), t0 = static_cast<uint32_t>(pr.dst.lo);
  out.row.assign(ns + 1, 0);
  out.col.clear();
  std::vector<uint32_t> targets(nt);
  std::iota(targets.begin(), targets.end(), t0);
  std::vector<uint8_t> keep(nt, 1);
  auto filter_row = [&](uint32_t i) {
    if (when) when(s0 + i, targets.data(), nt, keep.data());
  };
  switch (pr.rule) {
    case ir::Rule::AllToAll:
      for (uint32_t i = 0; i < ns; ++i) {
        filter_row(i);
        for (uint32_t j = 0; j < nt; ++j)
          if (keep[j]) out.col.push_back(t0 + j);
        out.row[i + 1] = out.col.size();
      }
      return true;
    case ir::Rule::OneToOne:
      for (uint32_t i = 0; i < ns; ++i) {
        filter_row(i);
        if (keep[i]) out.col.push_back(t0 + i);
        out.row[i + 1] = out.col.size();
      }
      return true;
    case ir::Rule::Probability: {
      const double p = pr.p;
      const uint64_t key = num::stream_key(seed, num::StreamKind::Connect, pr.id);
      out.col.reserve(static_cast<size_t>(p * ns * nt * 1.05) + 16);
      const double log1mp = std::log1p(-p);
      for (uint32_t i = 0; i < ns; ++i) {
        num::Stream rng(key, s0 + i);
        if (when) {
          // A condition: one Bernoulli draw per candidate pair.
          filter_row(i);
          for (uint32_t j = 0; j < nt; ++j)
            if (keep[j] && rng.uniform() < p) out.col.push_back(t0 + j);
        } else if (p >= 1) {
          for (uint32_t j = 0; j < nt; ++j) out.col.push_back(t0 + j);
        } else if (p > 0) {
          // Geometric gaps between successes: work proportional to synapses.
          double j = -1;
          while (true) {
            double u = rng.uniform();
            j += std::floor(std::log1p(-u) / log1mp) + 1;
            if (j >= static_cast<double>(nt)) break;
            out.col.push_back(t0 + static_cast<uint32_t>(j));
          }
        }
        out.row[i + 1] = out.col.size();
      }
      return true;
    }
    case ir::Rule::InDegree: {
      const uint64_t key = num::stream_key(seed, num::StreamKind::Connect, pr.id, 1);
      std::vector<std::pair<uint32_t, uint32_t>> pairs;
      pairs.reserve(pr.k * nt);
      std::vector<uint32_t> candidates, chosen;
      std::vector<uint8_t> taken(ns, 0);
      std::vector<uint32_t> one(1);
      for (uint32_t j = 0; j < nt; ++j) {
        num::Stream rng(key, t0 + j);
        candidates.clear();
        for (uint32_t i = 0; i < ns; ++i) {
          if (when) {
            one[0] = t0 + j;
            uint8_t k = 1;
            when(s0 + i, one.data(), 1, &k);
            if (!k) continue;
          }
          candidates.push_back(i);
        }
        if (candidates.size() < pr.k) {
          error = fmt::format("target neuron {} has only {} possible sources but in_degree is {}",
                              t0 + j, candidates.size(), pr.k);
          return false;
        }
        floyd_sample(rng, candidates.size(), pr.k, taken, chosen);
        for (uint32_t c : chosen) pairs.emplace_back(candidates[c], t0 + j);
      }
      from_pairs(ns, pairs, out);
      return true;
    }
    case ir::Rule::OutDegree: {
      // Each source draws K distinct targets from those that pass `when`,
      // as in_degree does for targets (Floyd's sampling, then sorted).
      const uint64_t key = num::stream_key(seed, num::StreamKind::Connect, pr.id, 2);
      out.col.reserve(pr.k * ns);
      std::vector<uint32_t> chosen;
      std::vector<uint8_t> taken(nt, 0);
      std::vector<uint32_t> candidates;
      for (uint32_t i = 0; i < ns; ++i) {
        num::Stream rng(key, s0 + i);
        filter_row(i);
        candidates.clear();
        for (uint32_t j = 0; j < nt; ++j)
          if (keep[j]) candidates.push_back(j);
        if (candidates.size() < pr.k) {
          error = fmt::format(
              "source neuron {} has only {} possible targets but fixed_out_degree is {}", s0 + i,
              candidates.size(), pr.k);
          return false;
        }
        floyd_sample(rng, candidates.size(), pr.k, taken, chosen);
        for (uint32_t c : chosen) out.col.push_back(t0 + candidates[c]);
        out.row[i + 1] = out.col.size();
      }
      return true;
    }
    case ir::Rule::TotalNumber: {
      // Synapse k joins source below(ns) and target below(nt), both drawn
      // from k's own stream (multapses and autapses allowed): the network
      // depends on the seed alone, and any part of it can be drawn without
      // the rest. Two passes, counting then placing, so no list of pairs is
      // held; each row is then sorted by target.
      const uint64_t key = num::stream_key(seed, num::StreamKind::Connect, pr.id, 3);
      auto pair_of = [&](uint64_t k) {
        num::Stream rng(key, k);
        const auto i = static_cast<uint32_t>(rng.below(ns));
        const auto j = static_cast<uint32_t>(rng.below(nt));
        return std::pair<uint32_t, uint32_t>(i, j);
      };
      for (uint64_t k = 0; k < pr.k; ++k) out.row[pair_of(k).first + 1]++;
      std::partial_sum(out.row.begin(), out.row.end(), out.row.begin());
      out.col.resize(pr.k);
      std::vector<uint64_t> cursor(out.row.begin(), out.row.end() - 1);
      for (uint64_t k = 0; k < pr.k; ++k) {
        auto [i, j] = pair_of(k);
        out.col[cursor[i]++] = t0 + j;
      }
      for (size_t i = 0; i < ns; ++i)
        std::sort(out.col.begin() + static_cast<std::ptrdiff_t>(out.row[i]),
                  out.col.begin() + static_cast<std::ptrdiff_t>(out.row[i + 1]));
      return true;
    }
    case ir::Rule::Pairs: {
      std::vector<std::pair<uint32_t, uint32_t>> pairs;
      for (auto [i, j] : pr.pairs) {
        if (when) {
          uint32_t jj = t0 + j;
          uint8_t k = 1;
          when(s0 + i, &jj, 1, &k);
          if (!k) continue;
        }
        pairs.emplace_back(i, t0 + j);
      }
      from_pairs(ns, pairs, out);
      return true;
    }
  }
  return false;
}

}  // namespace neuro::interp
