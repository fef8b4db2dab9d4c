// Fixtures of the I/O tests (test_io, test_plots, test_progress): a scratch
// directory, small fixed recordings, and counting a substring.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>

#include "neuro/simulation.h"

namespace neuro::testing {

// An empty directory for one test, under the system's temporary directory.
inline std::filesystem::path scratch(const char* name) {
  auto d = std::filesystem::temp_directory_path() / fmt::format("neuro_io_{}_{}", name, ::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// Non-overlapping occurrences of `what` in `s`.
inline size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// A small, fixed recording: 3 neurons over 20 ms.
inline SpikeRecording small_spikes() {
  SpikeRecording r;
  r.population = "P";
  r.ids = {0, 2, 1, 0, 2, 2, 1};
  r.times = {0.0021, 0.0035, 0.0062, 0.0104, 0.0105, 0.0151, 0.0199};
  return r;
}

inline StateRecording small_state(size_t neurons = 2, size_t samples = 11) {
  StateRecording r;
  r.population = "P";
  r.variable = "v";
  r.unit = "mV";
  r.unit_scale = 1e-3;
  for (size_t k = 0; k < neurons; ++k) r.ids.push_back(static_cast<uint32_t>(2 * k));
  for (size_t s = 0; s < samples; ++s) {
    r.times.push_back(static_cast<double>(s) * 0.002);
    for (size_t k = 0; k < neurons; ++k)
      r.values.push_back(
          (-65.0 + 10.0 * std::sin(0.5 * static_cast<double>(s) + static_cast<double>(k))) * 1e-3);
  }
  return r;
}

}  // namespace neuro::testing
