#include "driver/driver.h"

#include <chrono>

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
  size_t pos = 0;
  double v;
  try {
    v = std::stod(t, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string_view unit = std::string_view(t).substr(pos);
  while (!unit.empty() && blank(unit.front())) unit.remove_prefix(1);
  if (unit.empty()) return v;
  auto u = frontend::lookup_unit(unit);
  if (!u || u->dim != frontend::dim::time()) return std::nullopt;
  return v * u->scale;
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
           frontend::CheckedProgram& out) {
  return frontend::check_program(program, diags, out);
}

namespace {
// Parses with `parse` into a fresh Compiled, then checks.
template <typename Parse>
std::unique_ptr<Compiled> load(Parse parse) {
  auto c = std::make_unique<Compiled>();
  auto t0 = std::chrono::steady_clock::now();
  c->loaded = parse(c->sources, c->diags);
  if (!c->loaded || c->diags.has_errors()) return c;
  if (!check(*c->loaded, c->diags, c->checked)) return c;
  c->parse_seconds = since(t0);
  return c;
}
}  // namespace

std::unique_ptr<Compiled> load_file(const std::string& path, const Resolver& resolver) {
  return load([&](frontend::SourceManager& sm, frontend::Diagnostics& d) {
    return load_file_into(sm, d, path, resolver);
  });
}

std::unique_ptr<Compiled> load_text(const std::string& name, const std::string& text,
                                    const Resolver& resolver) {
  return load([&](frontend::SourceManager& sm, frontend::Diagnostics& d) {
    return load_text_into(sm, d, name, text, resolver);
  });
}

std::shared_ptr<ir::Module> lower(const frontend::CheckedProgram& program,
                                  const ir::PipelineOptions& options,
                                  frontend::Diagnostics& diags) {
  auto mod = ir::build_module(program, options, diags);
  if (!mod) return nullptr;
  return std::make_shared<ir::Module>(std::move(*mod));
}

std::unique_ptr<Compiled> compile_file(const std::string& path, const ir::PipelineOptions& options,
                                       bool check_only) {
  auto c = load_file(path);
  if (!c->ok() || check_only) return c;
  auto t1 = std::chrono::steady_clock::now();
  c->module = lower(c->checked, options, c->diags);
  c->lower_seconds = since(t1);
  return c;
}

}  // namespace neuro::driver
