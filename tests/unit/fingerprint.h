// Everything a run leaves behind, as bytes, for comparing two runs bit for
// bit (the interpreter and the JIT, one thread and many): states,
// parameters, segment aggregates, group reductions, refractory ends, spike
// counts, synapse variables and traces, spike and state recordings.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "neuro/simulation.h"

namespace neuro::testing {

// Named parts, in a fixed order: two runs agree when every part does.
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

Fingerprint fingerprint(Simulation& sim);

// The names of the parts in which `a` and `b` differ, one a line; empty
// when they are equal.
std::string differences(const Fingerprint& a, const Fingerprint& b);

}  // namespace neuro::testing
