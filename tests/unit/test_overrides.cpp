// `--set NAME=VALUE`: constants given a value from outside the model text,
// through the driver (as the API uses it) and the command line.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "driver/driver.h"
#include "neuro/engine.h"
#include "tests/unit/shell.h"

namespace {

using namespace neuro;

// Sizes follow constants: P has n neurons, Q has K = 2·n (a circuit
// constant computed from a file-level one).
const char* kSized = R"(
const n = 4
const rate = 5 Hz
const v0 = -70 mV
const big = true

circuit Net {
  const K = 2 * n
  P = spike_generator[n] { times = [1 ms] }
  Q = spike_generator[K] { times = [1 ms] }
  B = poisson[1] { rate = rate }
  record spikes of P
}

run Net for 10 ms
)";

std::unique_ptr<driver::Compiled> load_with(const driver::ConstOverrides& constants,
                                            const char* text = kSized) {
  return driver::load_text("sized.neuro", text, driver::stdlib_resolver(), constants);
}

// Population sizes by name, after lowering.
std::map<std::string, size_t> sizes_of(driver::Compiled& c) {
  frontend::Diagnostics d;
  auto mod = driver::lower(c.checked, {}, d);
  REQUIRE(mod);
  std::map<std::string, size_t> out;
  for (const auto& p : mod->pops) out[p.name] = p.size;
  return out;
}

double const_value(const driver::Compiled& c, const std::string& name) {
  for (const auto& [m, v] : c.checked.const_values)
    if (m->name == name) return v;
  FAIL("no constant " << name);
  return 0;
}

// The one error of `c`: its code and message, and the hint.
const frontend::Diagnostic& only_error(const driver::Compiled& c) {
  REQUIRE(c.diags.error_count() == 1);
  return c.diags.list().front();
}

std::string rendered_diags(const driver::Compiled& c) {
  return frontend::render_all(c.diags, c.sources);
}

}  // namespace

TEST_CASE("set: a constant sets a population size and what is computed from it follows") {
  auto c = load_with({{"n", "3"}});
  REQUIRE_MESSAGE(c->ok(), rendered_diags(*c));
  auto sizes = sizes_of(*c);
  CHECK(sizes["P"] == 3);
  CHECK(sizes["Q"] == 6);  // K = 2 * n
  // Without the override, the file's values.
  auto plain = load_with({});
  REQUIRE(plain->ok());
  CHECK(sizes_of(*plain)["P"] == 4);
  CHECK(sizes_of(*plain)["Q"] == 8);
}

TEST_CASE("set: a derived constant's expression is replaced") {
  auto c = load_with({{"K", "5"}});
  REQUIRE_MESSAGE(c->ok(), rendered_diags(*c));
  auto sizes = sizes_of(*c);
  CHECK(sizes["P"] == 4);
  CHECK(sizes["Q"] == 5);
}

TEST_CASE("set: values are read like the language's literals") {
  struct Case {
    const char* name;
    const char* value;
    double si;
  };
  for (const Case& k :
       {Case{"rate", "8Hz", 8.0}, Case{"rate", "8 Hz", 8.0}, Case{"rate", "0.008 kHz", 8.0},
        Case{"rate", " 12 Hz ", 12.0}, Case{"v0", "-65mV", -0.065}, Case{"v0", "+1 V", 1.0},
        Case{"n", "1e1", 10.0}, Case{"big", "false", 0.0}}) {
    CAPTURE(k.name);
    CAPTURE(k.value);
    auto c = load_with({{k.name, k.value}});
    REQUIRE_MESSAGE(c->ok(), rendered_diags(*c));
    CHECK(const_value(*c, k.name) == doctest::Approx(k.si).epsilon(1e-15));
  }
}

TEST_CASE("set: a value of the wrong dimension names both dimensions") {
  auto c = load_with({{"rate", "8 mV"}});
  const auto& d = only_error(*c);
  CHECK(d.code == frontend::Code::UnitMismatch);
  CHECK(d.message == "`rate` is a frequency (Hz), `8 mV` is a voltage (mV)");
  CHECK(d.hint == "give it in Hz");
  // It points at the value as typed, and notes the declaration.
  const std::string r = rendered_diags(*c);
  CHECK(r.find("--set:1:6: error[E0200]") != std::string::npos);
  CHECK(r.find(" 1 | rate=8 mV\n") != std::string::npos);
  CHECK(r.find("sized.neuro:3:7: note: `rate` is declared here") != std::string::npos);

  auto bare = load_with({{"v0", "-65"}});
  CHECK(only_error(*bare).message == "`v0` is a voltage (mV), `-65` is a plain number");
  auto unitful = load_with({{"n", "3 ms"}});
  CHECK(only_error(*unitful).message == "`n` is a plain number, `3 ms` is a time (ms)");
  CHECK(only_error(*unitful).hint == "give a number without a unit");
  auto unknown_unit = load_with({{"rate", "8 Hertz"}});
  CHECK(only_error(*unknown_unit).code == frontend::Code::UnknownUnit);
  auto cond = load_with({{"big", "1"}});
  CHECK(only_error(*cond).code == frontend::Code::TypeMismatch);
  auto number = load_with({{"n", "true"}});
  CHECK(only_error(*number).code == frontend::Code::TypeMismatch);
}

