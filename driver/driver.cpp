#include "driver/driver.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cmath>

#include "frontend/units.h"
#include "stdlib/stdlib.h"

namespace neuro::driver {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

frontend::Diagnostic diagnostic_of(const SimulationError& e) {
  frontend::Diagnostic d;
  d.code = frontend::Code::BadValue;
  d.range = {e.file, e.line, e.column, e.end_line, e.end_column};
  d.message = e.what();
  return d;
}

std::string render_error(const SimulationError& e, const Compiled& c, bool color) {
  frontend::Diagnostics ds;
  const frontend::Diagnostic d = diagnostic_of(e);
  ds.error(d.code, d.range, d.message);
  return frontend::render_all(ds, c.sources, color);
}

std::optional<double> parse_duration(std::string_view text) {
  const auto blank = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  const std::string t(text);
  // A decimal number only: std::stod would also take inf, nan and 0x10.
  size_t pos = 0, digits = 0;
  if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) ++pos;
  while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) ++pos, ++digits;
  if (pos < t.size() && t[pos] == '.') ++pos;
  while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) ++pos, ++digits;
  if (digits == 0) return std::nullopt;
  if (pos < t.size() && (t[pos] == 'e' || t[pos] == 'E')) {
    size_t e = pos + 1;
    if (e < t.size() && (t[e] == '+' || t[e] == '-')) ++e;
    if (e < t.size() && std::isdigit(static_cast<unsigned char>(t[e]))) {
      while (e < t.size() && std::isdigit(static_cast<unsigned char>(t[e]))) ++e;
      pos = e;
    }
  }
  double v;
  try {
    v = std::stod(t.substr(0, pos));
  } catch (...) {
    return std::nullopt;  // out of range: 1e309
  }
  std::string_view unit = std::string_view(t).substr(pos);
  while (!unit.empty() && blank(unit.front())) unit.remove_prefix(1);
  if (unit.empty()) return v;
  auto u = frontend::lookup_unit(unit);
  if (!u || u->dim != frontend::dim::time()) return std::nullopt;
  return v * u->scale;
}

std::string dt_problem(double dt) {
  if (!std::isfinite(dt)) return "dt is not a finite time";
  if (!(dt > 0)) return "dt must be positive";
  if (dt > 1.0) return fmt::format("dt = {} s is longer than 1 s", dt);
  return {};
}

std::string duration_problem(double seconds, double dt) {
  if (!std::isfinite(seconds)) return "the duration is not a finite time";
  if (seconds < 0) return "the duration is negative";
  if (dt > 0 && seconds / dt > static_cast<double>(kMaxSteps))
    return fmt::format("{} s at dt = {} s would take more than 10^12 steps", seconds, dt);
  return {};
}

std::string steps_problem(uint64_t done, uint64_t more) {
  if (done > kMaxSteps || more > kMaxSteps - done)
    return fmt::format("{} more steps after {} would take the simulation past 10^12 steps", more,
                       done);
  return {};
}

Resolver stdlib_resolver() {
  return [](const std::string& name) { return stdlib::find(name); };
}

Resolver with_stdlib(Resolver host) {
  if (!host) return stdlib_resolver();
  return [host = std::move(host)](const std::string& name) -> std::optional<std::string> {
    if (auto text = host(name)) return text;
    return stdlib::find(name);
  };
}

std::optional<frontend::LoadedProgram> load_file_into(frontend::SourceManager& sources,
                                                      frontend::Diagnostics& diags,
                                                      const std::string& path,
                                                      const Resolver& resolver) {
  return frontend::Loader(sources, diags, resolver).load_file(path);
}

std::optional<frontend::LoadedProgram> load_text_into(frontend::SourceManager& sources,
                                                      frontend::Diagnostics& diags,
                                                      const std::string& name,
                                                      const std::string& text,
                                                      const Resolver& resolver) {
  return frontend::Loader(sources, diags, resolver).load_text(name, text);
}

bool check(const frontend::LoadedProgram& program, frontend::Diagnostics& diags,
           frontend::CheckedProgram& out, const frontend::ConstValues& constants) {
  return frontend::check_program(program, diags, out, constants);
}

namespace {
// Parses with `parse` into a fresh Compiled, sets `constants`, then checks.
template <typename Parse>
std::unique_ptr<Compiled> load(Parse parse, const ConstOverrides& constants) {
  auto c = std::make_unique<Compiled>();
  auto t0 = std::chrono::steady_clock::now();
  c->loaded = parse(c->sources, c->diags);
  if (!c->loaded || c->diags.has_errors()) return c;
  const frontend::ConstValues values =
      frontend::prepare_overrides(constants, *c->loaded, c->sources, c->diags);
  if (c->diags.has_errors()) return c;
  if (!check(*c->loaded, c->diags, c->checked, values)) return c;
  c->parse_seconds = since(t0);
  return c;
}
}  // namespace

std::unique_ptr<Compiled> load_file(const std::string& path, const Resolver& resolver,
                                    const ConstOverrides& constants) {
  return load([&](frontend::SourceManager& sm,
                  frontend::Diagnostics& d) { return load_file_into(sm, d, path, resolver); },
              constants);
}

std::unique_ptr<Compiled> load_text(const std::string& name, const std::string& text,
                                    const Resolver& resolver, const ConstOverrides& constants) {
  return load([&](frontend::SourceManager& sm,
                  frontend::Diagnostics& d) { return load_text_into(sm, d, name, text, resolver); },
              constants);
}

std::shared_ptr<ir::Module> lower(const frontend::CheckedProgram& program,
                                  const ir::PipelineOptions& options,
                                  frontend::Diagnostics& diags) {
  auto mod = ir::build_module(program, options, diags);
  if (!mod) return nullptr;
  return std::make_shared<ir::Module>(std::move(*mod));
}

std::unique_ptr<Compiled> compile_file(const std::string& path, const ir::PipelineOptions& options,
                                       bool check_only, const ConstOverrides& constants) {
  auto c = load_file(path, stdlib_resolver(), constants);
  if (!c->ok() || check_only) return c;
  auto t1 = std::chrono::steady_clock::now();
  c->module = lower(c->checked, options, c->diags);
  c->lower_seconds = since(t1);
  return c;
}

}  // namespace neuro::driver
