// Exact propagators for dx/dt = M·x + c (c constant over a step):
//   x(t+dt) = e^{M·dt}·x(t) + (∫₀^dt e^{M·s} ds)·c
// Both matrices come from one exponential of the augmented matrix
// [[M, I], [0, 0]]·dt, whose top blocks are [e^{M·dt}, ∫e^{M·s}ds].
// Refractory neurons hold their clamped variables: those rows of M and of
// the identity block are zero, so the same formula keeps them constant.
#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>

#include "ir/propagator.h"

namespace neuro::ir {

namespace {

void exponentiate(const std::vector<std::vector<double>>& M, const std::vector<bool>& clamp,
                  double dt, std::vector<double>& P, std::vector<double>& Q) {
  const size_t n = M.size();
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(2 * n, 2 * n);
  for (size_t r = 0; r < n; ++r) {
    if (clamp[r]) continue;
    for (size_t c = 0; c < n; ++c) A(r, c) = M[r][c] * dt;
    A(r, n + r) = dt;
  }
  Eigen::MatrixXd E = A.exp();
  P.assign(n * n, 0);
  Q.assign(n * n, 0);
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c) {
      P[r * n + c] = E(r, c);
      Q[r * n + c] = E(r, n + c);
    }
  // A clamped row is exactly the identity; make it so bit for bit.
  for (size_t r = 0; r < n; ++r)
    if (clamp[r])
      for (size_t c = 0; c < n; ++c) {
        P[r * n + c] = r == c ? 1.0 : 0.0;
        Q[r * n + c] = 0.0;
      }
}

}  // namespace

Propagator make_propagator(const LinearSystem& sys, const Kernel& k, double dt) {
  Propagator p;
  p.n = sys.states.size();
  std::vector<bool> none(p.n, false), clamp(p.n, false);
  for (size_t r = 0; r < p.n; ++r)
    for (const auto& o : k.odes)
      if (o.state == sys.states[r]) clamp[r] = o.unless_refractory;
  exponentiate(sys.M, none, dt, p.P, p.Q);
  exponentiate(sys.M, clamp, dt, p.P_ref, p.Q_ref);
  return p;
}

}  // namespace neuro::ir
