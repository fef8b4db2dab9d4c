// Rate layers: `H = layer[n] { activation = … }`, `connect A -> B via dense`
// and `learn Out loss = … rate = …` (docs/language.md §9.11).
//
// A step computes every layer over the current minibatch of B samples, in
// feed-forward order: Z = bias·1ᵀ + input + Σ W·A_src, A = f(Z), with one
// column per sample. A layer that no dense projection feeds is an input
// layer: the host gives its values (units × B) and they hold until it gives
// others. When the host gave targets to a learning layer for this step, the
// step also trains: δ at the output (A − Y for cross-entropy with softmax,
// f'(Z)·(A − Y) for the squared error), propagated back through every dense
// projection (δ_src = f'(Z_src)·Σ Wᵀδ), all gradients taken with the weights
// as they were in the forward pass, then W −= rate·δ·A_srcᵀ/B and
// bias −= rate·Σ_b δ/B. Input layers' biases are not trained.
#include "interpreter/rate_layers.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>

#include "interpreter/engine_state.h"
#include "numeric/schedule.h"

namespace neuro {

using Mat = Eigen::MatrixXd;  // column-major: units × batch
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct RateNet {
  struct Layer {
    const ir::Layer* ir = nullptr;
    Eigen::VectorXd bias;
    Mat input;  // host values (input layers); empty: none given
    Mat z, a, delta, back;
    Mat target;        // for the next step only; empty: none
    bool fed = false;  // some dense projection feeds it
    int learner = -1;  // its `learn` rule
    double loss = std::numeric_limits<double>::quiet_NaN();
  };
  struct Dense {
    const ir::Dense* ir = nullptr;
    RowMat w, grad;  // target × source
  };
  std::vector<Layer> layers;
  std::vector<Dense> dense;
  std::vector<interp::Program> rates;  // per learn rule: its rate into rate_vals
  std::vector<double> rate_vals;
  size_t batch = 1;
};

namespace {

void activate(ir::Activation f, const Mat& z, Mat& a) {
  switch (f) {
    case ir::Activation::Identity:
      a = z;
      break;
    case ir::Activation::Relu:
      a = z.cwiseMax(0.0);
      break;
    case ir::Activation::Elu:
      a = (z.array() > 0).select(z, z.array().exp() - 1.0);
      break;
    case ir::Activation::Tanh:
      a = z.array().tanh();
      break;
    case ir::Activation::Sigmoid:
      a = 1.0 / (1.0 + (-z.array()).exp());
      break;
    case ir::Activation::Softmax:
      a.resize(z.rows(), z.cols());
      for (Eigen::Index c = 0; c < z.cols(); ++c) {
        auto e = (z.col(c).array() - z.col(c).maxCoeff()).exp();
        a.col(c) = e / e.sum();
      }
      break;
  }
}

// g ← ∂L/∂Z from g = ∂L/∂A, for each column (softmax: its Jacobian).
void backprop_activation(ir::Activation f, const Mat& z, const Mat& a, Mat& g) {
  switch (f) {
    case ir::Activation::Identity:
      break;
    case ir::Activation::Relu:
      g = (z.array() > 0).select(g, 0.0);
      break;
    case ir::Activation::Elu:
      g = (z.array() > 0).select(g, g.array() * (a.array() + 1.0));
      break;
    case ir::Activation::Tanh:
      g = g.array() * (1.0 - a.array().square());
      break;
    case ir::Activation::Sigmoid:
      g = g.array() * a.array() * (1.0 - a.array());
      break;
    case ir::Activation::Softmax:
      for (Eigen::Index c = 0; c < g.cols(); ++c) {
        double s = a.col(c).dot(g.col(c));
        g.col(c) = a.col(c).array() * (g.col(c).array() - s);
      }
      break;
  }
}

RateNet::Layer& find_layer(RateNet& net, const std::string& name) {
  for (auto& l : net.layers)
    if (l.ir->name == name) return l;
  throw SimulationError(fmt::format("there is no rate layer `{}`", name));
}

}  // namespace

std::shared_ptr<RateNet> build_rate_net(Simulation::Engine& e) {
  const ir::Module& m = *e.mod;
  auto net = std::make_shared<RateNet>();
  auto none = [](ir::Space, int) { return interp::Binding{}; };
  net->layers.resize(m.layers.size());
  for (size_t k = 0; k < m.layers.size(); ++k) {
    auto& l = net->layers[k];
    l.ir = &m.layers[k];
    const size_t n = l.ir->size;
    l.bias.resize(static_cast<Eigen::Index>(n));
    interp::Program p(n, none, e.site_keys((7ull << 20) | k, 0), &m.tables, e.modulators.data());
    p.store_into(l.ir->bias, l.bias.data());
    p.run(e.lanes(n, 0, 0));
  }
  net->dense.resize(m.dense.size());
  for (size_t d = 0; d < m.dense.size(); ++d) {
    auto& ds = net->dense[d];
    ds.ir = &m.dense[d];
    const size_t rows = m.layers[ds.ir->dst].size, cols = m.layers[ds.ir->src].size;
    net->layers[ds.ir->dst].fed = true;
    ds.w.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    // W[j][i] over lanes of whole rows; the random stream of a weight is
    // keyed by its position j·cols + i.
    const size_t rows_per_chunk = std::max<size_t>(1, (size_t{1} << 16) / cols);
    const size_t chunk = rows_per_chunk * cols;
    std::vector<uint32_t> ids(chunk), is(chunk), js(chunk);
    interp::Program p(chunk, none, e.site_keys((8ull << 20) | d, 0), &m.tables,
                      e.modulators.data());
    std::vector<double> out(chunk);
    p.store_into(ds.ir->weight, out.data());
    for (size_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
      const size_t nr = std::min(rows_per_chunk, rows - r0), n = nr * cols;
      for (size_t q = 0; q < n; ++q) {
        ids[q] = static_cast<uint32_t>(r0 * cols + q);
        is[q] = static_cast<uint32_t>(q % cols);
        js[q] = static_cast<uint32_t>(r0 + q / cols);
      }
      interp::Lanes l = e.lanes(n, 0, 0);
      l.ids = ids.data();
      l.i_ids = is.data();
      l.j_ids = js.data();
      p.run(l);
      std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), ds.w.data() + r0 * cols);
    }
  }
  for (size_t r = 0; r < m.learners.size(); ++r) {
    net->layers[m.learners[r].layer].learner = static_cast<int>(r);
    net->rates.emplace_back(1, none, e.site_keys((9ull << 20) | r, 0), &m.tables,
                            e.modulators.data());
  }
  net->rate_vals.assign(m.learners.size(), 0);
  for (size_t r = 0; r < m.learners.size(); ++r)
    net->rates[r].store_into(m.learners[r].rate, &net->rate_vals[r]);
  return net;
}

