// Axis ticks at "nice" values (1-2-5 steps) and their labels.
#pragma once

#include <string>
#include <vector>

namespace neuro::io {

// The smallest 1, 2 or 5 × 10^k that is >= `raw` (raw > 0).
double nice_step(double raw);

// The 1, 2 or 5 × 10^k step nearest (by ratio) to span / count.
double nice_step_near(double span, double count);

struct Ticks {
  double step = 1;
  int decimals = 0;            // digits after the point that the labels need
  std::vector<double> values;  // ascending, all within [lo, hi]
};

// About `target` ticks on [lo, hi] at multiples of a nice step no smaller
// than `min_step` (1 for neuron ids). lo < hi.
Ticks nice_ticks(double lo, double hi, int target = 6, double min_step = 0);

// `value` with `decimals` digits after the point; never "-0".
std::string format_fixed(double value, int decimals);

}  // namespace neuro::io
