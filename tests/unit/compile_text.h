// Compiling model text held in a test (through a unique temporary file).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "driver/driver.h"
#include "ir/ir.h"

namespace neuro::testing {

// The lowered module of `text`; fails the test (showing the diagnostics)
// when the text has errors.
inline std::shared_ptr<ir::Module> compile_text(const std::string& text) {
  static std::atomic<int> counter{0};
  auto path = std::filesystem::temp_directory_path() / ("neuro_test_" + std::to_string(::getpid()) +
                                                        "_" + std::to_string(counter++) + ".neuro");
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  auto c = driver::compile_file(path.string(), {}, false);
  std::string rendered = frontend::render_all(c->diags, c->sources);
  std::filesystem::remove(path);
  INFO("model:\n" << text << "\ndiagnostics:\n" << rendered);
  REQUIRE_FALSE(c->diags.has_errors());
  REQUIRE(c->module);
  return c->module;
}

}  // namespace neuro::testing
