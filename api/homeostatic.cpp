#include "neuro/homeostatic.h"

#include <algorithm>
#include <random>

#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace neuro::homeostatic {

const char* regulation_name(Regulation r) {
  switch (r) {
    case Regulation::Homeostatic:
      return "homeostatic";
    case Regulation::Random:
      return "random";
    case Regulation::Constant:
      return "constant";
  }
  return "?";
}

double moved(double eta, int label, const Config& c) {
  eta += label >= c.excitatory_from ? c.delta : -c.delta;
  return eta < 0 ? c.floor : eta;
}

namespace {

int argmax(const double* p, size_t n) {
  return static_cast<int>(std::max_element(p, p + n) - p);
}

// A stream of uniform numbers for one purpose, reproducible from the seed.
double uniform(uint64_t seed, uint64_t purpose, uint64_t counter) {
  std::mt19937_64 g(seed * 0x9E3779B97F4A7C15ull ^ (purpose << 40) ^ counter);
  return std::uniform_real_distribution<double>(0, 1)(g);
}

}  // namespace

std::pair<int, int> swap_labels(Data& a, Data& b, uint64_t seed, uint64_t counter) {
  int x = static_cast<int>(uniform(seed, 2, 2 * counter) * 10);
  int y = static_cast<int>(uniform(seed, 2, 2 * counter + 1) * 9);
  if (y >= x) ++y;  // a second class, different from the first
  for (Data* d : {&a, &b})
    for (int& l : d->labels) l = l == x ? y : l == y ? x : l;
  return {x, y};
}

Learner::Learner(Simulation& sim, Config config) : sim_(sim), c_(config), eta_(config.eta0) {}

void Learner::set_input(const Data& data, const std::vector<size_t>& idx) {
  buf_.resize(idx.size() * data.pixels);
  for (size_t k = 0; k < idx.size(); ++k)
    std::copy_n(data.images.begin() + static_cast<std::ptrdiff_t>(idx[k] * data.pixels),
                data.pixels, buf_.begin() + static_cast<std::ptrdiff_t>(k * data.pixels));
  sim_.set_layer_input("In", buf_.data(), idx.size());
}

double Learner::train_step(const Data& data, const std::vector<size_t>& idx, double rate) {
  set_input(data, idx);
  std::vector<double> y(idx.size() * 10, 0.0);
  for (size_t k = 0; k < idx.size(); ++k) y[k * 10 + static_cast<size_t>(data.labels[idx[k]])] = 1;
  sim_.set_layer_targets("Out", y.data(), idx.size());
  *sim_.modulator("eta") = rate;
  sim_.run(1);
  return sim_.layer_loss("Out");
}

std::vector<int> Learner::predict(const Data& data, const std::vector<size_t>& idx) {
  set_input(data, idx);
  sim_.run(1);
  std::vector<double> out = sim_.layer_output("Out");
  std::vector<int> guess(idx.size());
  for (size_t k = 0; k < idx.size(); ++k) guess[k] = argmax(out.data() + k * 10, 10);
  return guess;
}

double Learner::accuracy(const Data& data) {
  std::vector<size_t> idx(data.size());
  for (size_t k = 0; k < idx.size(); ++k) idx[k] = k;
  std::vector<int> g = predict(data, idx);
  size_t ok = 0;
  for (size_t k = 0; k < idx.size(); ++k) ok += g[k] == data.labels[k];
  return data.size() ? static_cast<double>(ok) / static_cast<double>(data.size()) : 0;
}

std::vector<double> Learner::save() const {
  const ir::Module& m = module_of(sim_);
  std::vector<double> w;
  for (size_t d = 0; d < m.dense.size(); ++d) {
    const double* p = sim_.dense_weights(d);
    w.insert(w.end(), p, p + m.layers[m.dense[d].src].size * m.layers[m.dense[d].dst].size);
  }
  for (const auto& l : m.layers) {
    const double* p = sim_.layer_bias(l.name);
    w.insert(w.end(), p, p + l.size);
  }
  return w;
}

void Learner::load(const std::vector<double>& w) {
  const ir::Module& m = module_of(sim_);
  size_t at = 0;
  for (size_t d = 0; d < m.dense.size(); ++d) {
    size_t n = m.layers[m.dense[d].src].size * m.layers[m.dense[d].dst].size;
    std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(at), n, sim_.dense_weights(d));
    at += n;
  }
  for (const auto& l : m.layers) {
    std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(at), l.size, sim_.layer_bias(l.name));
    at += l.size;
  }
}

double Learner::decide(const Data& data, const std::vector<size_t>& order, size_t s, bool* took) {
  const std::vector<double> before = save();
  const std::vector<size_t> one{order[s]};
  std::vector<size_t> recent(order.begin() + static_cast<std::ptrdiff_t>(s - c_.memory),
                             order.begin() + static_cast<std::ptrdiff_t>(s));
  auto score = [&] {
    std::vector<int> g = predict(data, recent);
    size_t ok = 0;
    for (size_t k = 0; k < recent.size(); ++k) ok += g[k] == data.labels[recent[k]];
    return ok;
  };
  const double m = static_cast<double>(c_.batch);
  // "Leave": an update with η. Its forward pass gives the predicted class.
  train_step(data, one, eta_ / m);
  const int guess = argmax(sim_.layer_output("Out").data(), 10);
  const size_t leave = score();
  load(before);
  // "Take": an update with η moved toward the predicted class's side.
  train_step(data, one, moved(eta_, guess, c_) / m);
  const size_t take = score();
  load(before);
  if (took) *took = take > leave;
  return take > leave ? moved(eta_, data.labels[order[s]], c_) : eta_;
}

EpochStats Learner::epoch(Data& train, const std::vector<size_t>& order, Data& validation,
                          int swaps) {
  EpochStats st;
  const size_t n = order.size(), m = c_.batch;
  const size_t period = swaps > 0 ? n / static_cast<size_t>(swaps) : 0;
  size_t correct = 0;
  double loss = 0;
  std::vector<size_t> idx;
  for (size_t j = 0; j < n / m; ++j) {
    const size_t s = j * m;
    if (s % c_.interval == 0) {
      if (c_.regulation == Regulation::Homeostatic && s > c_.memory) {
        bool took = false;
        eta_ = decide(train, order, s, &took);
        (took ? st.take : st.leave)++;
      } else if (c_.regulation == Regulation::Random && s != 0 &&
                 uniform(c_.seed, 1, draws_++) > 0.5) {
        eta_ = moved(eta_, train.labels[order[s]], c_);
      }
    }
    idx.assign(order.begin() + static_cast<std::ptrdiff_t>(s),
               order.begin() + static_cast<std::ptrdiff_t>(s + m));
    loss += train_step(train, idx, eta_);
    std::vector<double> out = sim_.layer_output("Out");  // before this step's update
    for (size_t k = 0; k < m; ++k)
      correct += argmax(out.data() + k * 10, 10) == train.labels[idx[k]];
    if (period > 0 && j != 0 && (s + m) % period == 0)
      swap_labels(train, validation, c_.seed, draws_++);
  }
  st.train_accuracy = static_cast<double>(correct) / static_cast<double>(n / m * m);
  st.mean_loss = loss / static_cast<double>(n / m);
  st.validation_accuracy = accuracy(validation);
  st.eta = eta_;
  return st;
}

}  // namespace neuro::homeostatic
