// The homeostatic learner of Man, Damasio & Neven (2022), "Need is all you
// need": the MLP of stdlib.homeostatic trained by minibatch SGD while its
// learning rate η — the modulator `eta` — is regulated by the items it
// classifies, and the two baselines, under concept shift by label swaps.
//
// Per minibatch of m samples (indices s … s+m−1 of the epoch's order):
//   - a regulation opportunity at its first sample s, when s % interval == 0
//     (homeostatic: s > memory; random: s > 0; constant: never);
//   - homeostatic: two simulated updates on sample s alone, with η ("leave")
//     and with η ± Δ, + when the *predicted* class is excitatory (≥ 5),
//     ("take"), each scored by accuracy on the `memory` samples before s;
//     when "take" is strictly better, η moves by Δ toward the *true* label's
//     side (+ for excitatory, − for inhibitory), floored at 1e-8;
//   - random: with probability ½, η moves by Δ toward the true label's side;
//   - then one SGD step on the minibatch with the (new) η.
// This follows the authors' code (github.com/kingsonman/homeostatic-neural-
// networks, lrh.py / lrr.py), including the simulated update's rate η/m
// applied to the single sample's gradient.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace neuro {

class Simulation;

namespace homeostatic {

enum class Regulation { Homeostatic, Random, Constant };
const char* regulation_name(Regulation r);

struct Config {
  Regulation regulation = Regulation::Homeostatic;
  double eta0 = 0.001;
  double delta = 0.0001;  // Δ = η0/10
  double floor = 1e-8;    // η below zero becomes this
  int excitatory_from = 5;
  size_t batch = 10;     // m
  size_t interval = 10;  // samples between opportunities
  size_t memory = 20;    // recent samples that score a simulated update
  uint64_t seed = 1;     // the random regulation's coin and the shifts' draws
};

// η after a move of Δ toward `label`'s side, floored.
double moved(double eta, int label, const Config& c);

// Labelled images, 784 values in [0, 1] per image.
struct Data {
  size_t pixels = 784;
  std::vector<double> images;
  std::vector<int> labels;
  size_t size() const { return labels.size(); }
};

struct EpochStats {
  double train_accuracy = 0, validation_accuracy = 0, eta = 0, mean_loss = 0;
  size_t take = 0, leave = 0;  // homeostatic decisions taken / declined
};

// Drives a built Simulation of stdlib.homeostatic's HomeostaticMLP (layers
// In, Out; modulator eta).
class Learner {
 public:
  Learner(Simulation& sim, Config config);
  // One epoch over `train` in the order `order`; `swaps` label swaps at
  // evenly spaced minibatch boundaries, applied to `train` and `validation`
  // (cumulative, as in the paper); then the validation accuracy.
  EpochStats epoch(Data& train, const std::vector<size_t>& order, Data& validation, int swaps);
  // Predicted classes of `data` (forward passes only, no learning).
  std::vector<int> predict(const Data& data, const std::vector<size_t>& idx);
  double accuracy(const Data& data);
  double eta() const { return eta_; }

  // The pieces of a step, public for tests.
  // One SGD step on samples `idx` with rate `rate` (the modulator's value).
  double train_step(const Data& data, const std::vector<size_t>& idx, double rate);
  // The homeostatic decision at sample `s` of `order`: returns η's new value.
  double decide(const Data& data, const std::vector<size_t>& order, size_t s, bool* took = nullptr);

 private:
  void set_input(const Data& data, const std::vector<size_t>& idx);
  std::vector<double> save() const;
  void load(const std::vector<double>& w);

  Simulation& sim_;
  Config c_;
  double eta_;
  uint64_t draws_ = 0;
  std::vector<double> buf_;
};

// Swaps two distinct random classes in both sets' labels; returns them.
std::pair<int, int> swap_labels(Data& a, Data& b, uint64_t seed, uint64_t counter);

}  // namespace homeostatic
}  // namespace neuro
