// Connection rules → compressed sparse rows (one row per presynaptic neuron).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace neuro::interp {

struct Csr {
  std::vector<uint64_t> row;  // row[i]..row[i+1]: synapses of source neuron i (slice-relative)
  std::vector<uint32_t> col;  // target neuron, absolute index in the target population
  size_t rows() const { return row.empty() ? 0 : row.size() - 1; }
  size_t size() const { return col.size(); }
};

// Evaluates the `when` condition for source i (absolute) against n targets
// j (absolute): keep[k] = 1 where it holds.
using PairFilter = std::function<void(uint32_t i, const uint32_t* j, size_t n, uint8_t* keep)>;

// Draws the synapses of a projection. Each source neuron (for a fixed
// in-degree each target, for a fixed total number each synapse) has its own
// random stream, so the result depends only on the seed. Returns false with `error` set when the rule cannot be met.
bool build_csr(const ir::Projection& pr, uint64_t seed, const PairFilter& when, Csr& out,
               std::string& error);

}  // namespace neuro::interp
