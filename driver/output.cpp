#include "driver/output.h"
#include <algorithm>
#include <filesystem>
#include "frontend/units.h"
#include "interpreter/build_simulation.h"
#include "io/npy.h"
#include "io/svg_plot.h"
#include "ir/ir.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

namespace neuro::driver {

io::Recordings recordings_of(const Simulation& sim) {
  io::Recordings r;
  r.spike_views = sim.spike_views();  // the engine's spikes, written without a copy
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

std::vector<std::string> write_weight_plots(const Simulation& sim, const std::string& dir,
                                            std::string& error) {
  std::vector<std::string> written;
  const ir::Module& mod = module_of(sim);
  for (size_t k = 0; k < mod.projections.size(); ++k) {
    const ir::Projection& pr = mod.projections[k];
    auto w = sim.synapse_values(k, "w");
    if (w.size() < 2 || std::all_of(w.begin(), w.end(), [&](double x) { return x == w[0]; }))
      continue;
    frontend::Dimension dim;
    for (const auto& v : pr.vars)
      if (v.name == "w") dim = v.dim;
    auto unit = frontend::display_unit(dim);
    for (double& x : w) x /= unit.scale;
    io::PlotOptions o;
    o.title = fmt::format("{} → {} via {}: w", mod.pops[pr.src.pop].name, mod.pops[pr.dst.pop].name,
                          pr.synapse);
    std::filesystem::path p =
        std::filesystem::path(dir) / fmt::format("{}_{}_{}_w.svg", mod.pops[pr.src.pop].name,
                                                 mod.pops[pr.dst.pop].name, pr.synapse);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (io::write_file(p.string(),
                       io::weight_histogram_svg(w, unit.symbol == "1" ? "" : unit.symbol, o),
                       error))
      written.push_back(p.string());
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

std::string diagnostics_json(const frontend::Diagnostics& diags,
                             const frontend::SourceManager& sources) {
  std::string list;
  for (const auto& d : diags.list()) {
    const auto& r = d.range;
    const bool placed = r.file != 0 && r.file <= sources.size();
    const char* severity = d.severity == frontend::Severity::Error     ? "error"
                           : d.severity == frontend::Severity::Warning ? "warning"
                                                                       : "note";
    list += fmt::format(
        "{}{{\"code\":\"{}\",\"severity\":\"{}\",\"file\":{},\"line\":{},\"column\":{},"
        "\"message\":\"{}\",\"hint\":\"{}\"}}",
        list.empty() ? "" : ",", frontend::code_id(d.code), severity,
        placed ? "\"" + json_escape(sources.file(r.file).name) + "\"" : std::string("null"),
        placed ? r.line : 0, placed ? r.col + 1 : 0, json_escape(d.message), json_escape(d.hint));
  }
  return fmt::format("{{\"ok\":false,\"errors\":{},\"diagnostics\":[{}]}}\n", diags.error_count(),
                     list);
}

}  // namespace neuro::driver