TEST_CASE("set: an unknown name suggests a near one or lists the names") {
  auto near = load_with({{"rat", "8Hz"}});
  CHECK(only_error(*near).code == frontend::Code::UnknownName);
  CHECK(only_error(*near).message == "there is no constant `rat` to set");
  CHECK(only_error(*near).hint == "did you mean `rate`?");
  auto far = load_with({{"bg_rate_hz", "8Hz"}});
  CHECK(only_error(*far).hint == "constants that can be set: K, big, n, rate, v0");
  // A population is no constant.
  CHECK(only_error(*load_with({{"P", "3"}})).code == frontend::Code::UnknownName);
}

TEST_CASE("set: a value that is not a number with a unit, or a name set twice") {
  for (const char* bad : {"abc", "2 * 3", "", "3 mV ms", "8Hz,", "n"}) {
    CAPTURE(bad);
    auto c = load_with({{"n", bad}});
    CHECK(only_error(*c).code == frontend::Code::BadArgument);
    CHECK(only_error(*c).message == "the value of `n` must be a number with an optional unit");
  }
  auto twice = load_with({{"n", "3"}, {"n", "5"}});
  const auto& d = only_error(*twice);
  CHECK(d.code == frontend::Code::BadArgument);
  CHECK(d.message == "`n` is set twice");
  REQUIRE(d.notes.size() == 1);
  CHECK(d.notes[0].message == "first set here");
}

TEST_CASE("set: the circuit that runs hides a file-level constant of the same name") {
  const char* text = R"(
const n = 2
circuit Other { const m = 1
  X = spike_generator[m] { times = [1 ms] } }
circuit Net {
  const n = 3
  P = spike_generator[n] { times = [1 ms] }
}
run Net for 1 ms
)";
  auto c = load_with({{"n", "5"}}, text);
  REQUIRE_MESSAGE(c->ok(), rendered_diags(*c));
  CHECK(sizes_of(*c)["P"] == 5);
  // A constant of a circuit that does not run cannot be set.
  auto other = load_with({{"m", "5"}}, text);
  CHECK(only_error(*other).hint ==
        "`m` is a constant of circuit `Other`, which is not the one that runs");
}

namespace {

std::filesystem::path write_sized_model() {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("neuro_set_{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "sized.neuro") << kSized;
  return dir;
}

testing::ShellResult set_cli(const std::string& args) {
  return testing::run_shell(fmt::format("{} {}", NEURO_BINARY, args));
}

}  // namespace

TEST_CASE("set: on the command line of run, check and ir") {
  const auto dir = write_sized_model();
  const std::string file = (dir / "sized.neuro").string();
  const std::string out = " --out " + (dir / "out").string();
  // P has n neurons that each fire once, at 1 ms.
  auto r = set_cli("run " + file + " --backend vm --json --set n=3" + out);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("\"P\":{\"size\":3,\"spikes\":3,") != std::string::npos);
  CHECK(r.out.find("\"Q\":{\"size\":6,\"spikes\":6,") != std::string::npos);

  CHECK(set_cli("check " + file + " --set n=3").status == 0);
  auto bad = set_cli("check " + file + " --set rate=8mV");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("--set:1:6: error[E0200]: `rate` is a frequency (Hz), `8mV` is a voltage") !=
        std::string::npos);
  auto ir = set_cli("ir " + file + " --set K=7");
  REQUIRE(ir.status == 0);
  CHECK(ir.out.find("population Q = spike_generator[7]") != std::string::npos);

  // With --json a problem is a diagnostic in the JSON report.
  auto unknown = set_cli("run " + file + " --json --set rat=8Hz" + out);
  CHECK(unknown.status == 1);
  CHECK(unknown.out.find("\"code\":\"E0100\"") != std::string::npos);
  CHECK(unknown.out.find("\"file\":\"--set\"") != std::string::npos);
  // Without `=` it is bad usage.
  auto usage = set_cli("run " + file + " --set n");
  CHECK(usage.status == 2);
  CHECK(usage.err.find("--set needs NAME=VALUE") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("set: the embedding API takes the same overrides") {
  neuro::Engine engine;
  const char* text = R"(
import stdlib.neurons
const n = 4
circuit One { P = LIF[n] }
run One for 1 ms
)";
  REQUIRE(engine.load_text(text, "one.neuro", {{"n", "7"}}) == neuro::Status::Ok);
  REQUIRE(engine.build() == neuro::Status::Ok);
  std::vector<double> v;
  REQUIRE(engine.get("P.v", "mV", v) == neuro::Status::Ok);
  CHECK(v.size() == 7);
  CHECK(engine.load_text(text, "one.neuro", {{"n", "7 mV"}}) == neuro::Status::CompileError);
  REQUIRE(engine.diagnostics().size() == 1);
  CHECK(engine.diagnostics()[0].code == "E0200");
  CHECK(engine.diagnostics()[0].file == "--set");
}