void rate_step(RateNet& net, Simulation::Engine& e) {
  const ir::Module& m = *e.mod;
  // The minibatch: the size of the host's inputs, which must agree.
  size_t batch = 0;
  for (const auto& l : net.layers) {
    if (l.input.size() == 0) continue;
    const size_t b = static_cast<size_t>(l.input.cols());
    if (batch != 0 && b != batch)
      throw located(l.ir->range, fmt::format("the inputs of the rate layers hold minibatches of "
                                             "different sizes ({} and {} samples)",
                                             batch, b));
    batch = b;
  }
  net.batch = batch == 0 ? 1 : batch;
  const auto B = static_cast<Eigen::Index>(net.batch);
  for (int k : m.layer_order) {
    auto& l = net.layers[k];
    l.z = l.bias.replicate(1, B);
    if (l.input.size() != 0) l.z += l.input;
    for (const auto& d : net.dense)
      if (d.ir->dst == k) l.z.noalias() += d.w * net.layers[d.ir->src].a;
    activate(l.ir->activation, l.z, l.a);
  }

  // Training: every rule whose layer has targets for this step.
  bool any = false;
  for (const auto& l : net.layers) any = any || l.target.size() != 0;
  if (!any) return;
  for (auto& l : net.layers) l.back.setZero(l.ir->size, B);
  for (auto& d : net.dense) d.grad.setZero(d.w.rows(), d.w.cols());
  std::vector<Eigen::VectorXd> bias_grad(net.layers.size());
  std::vector<char> reached(net.layers.size(), 0);
  for (size_t r = 0; r < m.learners.size(); ++r) {
    const ir::Learn& rule = m.learners[r];
    auto& out = net.layers[rule.layer];
    if (out.target.size() == 0) continue;
    if (out.target.cols() != B)
      throw located(rule.range,
                    fmt::format("the targets of `{}` hold {} samples, but the minibatch "
                                "has {}",
                                out.ir->name, out.target.cols(), B));
    net.rates[r].run(e.lanes(1, 0, num::rng_counter(e.step)));
    const double rate = net.rate_vals[r];
    // ∂L/∂Z of the output, L the batch mean of the loss.
    Mat g = out.a - out.target;
    if (rule.loss == ir::Loss::CrossEntropy) {
      out.loss = -(out.target.array() * out.a.array().max(1e-300).log()).sum() / B;
    } else {
      out.loss = 0.5 * g.squaredNorm() / B;
      backprop_activation(out.ir->activation, out.z, out.a, g);
    }
    g *= rate / static_cast<double>(B);  // scaled once: the rule's step, per sample
    // Back through the layers that feed the output, latest first.
    for (auto& l : net.layers) l.back.setZero();
    std::fill(reached.begin(), reached.end(), 0);
    out.back = g;
    reached[rule.layer] = 1;
    for (auto it = m.layer_order.rbegin(); it != m.layer_order.rend(); ++it) {
      const int k = *it;
      auto& l = net.layers[k];
      if (!reached[k] || !l.fed) continue;
      if (k != rule.layer) backprop_activation(l.ir->activation, l.z, l.a, l.back);
      Eigen::VectorXd bg = l.back.rowwise().sum();
      bias_grad[k] = bias_grad[k].size() ? Eigen::VectorXd(bias_grad[k] + bg) : bg;
      for (auto& d : net.dense) {
        if (d.ir->dst != k) continue;
        auto& src = net.layers[d.ir->src];
        d.grad.noalias() += l.back * src.a.transpose();
        if (src.fed) {
          src.back.noalias() += d.w.transpose() * l.back;
          reached[d.ir->src] = 1;
        }
      }
    }
  }
  // All gradients were taken with the forward pass's weights; now step.
  for (auto& d : net.dense) d.w -= d.grad;
  for (size_t k = 0; k < net.layers.size(); ++k)
    if (bias_grad[k].size()) net.layers[k].bias -= bias_grad[k];
  for (auto& l : net.layers) l.target.resize(0, 0);
}

