// Rate layers at run time (private to interpreter/): the layers' values over
// a minibatch, the dense weights, and one step of forward pass,
// backpropagation and SGD. Eigen does the linear algebra.
#pragma once

#include <memory>
#include <vector>

#include "neuro/simulation.h"

namespace neuro {

struct RateNet;

// Builds the layers of the engine's module (weights and biases from their
// initial-value expressions). Call only when the module has layers.
std::shared_ptr<RateNet> build_rate_net(Simulation::Engine& e);

// One step: the forward pass over the current minibatch, in feed-forward
// order; then, for every `learn` rule whose layer was given targets for this
// step, backpropagation of the batch-mean loss and W ← W − rate·∂L/∂W.
void rate_step(RateNet& net, Simulation::Engine& e);

// Every trained value (weights, then biases) for snapshots, and back.
std::vector<double> rate_params(const RateNet& net);
void set_rate_params(RateNet& net, const std::vector<double>& values);

}  // namespace neuro
