#include "driver/driver.h"

#include <chrono>

#include "stdlib/stdlib.h"

namespace neuro::driver {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::string render_error(const SimulationError& e, const Compiled& c, bool color) {
  frontend::Diagnostic d;
  d.code = frontend::Code::BadValue;
  d.range = {e.file, e.line, e.column, e.end_line, e.end_column};
  d.message = e.what();
  frontend::Diagnostics ds;
  ds.error(d.code, d.range, d.message);
  return frontend::render_all(ds, c.sources, color);
}

std::unique_ptr<Compiled> compile_file(const std::string& path, const ir::PipelineOptions& options,
                                       bool check_only) {
  auto c = std::make_unique<Compiled>();
  auto t0 = std::chrono::steady_clock::now();
  frontend::Loader loader(c->sources, c->diags,
                          [](const std::string& name) { return stdlib::find(name); });
  c->loaded = loader.load_file(path);
  if (!c->loaded || c->diags.has_errors()) return c;
  if (!frontend::check_program(*c->loaded, c->diags, c->checked)) return c;
  c->parse_seconds = since(t0);
  if (check_only) return c;
  auto t1 = std::chrono::steady_clock::now();
  auto mod = ir::build_module(c->checked, options, c->diags);
  c->lower_seconds = since(t1);
  if (mod) c->module = std::make_shared<ir::Module>(std::move(*mod));
  return c;
}

}  // namespace neuro::driver
