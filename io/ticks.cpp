#include "io/ticks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace neuro::io {

double nice_step(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

double nice_step_near(double span, double count) {
  // Of the two 1-2-5 steps around the ideal span / count, the one closer to
  // it by ratio (the larger one on a tie).
  const double ideal = span / std::max(1.0, count);
  const double up = nice_step(ideal);
  const double m = up / std::pow(10.0, std::floor(std::log10(up) + 1e-9));  // 1, 2 or 5
  const double down = up * (m < 3 ? 0.5 : 0.4);                             // 10→5, 2→1, 5→2
  return ideal / down < up / ideal ? down : up;
}

Ticks nice_ticks(double lo, double hi, int target, double min_step) {
  Ticks t;
  if (!(hi > lo)) hi = lo + 1;
  // Of the two 1-2-5 steps around the ideal one, the one whose tick count
  // comes closer to the target (the larger one on a tie: fewer labels).
  const double up = nice_step((hi - lo) / std::max(1, target));
  const double m = up / std::pow(10.0, std::floor(std::log10(up) + 1e-9));  // 1, 2 or 5
  const double down = up * (m < 3 ? 0.5 : 0.4);
  t.step = std::fabs((hi - lo) / down - target) < std::fabs((hi - lo) / up - target) ? down : up;
  t.step = std::max(t.step, min_step);
  const double eps = t.step * 1e-9;
  long long k0 = static_cast<long long>(std::ceil((lo - eps) / t.step));
  long long k1 = static_cast<long long>(std::floor((hi + eps) / t.step));
  for (long long k = k0; k <= k1; ++k) t.values.push_back(static_cast<double>(k) * t.step);
  t.decimals = std::clamp(static_cast<int>(-std::floor(std::log10(t.step) + 1e-9)), 0, 12);
  return t;
}

std::string format_fixed(double value, int decimals) {
  std::string s = fmt::format("{:.{}f}", value, std::max(0, decimals));
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

}  // namespace neuro::io
