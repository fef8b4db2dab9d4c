// Helpers shared by the engine's files (build, integrate, simulation …);
// private to interpreter/. Inline, so a call in a step loop costs nothing.
#pragma once

#include <cmath>
#include <cstdint>

namespace neuro {

inline int64_t to_steps(double seconds, double dt) {
  return static_cast<int64_t>(std::llround(seconds / dt));
}

}  // namespace neuro
