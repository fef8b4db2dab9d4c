#include "tests/unit/golden_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "driver/driver.h"
#include "frontend/units.h"
#include "ir/ir.h"
#include "neuro/simulation.h"

namespace neuro::testing {

namespace fs = std::filesystem;

std::vector<std::string> neuro_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".neuro") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> run_lines(const std::string& path, std::string& diagnostics) {
  std::vector<std::string> lines;
  auto c = driver::compile_file(path, {}, false);
  if (c->diags.has_errors() || !c->module) {
    diagnostics = frontend::render_all(c->diags, c->sources);
    return lines;
  }
  std::unique_ptr<Simulation> sim_ptr;
  try {
    sim_ptr = std::make_unique<Simulation>(c->module);
    sim_ptr->run(sim_ptr->steps_for(c->module->run.duration));
  } catch (const SimulationError& e) {
    diagnostics = driver::render_error(e, *c);
    lines.push_back("error: " + std::string(e.what()));
    return lines;
  }
  Simulation& sim = *sim_ptr;
  for (const auto& r : sim.spike_recordings()) {
    lines.push_back(fmt::format("spikes {} = {}", r.population, r.ids.size()));
    for (size_t k = 0; k < r.ids.size() && k < 200; ++k)
      lines.push_back(
          fmt::format("spike {}[{}] t = {:.6g} ms", r.population, r.ids[k], r.times[k] * 1e3));
  }
  for (const auto& r : sim.state_recordings()) {
    if (r.times.empty()) continue;
    size_t last = r.times.size() - 1, n = r.ids.size();
    for (size_t k = 0; k < n; ++k)
      lines.push_back(fmt::format("final {}.{}[{}] = {:.6g}{}", r.population, r.variable, r.ids[k],
                                  r.values[last * n + k] / r.unit_scale,
                                  r.unit == "1" ? "" : " " + r.unit));
  }
  return lines;
}

GoldenResult run_golden(const std::string& path) {
  GoldenResult res;
  auto fail = [&](std::string why) {
    res.ok = false;
    res.failure += path + ": " + why + "\n";
  };
  std::ifstream in(path);
  std::string line;
  struct ErrorExpect {
    std::string code;
    int line, col;
    bool seen = false;
  };
  std::vector<ErrorExpect> errors;
  std::vector<std::string> ir_expect, out_expect;
  static const std::regex err_re(R"(#\s*expect error\[(E\d{4})\] line (\d+)(?::(\d+))?)");
  static const std::regex ir_re(R"(#\s*expect ir: (.*)$)");
  static const std::regex out_re(R"(#\s*expect: (.*)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, err_re))
      errors.push_back({m[1], std::stoi(m[2]), m[3].matched ? std::stoi(m[3]) : 0});
    else if (std::regex_search(line, m, ir_re))
      ir_expect.push_back(m[1]);
    else if (std::regex_search(line, m, out_re))
      out_expect.push_back(m[1]);
  }
  auto c = driver::compile_file(path, {}, false);
  std::string rendered = frontend::render_all(c->diags, c->sources);
  for (const auto& d : c->diags.list()) {
    if (d.severity != frontend::Severity::Error) continue;
    bool matched = false;
    for (auto& e : errors)
      if (!e.seen && e.code == frontend::code_id(d.code) && (int)d.range.line == e.line &&
          (e.col == 0 || (int)d.range.col + 1 == e.col)) {
        e.seen = matched = true;
        break;
      }
    if (!matched)
      fail(fmt::format("unexpected error[{}] at line {}:{}: {}", frontend::code_id(d.code),
                       d.range.line, d.range.col + 1, d.message));
  }
  for (const auto& e : errors)
    if (!e.seen) fail(fmt::format("expected error[{}] at line {} did not appear", e.code, e.line));
  if (!res.ok) {
    res.failure += rendered;
    return res;
  }
  if (!errors.empty()) return res;
  if (!c->module) {
    fail("did not compile:\n" + rendered);
    return res;
  }
  if (!ir_expect.empty()) {
    std::istringstream ir(ir::print(*c->module));
    std::vector<std::string> ir_lines;
    for (std::string l; std::getline(ir, l);) ir_lines.push_back(l);
    size_t at = 0;
    for (const auto& want : ir_expect) {
      while (at < ir_lines.size() && ir_lines[at].find(want) == std::string::npos) ++at;
      if (at == ir_lines.size())
        fail("IR has no line containing `" + want + "` (in order)");
      else
        ++at;
    }
    if (!res.ok) res.failure += ir::print(*c->module);
  }
  if (!out_expect.empty()) {
    std::string diags;
    auto lines = run_lines(path, diags);
    size_t at = 0;
    for (const auto& want : out_expect) {
      while (at < lines.size() && lines[at] != want) ++at;
      if (at == lines.size())
        fail("output has no line `" + want + "` (in order)");
      else
        ++at;
    }
    if (!res.ok)
      for (size_t k = 0; k < lines.size() && k < 60; ++k) res.failure += "  | " + lines[k] + "\n";
  }
  return res;
}

}  // namespace neuro::testing
