#include "tests/unit/golden_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "driver/driver.h"
#include "frontend/units.h"
#include "interpreter/build_simulation.h"
#include "ir/ir.h"
#include "neuro/simulation.h"
#include "tests/unit/fingerprint.h"

namespace neuro::testing {

namespace fs = std::filesystem;

std::vector<std::string> neuro_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".neuro") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

template <class V>
std::string bytes_of(const V& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
}

// The expectations of one file, as its comments state them.
struct Expectations {
  std::vector<std::string> spikes, others;  // `# expect:` lines: spike lines, the rest
  bool spikes_exactly = false;
  struct Within {
    std::string name;  // `final P.x[0]`
    double value, rel;
    std::string unit;  // "" when dimensionless
  };
  std::vector<Within> within;
};

bool is_spike_line(const std::string& l) {
  return l.rfind("spikes ", 0) == 0 || l.rfind("spike ", 0) == 0;
}

// `want` appears in `lines` in order; the first one missing, if any.
std::optional<std::string> first_missing(const std::vector<std::string>& want,
                                         const std::vector<std::string>& lines) {
  size_t at = 0;
  for (const auto& w : want) {
    while (at < lines.size() && lines[at] != w) ++at;
    if (at == lines.size()) return w;
    ++at;
  }
  return std::nullopt;
}

// Checks one backend's run against the file's expectations; appends what
// fails to `why`.
void check_run(const GoldenRun& run, const Expectations& ex, const char* backend,
               std::string& why) {
  auto fail = [&](const std::string& what) { why += fmt::format("[{}] {}\n", backend, what); };
  const size_t failures = why.size();
  if (ex.spikes_exactly) {
    const auto& got = run.spike_lines;
    for (size_t k = 0; k < std::max(got.size(), ex.spikes.size()); ++k) {
      if (k < got.size() && k < ex.spikes.size() && got[k] == ex.spikes[k]) continue;
      fail(fmt::format("spike line {}: expected `{}`, the run has `{}` (spikes exactly)", k + 1,
                       k < ex.spikes.size() ? ex.spikes[k] : "(nothing more)",
                       k < got.size() ? got[k] : "(nothing more)"));
      break;
    }
  } else if (auto miss = first_missing(ex.spikes, run.spike_lines)) {
    fail("output has no line `" + *miss + "` (in order)");
  }
  if (auto miss = first_missing(ex.others, run.final_lines))
    fail("output has no line `" + *miss + "` (in order)");
  for (const auto& w : ex.within) {
    auto it = std::find_if(run.finals.begin(), run.finals.end(),
                           [&](const GoldenRun::Final& f) { return f.name == w.name; });
    if (it == run.finals.end()) {
      fail("output has no `" + w.name + "`");
      continue;
    }
    if (it->unit != w.unit)
      fail(fmt::format("{} is printed in `{}`, the file expects `{}`", w.name, it->unit, w.unit));
    else if (!(std::abs(it->value - w.value) <= w.rel * std::abs(w.value)))
      fail(fmt::format("{} = {:.17g}, expected {:.17g} within {:g} (relative error {:.3g})", w.name,
                       it->value, w.value, w.rel,
                       std::abs(it->value - w.value) / std::abs(w.value)));
  }
  if (why.size() != failures) {
    size_t shown = 0;
    for (const auto* lines : {&run.spike_lines, &run.final_lines})
      for (size_t k = 0; k < lines->size() && shown < 60; ++k, ++shown)
        why += "  | " + (*lines)[k] + "\n";
  }
}

}  // namespace

