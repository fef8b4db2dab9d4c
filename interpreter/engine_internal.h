// Helpers shared by the engine's files (build, integrate, simulation …);
// private to interpreter/. Inline, so a call in a step loop costs nothing.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "frontend/source.h"

namespace neuro {

inline int64_t to_steps(double seconds, double dt) {
  return static_cast<int64_t>(std::llround(seconds / dt));
}

// A time of the model (a delay, a refractory period, a recording interval)
// in steps, checked: not a number, negative, or more than 10^12 steps is a
// located error naming `what`, instead of an integer conversion of NaN or
// of a huge value (which read as "negative").
int64_t checked_steps(double seconds, double dt, const char* what,
                      const frontend::SourceRange& where);

// Memory this machine can still give (MemAvailable), in bytes; 0: unknown.
uint64_t memory_available();
// Refuses, before anything is allocated, a construct whose estimated
// memory exceeds `available` (memory_available(), read once per build; 0:
// unknown, no check): a located error with the estimate.
void check_memory(double bytes, uint64_t available, const std::string& what,
                  const frontend::SourceRange& where);

}  // namespace neuro
