#include "output.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

namespace neuro::cli {

io::Recordings recordings_of(const Simulation& sim) {
  io::Recordings r;
  r.spikes = sim.spike_recordings();
  r.states = sim.state_recordings();
  for (const auto& p : sim.population_stats()) r.population_sizes[p.name] = p.size;
  r.duration_s = sim.time();
  r.dt_s = sim.dt();
  return r;
}

std::vector<std::string> write_recordings(const Simulation& sim, const std::string& dir,
                                          io::Format format, std::string& error) {
  return io::write_recordings(recordings_of(sim), dir, format, error);
}

std::vector<std::string> write_csv(const Simulation& sim, const std::string& dir,
                                   std::string& error) {
  return write_recordings(sim, dir, io::Format::csv, error);
}

double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += c;
    }
  }
  return out;
}

}  // namespace neuro::cli
