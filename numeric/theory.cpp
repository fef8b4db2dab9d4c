#include "numeric/theory.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace neuro::num {

namespace {

// log C(n, k); lgamma is accurate to about an ulp of its result.
double log_choose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

// log(Σ exp(x_i)) without overflow or underflow.
double log_sum(const std::vector<double>& xs) {
  if (xs.empty()) return -INFINITY;
  double m = *std::max_element(xs.begin(), xs.end());
  if (!std::isfinite(m)) return m;
  double acc = 0;
  for (double x : xs) acc += std::exp(x - m);
  return m + std::log(acc);
}

bool whole(double x) {
  return x >= 0 && x == std::floor(x) && x < 1e9;
}

}  // namespace

double false_match(double n, double a, double s, double theta) {
  if (!whole(n) || !whole(a) || !whole(s) || !whole(theta) || a > n || s > n) return NAN;
  std::vector<double> terms;
  for (double b = theta; b <= s; ++b) {
    if (a - b < 0 || a - b > n - s) continue;
    terms.push_back(log_choose(s, b) + log_choose(n - s, a - b));
  }
  return std::exp(log_sum(terms) - log_choose(n, a));
}

double false_negative(double a, double s, double theta, double v) {
  if (!whole(a) || !whole(s) || !whole(theta) || !whole(v) || s > a || v > a) return NAN;
  std::vector<double> terms;
  for (double b = 0; b < theta && b <= s; ++b) {
    double rest = a - v - b;
    if (rest < 0 || rest > a - s) continue;
    terms.push_back(log_choose(s, b) + log_choose(a - s, rest));
  }
  return std::exp(log_sum(terms) - log_choose(a, a - v));
}

double union_size(double n, double a, double m) {
  return n * (1 - std::pow(1 - a / n, m));
}

}  // namespace neuro::num