std::vector<double> rate_params(const RateNet& net) {
  std::vector<double> out;
  for (const auto& d : net.dense) out.insert(out.end(), d.w.data(), d.w.data() + d.w.size());
  for (const auto& l : net.layers)
    out.insert(out.end(), l.bias.data(), l.bias.data() + l.bias.size());
  return out;
}

void set_rate_params(RateNet& net, const std::vector<double>& values) {
  size_t at = 0;
  for (auto& d : net.dense) {
    std::copy(values.begin() + at, values.begin() + at + d.w.size(), d.w.data());
    at += d.w.size();
  }
  for (auto& l : net.layers) {
    std::copy(values.begin() + at, values.begin() + at + l.bias.size(), l.bias.data());
    at += l.bias.size();
  }
}

// ---------------------------------------------------------------------------
// The host's view (include/neuro/simulation.h).

namespace {

RateNet& net_of(Simulation::Engine& e) {
  if (!e.rate) throw SimulationError("this circuit has no rate layers");
  return *e.rate;
}

}  // namespace

void Simulation::set_layer_input(const std::string& layer, const double* values, size_t batch) {
  auto& l = find_layer(net_of(*engine_), layer);
  if (l.fed)
    throw SimulationError(fmt::format(
        "`{}` is computed from dense projections; only input layers take values from the host",
        layer));
  if (batch == 0) throw SimulationError("a minibatch holds at least one sample");
  const auto n = static_cast<Eigen::Index>(l.ir->size);
  l.input = Eigen::Map<const Mat>(values, n, static_cast<Eigen::Index>(batch));
}

void Simulation::set_layer_targets(const std::string& layer, const double* values, size_t batch) {
  auto& l = find_layer(net_of(*engine_), layer);
  if (l.learner < 0)
    throw SimulationError(fmt::format("`{}` has no `learn` rule, so it takes no targets", layer));
  if (batch == 0) throw SimulationError("a minibatch holds at least one sample");
  l.target = Eigen::Map<const Mat>(values, static_cast<Eigen::Index>(l.ir->size),
                                   static_cast<Eigen::Index>(batch));
}

std::vector<double> Simulation::layer_output(const std::string& layer) const {
  auto& l = find_layer(net_of(*engine_), layer);
  return std::vector<double>(l.a.data(), l.a.data() + l.a.size());
}

size_t Simulation::layer_batch() const {
  return engine_->rate ? engine_->rate->batch : 0;
}

double Simulation::layer_loss(const std::string& layer) const {
  return find_layer(net_of(*engine_), layer).loss;
}

double* Simulation::layer_bias(const std::string& layer) {
  return find_layer(net_of(*engine_), layer).bias.data();
}

double* Simulation::dense_weights(size_t index) {
  auto& net = net_of(*engine_);
  if (index >= net.dense.size())
    throw SimulationError(fmt::format("there is no dense projection #{}", index));
  return net.dense[index].w.data();
}

}  // namespace neuro
