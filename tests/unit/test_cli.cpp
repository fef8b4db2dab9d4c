// The command-line contract that scripts and later tools rely on.
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <sys/wait.h>
#include "tests/unit/shell.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

using neuro::testing::slurp;
using Result = neuro::testing::ShellResult;

// With a JIT cache of its own that stays empty: `--backend auto` (the
// default) takes the JIT for a short run when the code is already cached,
// so the user's cache would otherwise decide which backend these tests see.
Result run_neuro(const std::string& args) {
  const auto cache =
      std::filesystem::temp_directory_path() / fmt::format("neuro_cli_cache_{}", ::getpid());
  return neuro::testing::run_shell(
      fmt::format("XDG_CACHE_HOME={} {} {}", cache.string(), NEURO_BINARY, args));
}

std::filesystem::path temp_dir(const char* name) {
  auto d =
      std::filesystem::temp_directory_path() / fmt::format("neuro_cli_{}_{}", name, ::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

const std::string kExamples = std::string(NEURO_SOURCE_DIR) + "/examples/";

}  // namespace

TEST_CASE("cli: --help and --version") {
  auto h = run_neuro("--help");
  CHECK(h.status == 0);
  CHECK(h.out.find("neuro run FILE") != std::string::npos);
  auto v = run_neuro("--version");
  CHECK(v.status == 0);
  CHECK(std::regex_match(v.out, std::regex("neuro \\d+\\.\\d+\\.\\d+\n")));
}

TEST_CASE("cli: bad usage exits 2 with a message") {
  CHECK(run_neuro("repl extra").status == 2);  // (no arguments at all starts the REPL)
  CHECK(run_neuro("frobnicate x").status == 2);
  auto r = run_neuro("run " + kExamples + "cuba.neuro --duration banana");
  CHECK(r.status == 2);
  CHECK(r.err.find("--duration") != std::string::npos);
  CHECK(run_neuro("run " + kExamples + "cuba.neuro --seed -3").status == 2);
}

TEST_CASE("cli: run --json prints exactly one JSON object and writes the spikes") {
  auto dir = temp_dir("json");
  auto r = run_neuro("run " + kExamples + "cuba.neuro --json --duration 100ms --seed 3 --out " +
                     dir.string());
  REQUIRE(r.status == 0);
  // One object, one line, nothing else on stdout.
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  CHECK(r.out.front() == '{');
  CHECK(r.out.substr(r.out.size() - 2) == "}\n");
  for (const char* key : {"\"backend\":\"vm\"", "\"sim_time_s\":0.1,", "\"dt_ms\":0.1,",
                          "\"seed\":3,", "\"populations\":{\"P\":{\"size\":4000,", "\"synapses\":",
                          "\"wall_s\":{\"parse\":", "\"build\":", "\"run\":", "\"peak_rss_mb\":"})
    CHECK_MESSAGE(r.out.find(key) != std::string::npos, key);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("\"spikes\":(\\d+)")));
  long spikes = std::stol(m[1]);
  CHECK(spikes > 0);
  std::string csv = slurp(dir / "P_spikes.csv");
  CHECK(csv.rfind("id,t_ms\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == spikes + 1);
  // Spike times lie in (0, 100] ms and are whole steps of 0.1 ms.
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    double t = std::stod(line.substr(line.find(',') + 1));
    CHECK(t > 0);
    CHECK(t <= 100.0 + 1e-9);
    CHECK(std::fabs(t * 10 - std::round(t * 10)) < 1e-6);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: the same seed gives the same spikes, another seed others") {
  auto a = temp_dir("seed_a"), b = temp_dir("seed_b"), c = temp_dir("seed_c");
  REQUIRE(run_neuro("run " + kExamples + "cuba.neuro --duration 50ms --seed 7 --out " + a.string())
              .status == 0);
  REQUIRE(run_neuro("run " + kExamples + "cuba.neuro --duration 50ms --seed 7 --out " + b.string())
              .status == 0);
  REQUIRE(run_neuro("run " + kExamples + "cuba.neuro --duration 50ms --seed 8 --out " + c.string())
              .status == 0);
  CHECK(slurp(a / "P_spikes.csv") == slurp(b / "P_spikes.csv"));
  CHECK(slurp(a / "P_spikes.csv") != slurp(c / "P_spikes.csv"));
  for (auto& d : {a, b, c}) std::filesystem::remove_all(d);
}

TEST_CASE("cli: check and ir") {
  auto ok = run_neuro("check " + kExamples + "cuba.neuro");
  CHECK(ok.status == 0);
  CHECK(ok.err.empty());
  auto ir = run_neuro("ir " + kExamples + "cuba.neuro");
  CHECK(ir.status == 0);
  CHECK(ir.out.find("solver exact") != std::string::npos);
  CHECK(ir.out.find("(native scatter-add)") != std::string::npos);
  // Stable text: twice the same.
  CHECK(run_neuro("ir " + kExamples + "cuba.neuro").out == ir.out);
}

// `neuro ir --dump-after PASS` shows the module after one pass (or, with
// `all`, after each in pipeline order), each under a header line.
TEST_CASE("cli: ir --dump-after") {
  const std::string file = kExamples + "cuba.neuro";
  auto one = run_neuro("ir " + file + " --dump-after fold_constants");
  CHECK(one.status == 0);
  CHECK(one.out.rfind("=== after fold_constants ===\n", 0) == 0);
  CHECK(one.out.find("population P") != std::string::npos);
  CHECK(one.out.find("=== after", 1) == std::string::npos);  // that pass only

  auto all = run_neuro("ir " + file + " --dump-after all");
  CHECK(all.status == 0);
  std::vector<std::string> headers;
  std::istringstream lines(all.out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("=== after ", 0) == 0) headers.push_back(line);
  const std::vector<std::string> expected = {"=== after lower ===",
                                             "=== after limit_expression_size ===",
                                             "=== after fold_constants ===",
                                             "=== after reject_zero_divisors ===",
                                             "=== after check_poisson_rates ===",
                                             "=== after choose_solver ===",
                                             "=== after place_traces ===",
                                             "=== after guard_held_writes ===",
                                             "=== after lower_handlers ===",
                                             "=== after mark_sequential ===",
                                             "=== after recognise_threshold ===",
                                             "=== after lower_step ===",
                                             "=== after drop_zero_terms ===",
                                             "=== after fuse_threshold ===",
                                             "=== after lower_events ===",
                                             "=== after mark_independent ==="};
  CHECK(headers == expected);
  // After the last pass the module is the one `neuro ir` prints.
  auto plain = run_neuro("ir " + file);
  const std::string last = "=== after mark_independent ===\n";
  CHECK(all.out.substr(all.out.find(last) + last.size()) == plain.out);

  // --stage step: the loop-level step both backends run (CUBA's v is held
  // while refractory, its threshold tested in the update loop).
  auto step = run_neuro("ir " + file + " --stage step");
  CHECK(step.status == 0);
  CHECK(step.out.find("new.v = if refractory then x.v else y.v") != std::string::npos);
  CHECK(step.out.find("spike if v[i] > -50 mV and not refractory") != std::string::npos);
  auto before = run_neuro("ir " + file + " --stage step --dump-after recognise_threshold");
  CHECK(before.status == 0);
  CHECK(before.out.find("for neuron i") == std::string::npos);  // not lowered yet
  CHECK(run_neuro("ir " + file + " --stage loops").status == 2);

  auto bad = run_neuro("ir " + file + " --dump-after fold");
  CHECK(bad.status == 2);
  CHECK(bad.err.rfind("neuro: error[E0603]: `fold` is not a pass", 0) == 0);
  CHECK(bad.err.find("fold_constants") != std::string::npos);  // the hint lists the passes
  CHECK(bad.out.empty());
  CHECK(run_neuro("ir " + file + " --dump-after").status == 2);
  CHECK(run_neuro("run " + file + " --dump-after lower").status == 2);  // `ir` only
}

TEST_CASE("cli: errors are rendered file:line:col with the line and an underline, exit 1") {
  auto dir = temp_dir("err");
  auto f = dir / "bad.neuro";
  std::ofstream(f) << "neuron Cell {\n  state v = 0 mV\n  dv/dt = -v / 10\n  refractory 5\n}\n";
  auto r = run_neuro("check " + f.string());
  CHECK(r.status == 1);
  CHECK(r.err.find(f.string() + ":3:11: error[E0200]") != std::string::npos);
  CHECK(r.err.find("  dv/dt = -v / 10") != std::string::npos);
  CHECK(r.err.find("^~~~~~~") != std::string::npos);
  CHECK(r.err.find(f.string() + ":4:14: error[E0201]") !=
        std::string::npos);                                  // refractory 5: no unit
  CHECK(r.err.find("3 errors found") != std::string::npos);  // and: refractory without spike
  auto missing = run_neuro("run " + (dir / "nope.neuro").string());
  CHECK(missing.status == 1);
  CHECK(missing.err.find("error[E0500]") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: state recordings are written in display units") {
  auto dir = temp_dir("state");
  auto f = dir / "decay.neuro";
  std::ofstream(f)
      << "neuron D { state x = 10 mV\n dx/dt = -x / 10 ms }\n"
         "circuit C { P = D[2]\n record x of P every 1 ms }\nrun C for 3 ms dt = 0.5 ms\n";
  auto r = run_neuro("run " + f.string() + " --out " + dir.string());
  REQUIRE(r.status == 0);
  std::string csv = slurp(dir / "P_x.csv");
  CHECK(csv.rfind("t_ms,id,x_mV\n0,0,10\n0,1,10\n1,0,", 0) == 0);
  // 10 mV · e^{-3/10} at 3 ms.
  double last = std::stod(csv.substr(csv.rfind(',') + 1));
  CHECK(last == doctest::Approx(10 * std::exp(-0.3)).epsilon(1e-9).scale(0));
  std::filesystem::remove_all(dir);
}

// Usage errors come from the diagnostic catalogue like errors in model text:
// `neuro: error[CODE]: message`, a hint pointing to --help, exit status 2.
TEST_CASE("cli: each usage error has its diagnostic code") {
  const std::string file = kExamples + "cuba.neuro";
  const std::pair<std::string, const char*> cases[] = {
      {"frobnicate x", "E0600"},
      {"run " + file + " --frobnicate", "E0601"},
      {"plot " + kExamples + " --bogus", "E0601"},
      {"run", "E0602"},
      {"plot", "E0602"},
      {"jit " + file, "E0602"},
      {"run " + file + " --duration banana", "E0603"},
      {"run " + file + " --threads 0", "E0603"},
      {"run " + file + " --out", "E0603"},
      {"run " + file + " " + file, "E0604"},
      {"repl extra", "E0604"},
  };
  for (const auto& [args, code] : cases) {
    CAPTURE(args);
    auto r = run_neuro(args);
    CHECK(r.status == 2);
    CHECK(r.err.rfind(fmt::format("neuro: error[{}]: ", code), 0) == 0);
    CHECK(r.err.find("   = hint: run `neuro --help` for usage\n") != std::string::npos);
  }
}

TEST_CASE("cli: problems with a whole file or with output name their code") {
  auto dir = temp_dir("whole");
  auto f = dir / "no_circuit.neuro";
  std::ofstream(f) << "neuron D { state x = 1 mV }\n";
  auto r = run_neuro("run " + f.string());
  CHECK(r.status == 1);
  CHECK(r.err.rfind(f.string() + ": error[E0303]: there is no circuit to run\n", 0) == 0);
  auto empty = dir / "empty";
  std::filesystem::create_directories(empty);
  auto p = run_neuro("plot " + empty.string());
  CHECK(p.status == 1);
  CHECK(p.err.rfind("neuro: error[E0500]: no recordings in", 0) == 0);
  std::filesystem::remove_all(dir);
}

// Output locations are checked before the run: a run never ends with
// nowhere to put what it recorded.
TEST_CASE("cli: --out or --plot that cannot be a folder is refused before the run") {
  const auto dir = temp_dir("out_file");
  const auto file = dir / "taken";
  std::ofstream(file) << "not a folder";
  auto r = run_neuro("run " + kExamples + "cuba.neuro --out " + file.string());
  CHECK(r.status == 2);
  CHECK(r.out.empty());  // nothing simulated
  CHECK(r.err.find("error[E0603]: --out " + file.string() + ": `" + file.string() +
                   "` is a file, not a folder") != std::string::npos);
  CHECK(slurp(file) == "not a folder");
  auto p = run_neuro("run " + kExamples + "cuba.neuro --plot " + (file / "sub").string());
  CHECK(p.status == 2);
  CHECK(p.out.empty());
  CHECK(p.err.find("--plot") != std::string::npos);
  std::filesystem::remove_all(dir);
}

// With --json a failure is one JSON object on stdout too: the diagnostics
// with their code, place and message, for tools that read the results.
TEST_CASE("cli: --json reports errors in the input as JSON") {
  const auto dir = temp_dir("json_errors");
  const auto model = dir / "bad.neuro";
  std::ofstream(model) << "neuron A { state v = 0 mV\n dv/dt = -v / 10 ms + x }\n"
                          "circuit C { P = A[1] }\nrun C for 1 ms\n";
  auto r = run_neuro("run " + model.string() + " --json");
  CHECK(r.status == 1);
  CHECK(r.out ==
        "{\"ok\":false,\"errors\":1,\"diagnostics\":[{\"code\":\"E0100\",\"severity\":"
        "\"error\",\"file\":\"" +
            model.string() +
            "\",\"line\":2,\"column\":23,\"message\":\"unknown name `x`\",\"hint\":\"\"}]}"
            "\n");
  CHECK(r.err.find("error[E0100]") != std::string::npos);  // and on stderr as always
  auto o = run_neuro("run " + kExamples + "cuba.neuro --json --out " + model.string());
  CHECK(o.status == 2);
  CHECK(o.out.rfind("{\"ok\":false,\"errors\":1,\"diagnostics\":[{\"code\":\"E0603\"", 0) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: a seed of 2^64 or more is refused, not clamped") {
  auto r = run_neuro("run " + kExamples + "cuba.neuro --seed 18446744073709551616");
  CHECK(r.status == 2);
  CHECK(r.err.find("--seed needs a whole number from 0 to 18446744073709551615") !=
        std::string::npos);
}

// A full disk: the first write that fails is named with the system's
// reason, it leaves no truncated file under the real name, the index lists
// only complete recordings, and the status says it failed.
TEST_CASE("cli: a full disk is reported with the file, and the index lists only whole files") {
  const auto dir = temp_dir("full");
  // The spikes are written to P_spikes.csv.partial first: make that /dev/full.
  std::filesystem::create_symlink("/dev/full", dir / "P_spikes.csv.partial");
  auto r = run_neuro("run " + kExamples + "cuba.neuro --duration 20ms --out " + dir.string());
  CHECK(r.status == 1);
  CHECK(r.err.find("cannot write `" + (dir / "P_spikes.csv").string() +
                   "`: No space left on device") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "P_spikes.csv"));
  CHECK_FALSE(std::filesystem::exists(dir / "P_spikes.csv.partial"));
  const std::string index = slurp(dir / "recordings.tsv");
  CHECK(index.find("# not written (see the error): P_spikes.csv") != std::string::npos);
  CHECK(index.find("spikes\tP") == std::string::npos);
  std::filesystem::remove_all(dir);
}
