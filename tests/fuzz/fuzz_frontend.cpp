// libFuzzer target: model text through the whole front end — load, check,
// lower with every pass, print the IR and the step IR. Any input must end
// in diagnostics or a module, never a crash, a hang or an internal error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/driver.h"
#include "ir/pipeline.h"
#include "ir/print_step.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = neuro::driver::load_text("fuzz.neuro", text);
  if (!c->ok()) return 0;
  auto module = neuro::driver::lower(c->checked, {}, c->diags);
  if (module) {
    (void)neuro::ir::print(*module);
    (void)neuro::ir::print_step(*module);
  }
  return 0;
}
