// Tests the threshold inside the update loop when nothing runs between
// them (no group reduction needs the whole population first):
//
//   for neuron i: … v = y.v            for neuron i: … v = y.v
//   for neuron i: flag v > v_th    →                   flag v > v_th
//
// The flag then reads a value that was just stored, while the neuron is in
// cache. Neurons do not interact within these loops, so the spikes are the
// same; a backend may still run the flag after the whole loop.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

// Moves a Threshold loop's flag into the Neurons loop right before it.
void fuse_threshold(Module& m);

}  // namespace neuro::ir
