#include "output.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace neuro::cli {

namespace fs = std::filesystem;

namespace {

// Unique file names when two monitors record the same thing.
std::string unique_name(std::map<std::string, int>& used, const std::string& base) {
  int n = ++used[base];
  return n == 1 ? base + ".csv" : fmt::format("{}_{}.csv", base, n);
}

bool write_file(const fs::path& path, const std::string& text, std::string& error) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    error = fmt::format("cannot write `{}`", path.string());
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> write_csv(const Simulation& sim, const std::string& dir, std::string& error) {
  std::vector<std::string> written;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = fmt::format("cannot create the output folder `{}`: {}", dir, ec.message());
    return written;
  }
  std::map<std::string, int> used;
  for (const auto& r : sim.spike_recordings()) {
    std::string text = "id,t_ms\n";
    text.reserve(text.size() + r.ids.size() * 16);
    for (size_t k = 0; k < r.ids.size(); ++k) text += fmt::format("{},{:.10g}\n", r.ids[k], r.times[k] * 1e3);
    fs::path p = fs::path(dir) / unique_name(used, r.population + "_spikes");
    if (write_file(p, text, error)) written.push_back(p.string());
  }
  for (const auto& r : sim.state_recordings()) {
    std::string unit = r.unit == "1" ? "" : "_" + r.unit;
    for (char& c : unit)
      if (c == '/' || c == '*' || c == '^') c = c == '/' ? 'p' : '_';
    std::string text = fmt::format("t_ms,id,{}{}\n", r.variable, unit);
    const size_t n = r.ids.size();
    for (size_t s = 0; s < r.times.size(); ++s)
      for (size_t k = 0; k < n; ++k)
        text += fmt::format("{:.10g},{},{:.10g}\n", r.times[s] * 1e3, r.ids[k], r.values[s * n + k] / r.unit_scale);
    fs::path p = fs::path(dir) / unique_name(used, r.population + "_" + r.variable);
    if (write_file(p, text, error)) written.push_back(p.string());
  }
  return written;
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
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += c;
    }
  }
  return out;
}

}  // namespace neuro::cli