GoldenRun run_on(const std::string& path, Backend backend) {
  GoldenRun out;
  auto c = driver::compile_file(path, {}, false);
  if (c->diags.has_errors() || !c->module) {
    out.diagnostics = frontend::render_all(c->diags, c->sources);
    return out;
  }
  if (c->module->run.circuit.empty()) return out;
  out.ran = true;
  try {
    out.sim = build_simulation(c->module);
    const uint64_t steps = out.sim->steps_for(c->module->run.duration);
    if (backend != Backend::Vm) out.report = use_backend(*out.sim, backend, steps);
    out.sim->run(steps);
  } catch (const SimulationError& e) {
    out.diagnostics = driver::render_error(e, *c);
    out.error = e.what();
    out.final_lines.push_back("error: " + out.error);
    out.bits.push_back({"error", out.error});
    return out;
  }
  Simulation& sim = *out.sim;
  out.bits.push_back({"steps", std::to_string(sim.step_index())});
  for (const auto& r : sim.spike_recordings()) {
    out.spike_lines.push_back(fmt::format("spikes {} = {}", r.population, r.ids.size()));
    for (size_t k = 0; k < r.ids.size(); ++k)
      out.spike_lines.push_back(
          fmt::format("spike {}[{}] t = {:.6g} ms", r.population, r.ids[k], r.times[k] * 1e3));
    out.bits.push_back({"spike ids of " + r.population, bytes_of(r.ids)});
    out.bits.push_back({"spike times of " + r.population, bytes_of(r.times)});
  }
  for (const auto& r : sim.state_recordings()) {
    const std::string var = r.population + "." + r.variable;
    out.bits.push_back({"sample times of " + var, bytes_of(r.times)});
    out.bits.push_back({"samples of " + var, bytes_of(r.values)});
    if (r.times.empty()) continue;
    size_t last = r.times.size() - 1, n = r.ids.size();
    const std::string unit = r.unit == "1" ? "" : r.unit;
    for (size_t k = 0; k < n; ++k) {
      const double value = r.values[last * n + k] / r.unit_scale;
      const std::string name = fmt::format("final {}[{}]", var, r.ids[k]);
      out.final_lines.push_back(
          fmt::format("{} = {:.6g}{}", name, value, unit.empty() ? "" : " " + unit));
      out.finals.push_back({name, value, unit});
    }
  }
  return out;
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
  std::vector<std::string> ir_expect;
  Expectations ex;
  static const std::regex err_re(R"(#\s*expect error\[(E\d{4})\] line (\d+)(?::(\d+))?)");
  static const std::regex ir_re(R"(#\s*expect ir: (.*)$)");
  static const std::regex out_re(R"(#\s*expect: (.*)$)");
  static const std::regex exactly_re(R"(#\s*expect spikes exactly\s*$)");
  static const std::regex within_re(
      R"(#\s*expect within (\S+): (final \S+) = (\S+)(?: (\S+))?\s*$)");
  static const std::regex unknown_re(R"(#\s*expect\b)");  // a misspelt one must not pass silently
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, err_re))
      errors.push_back({m[1], std::stoi(m[2]), m[3].matched ? std::stoi(m[3]) : 0});
    else if (std::regex_search(line, m, ir_re))
      ir_expect.push_back(m[1]);
    else if (std::regex_search(line, m, out_re))
      (is_spike_line(m[1]) ? ex.spikes : ex.others).push_back(m[1]);
    else if (std::regex_search(line, m, exactly_re))
      ex.spikes_exactly = true;
    else if (std::regex_search(line, m, within_re))
      ex.within.push_back({m[2], std::stod(m[3]), std::stod(m[1]), m[4]});
    else if (std::regex_search(line, unknown_re))
      fail("an `expect` line the runner does not understand: " + line);
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
  // Both backends, checked alike, and then against each other.
  GoldenRun vm = run_on(path, Backend::Vm);
  GoldenRun jit = run_on(path, Backend::Jit);
  const bool expects_run = !ex.spikes.empty() || !ex.others.empty() || !ex.within.empty();
  if (expects_run && !vm.ran) {
    fail("the file expects output but has no `run`");
    return res;
  }
  if (!vm.ran) return res;
  std::string why;
  check_run(vm, ex, "vm", why);
  check_run(jit, ex, "jit", why);
  if (!jit.report.notice.empty() && jit.report.notice.find("covers no part") == std::string::npos)
    why += "[jit] " + jit.report.notice + "\n";
  res.jit = jit.report.jit;
  auto compare = [&](const Fingerprint& a, const Fingerprint& b, const std::string& when) {
    std::string d = differences(a, b);
    if (!d.empty()) why += "the backends differ " + when + " in:\n" + d;
  };
  compare(vm.bits, jit.bits, "at the end of the run");
  if (vm.sim && jit.sim) {
    compare(fingerprint(*vm.sim), fingerprint(*jit.sim), "at the end of the run");
    // On to 1 s, where a slow divergence shows.
    const uint64_t to = vm.sim->steps_for(1.0);
    if (vm.error.empty() && jit.error.empty() && vm.sim->step_index() < to) {
      std::string vm_error, jit_error;
      for (auto [run, error] : {std::pair{&vm, &vm_error}, std::pair{&jit, &jit_error}}) {
        try {
          run->sim->run(to - run->sim->step_index());
        } catch (const SimulationError& e) {
          *error = e.what();
        }
      }
      if (vm_error != jit_error)
        why += fmt::format("after 1 s the vm says `{}`, the jit `{}`\n", vm_error, jit_error);
      compare(fingerprint(*vm.sim), fingerprint(*jit.sim), "after 1 s");
    }
  }
  if (!why.empty()) fail("\n" + why + vm.diagnostics + jit.diagnostics);
  return res;
}

}  // namespace neuro::testing
