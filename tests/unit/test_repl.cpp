// The REPL: transcripts replayed through a pipe, the hot-redefinition
// promise checked numerically, and line editing, the continuation prompt and
// Ctrl-C in a real terminal (tmux).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/repl_session.h"
#include "neuro/simulation.h"
#include "tests/unit/shell.h"

namespace fs = std::filesystem;

namespace {

using neuro::testing::slurp;

std::string sh(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// The bound on every wait below: it only guards against a hang (a loaded
// machine may take seconds) and says nothing about speed.
constexpr int kHangGuardMs = 60000;

// A terminal's output read from a FIFO; reads block until output comes.
struct PaneOutput {
  int fd = -1;
  std::string seen;
  size_t from = 0;  // where the next wait_for starts looking
  explicit PaneOutput(int f) : fd(f) {}
  ~PaneOutput() {
    if (fd >= 0) ::close(fd);
  }
  // Reads until `text` has been printed after what earlier waits found.
  bool wait_for(const std::string& text) {
    for (;;) {
      if (auto at = seen.find(text, from); at != std::string::npos) {
        from = at + text.size();
        return true;
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, kHangGuardMs) <= 0) return false;
      char buf[4096];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return false;
      seen.append(buf, static_cast<size_t>(n));
    }
  }
};

// Waits until `file` holds `text`, looking again whenever something in its
// folder is written (inotify).
bool wait_for_file(const fs::path& file, const std::string& text) {
  const int in = ::inotify_init1(IN_CLOEXEC);
  if (in < 0) return false;
  ::inotify_add_watch(in, file.parent_path().c_str(),
                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE);
  bool found = false;
  for (;;) {
    if (slurp(file).find(text) != std::string::npos) {
      found = true;
      break;
    }
    pollfd p{in, POLLIN, 0};
    if (::poll(&p, 1, kHangGuardMs) <= 0) break;
    char buf[4096];
    if (::read(in, buf, sizeof buf) <= 0) break;
  }
  ::close(in);
  return found;
}

}  // namespace

TEST_CASE("repl: transcripts through a pipe match their expected output") {
  // No banner, prompts or history when stdin is not a terminal.
  fs::path dir = fs::path(NEURO_SOURCE_DIR) / "tests" / "repl";
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".in") continue;
    CAPTURE(e.path().string());
    fs::path expected = e.path();
    expected.replace_extension(".out");
    int status = -1;
    std::string got =
        sh(fmt::format("cd {} && {} repl < {} 2>&1", dir.string(), NEURO_BINARY, e.path().string()),
           &status);
    CHECK(status == 0);
    CHECK(got == slurp(expected));
    ++n;
  }
  CHECK(n >= 2);
}

TEST_CASE("repl: hot redefinition keeps state bit-identical and follows the new constant") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  // Pure decay, so the value at any time is known in closed form.
  s.feed("neuron D { param tau = 20 ms\n state x = 1 mV\n dx/dt = -x / tau }\n");
  s.feed("circuit C { P = D[1]\n record x of P }\n");
  s.feed("run C for 100 ms\n");
  REQUIRE(err.empty());
  const neuro::Simulation* before = s.simulation();
  REQUIRE(before);
  double x_switch = const_cast<neuro::Simulation*>(before)->state_array("P", "x")[0];
  CHECK(x_switch == doctest::Approx(1e-3 * std::exp(-100.0 / 20)).epsilon(1e-12).scale(0));
  // Redefine with a new time constant: the state is carried over bit for bit.
  s.feed("neuron D { param tau = 5 ms\n state x = 1 mV\n dx/dt = -x / tau }\n");
  REQUIRE(err.empty());
  const neuro::Simulation* after = s.simulation();
  REQUIRE(after != nullptr);
  double x_now = const_cast<neuro::Simulation*>(after)->state_array("P", "x")[0];
  CHECK(x_now == x_switch);  // exact
  CHECK(after->step_index() == 1000);
  s.feed(":run 10 ms\n");
  double x_later = const_cast<neuro::Simulation*>(s.simulation())->state_array("P", "x")[0];
  // From the switch on, decay with tau = 5 ms.
  CHECK(x_later == doctest::Approx(x_switch * std::exp(-10.0 / 5)).epsilon(1e-12).scale(0));
  // The recording spans both definitions without a gap.
  auto rec = s.simulation()->state_recordings();
  REQUIRE(rec.size() == 1);
  CHECK(rec[0].times.size() == 1101);
  CHECK(rec[0].values[1000] == x_switch);
}

namespace {

// Synapse S onto a neuron that spikes once, at 60 ms, from a generator that
// spikes at 10 ms: S is `before` for the first 30 ms, then redefined as
// `after` in the running network. Returns S's weight w at 70 ms.
double weight_across_redefinition(const std::string& before, const std::string& after) {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  // x passes 59.95 ms in the step that ends at 60 ms.
  s.feed("neuron Clock { state x = 0 ms\n dx/dt = 1\n spike when x > 59.95 ms { x = -1 s } }\n");
  s.feed(before);
  s.feed(
      "circuit C { Pre = spike_generator[1] { times = [10 ms] }\n Post = Clock[1]\n"
      " connect Pre -> Post via S }\n");
  s.feed("run C for 30 ms\n");
  s.feed(after);
  s.feed(":run 40 ms\n");
  REQUIRE(err.empty());
  return s.simulation()->synapse_values(0, "w").at(0);
}

}  // namespace

// A trace decays with the old time constant up to a redefinition and with
// the new one after it, whether stored once per neuron (scaled, see
// docs/semantics.md) or per synapse.
TEST_CASE("repl: a redefined trace time constant applies from the switch on") {
  for (const char* rule : {"w += apre", "w += apre;  apre *= 1"}) {  // per neuron, per synapse
    CAPTURE(rule);
    auto synapse = [&](const char* tau) {
      return fmt::format(
          "synapse S {{ param w = 0 mV\n trace apre = 0 mV decays {}\n on pre {{ apre += 1 mV }}\n"
          " on post {{ {} }} }}\n",
          tau, rule);
    };
    CHECK(weight_across_redefinition(synapse("20 ms"), synapse("20 ms")) ==
          doctest::Approx(1e-3 * std::exp(-50.0 / 20)).epsilon(1e-12).scale(0));
    CHECK(weight_across_redefinition(synapse("20 ms"), synapse("10 ms")) ==
          doctest::Approx(1e-3 * std::exp(-20.0 / 20 - 30.0 / 10)).epsilon(1e-12).scale(0));
  }
}

// A trace that a redefinition adds starts from its initial value at the
// switch, not as if it had decayed since t = 0.
TEST_CASE("repl: a trace added by a redefinition starts at the switch") {
  for (const char* rule : {"w += a", "w += a;  a *= 1"}) {  // per neuron, per synapse
    CAPTURE(rule);
    const std::string after = fmt::format(
        "synapse S {{ param w = 0 mV\n trace a = 1 mV decays 20 ms\n on post {{ {} }} }}\n", rule);
    CHECK(weight_across_redefinition("synapse S { param w = 0 mV\n on post { w += 0 mV } }\n",
                                     after) ==
          doctest::Approx(1e-3 * std::exp(-30.0 / 20)).epsilon(1e-12).scale(0));
  }
}

TEST_CASE("repl: meta-commands accept unambiguous prefixes and complete") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  s.feed(":ty 2 ms * 3\n");
  CHECK(out == "2 ms * 3 : time (ms) = 6 ms\n");
  s.feed(":re\n");
  CHECK(err.find("ambiguous") != std::string::npos);
  CHECK(s.complete(":lo") == std::vector<std::string>{":load"});
  s.feed("neuron Leaky { state v = 0 mV }\n");
  auto c = s.complete("connect Le");
  CHECK(std::find(c.begin(), c.end(), "Leaky") != c.end());
  CHECK(s.feed(":q\n") == neuro::cli::ReplSession::Result::Quit);
  CHECK(s.feed("neuron A {\n") == neuro::cli::ReplSession::Result::NeedMore);
}

TEST_CASE("repl: a real terminal — line editing, continuation prompt, Ctrl-C, history") {
  if (std::system("command -v tmux > /dev/null 2>&1") != 0) {
    MESSAGE("tmux is not installed; skipped (tools/install-deps.sh installs it)");
    return;
  }
  fs::path home = fs::temp_directory_path() / fmt::format("neuro_repl_tty_{}", ::getpid());
  fs::remove_all(home);
  const fs::path history = home / "state" / "neuro" / "history";
  fs::create_directories(history.parent_path());
  std::string session = fmt::format("neuro_test_{}", ::getpid());
  auto tmux = [&](const std::string& args) {
    return sh(fmt::format("tmux -L {} {} 2>&1", session, args));
  };
  // What the REPL writes to its terminal comes to the test through a FIFO
  // (tmux pipe-pane), and the test blocks on it: it waits for what the REPL
  // prints, never for a time.
  const fs::path fifo = home / "pane";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  PaneOutput pane(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));  // RDWR: the open never blocks
  REQUIRE(pane.fd >= 0);
  // The shell holds the REPL back until the pipe is in place, signals the
  // channel `<session>_done` when the REPL has exited, and keeps the pane
  // (and the tmux server) until the session is killed.
  tmux(fmt::format(
      "new-session -d -s {0} -x 120 -y 40 \"read _; env HOME={1} XDG_STATE_HOME={1}/state "
      "TERM=xterm {2} repl; tmux -L {0} wait-for -S {0}_done; read _\"",
      session, home.string(), NEURO_BINARY));
  tmux(fmt::format("pipe-pane -t {} 'cat >> {}'", session, fifo.string()));
  tmux(fmt::format("send-keys -t {} Enter", session));
  REQUIRE(pane.wait_for("neuro>"));
  // Line editing: type with a typo, move left, fix it, run.
  tmux(fmt::format("send-keys -t {} ':type 2 xs' Left BSpace m Enter", session));
  CHECK(pane.wait_for("2 ms : time (ms) = 2 ms"));
  // A construct over several lines gets the continuation prompt.
  tmux(fmt::format("send-keys -t {} 'neuron D {{' Enter", session));
  CHECK(pane.wait_for("...>"));
  tmux(fmt::format("send-keys -t {} 'state x = 1 mV; dx/dt = -x / 10 ms }}' Enter", session));
  tmux(fmt::format("send-keys -t {} 'circuit C {{ P = D[1000] }}' Enter", session));
  // A long run, interrupted with Ctrl-C: back at the prompt, state intact.
  // The REPL writes each line to its history once it has left the editor;
  // from then on a Ctrl-C stops the line's run, even before it starts (a
  // Ctrl-C still in the editor would drop the line instead).
  tmux(fmt::format("send-keys -t {} ':run 100000 s' Enter", session));
  REQUIRE(wait_for_file(history, ":run"));
  tmux(fmt::format("send-keys -t {} C-c", session));
  CHECK(pane.wait_for("interrupted after"));
  tmux(fmt::format("send-keys -t {} ':type 1 mV' Enter", session));
  CHECK(pane.wait_for("1 mV : voltage (mV) = 1 mV"));
  tmux(fmt::format("send-keys -t {} ':quit' Enter", session));
  // The REPL exits: tmux's own wait blocks until the shell signals it
  // (`timeout` only guards against a hang).
  int status = -1;
  sh(fmt::format("timeout 60 tmux -L {0} wait-for {0}_done", session), &status);
  CHECK(status == 0);
  tmux(fmt::format("kill-session -t {}", session));
  // The history file kept what was typed (libedit escapes spaces as \040).
  std::string hist = slurp(history);
  CHECK(hist.find(":type") != std::string::npos);
  CHECK(hist.find(":run") != std::string::npos);
  fs::remove_all(home);
}

TEST_CASE("repl: a recording added while running starts at that moment with the live state") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  s.feed("neuron D { state x = 1 mV\n dx/dt = -x / 20 ms }\n");
  s.feed("circuit C { P = D[1] }\n");
  s.feed("run C for 100 ms\n");
  s.feed(":record x of P every 10 ms\n");
  s.feed(":run 20 ms\n");
  REQUIRE(err.empty());
  auto rec = s.simulation()->state_recordings();
  REQUIRE(rec.size() == 1);
  REQUIRE(rec[0].times.size() == 3);  // 100, 110, 120 ms
  CHECK(rec[0].times[0] == doctest::Approx(0.1));
  CHECK(rec[0].values[0] == doctest::Approx(1e-3 * std::exp(-100.0 / 20)).epsilon(1e-12).scale(0));
  CHECK(rec[0].values[2] == doctest::Approx(1e-3 * std::exp(-120.0 / 20)).epsilon(1e-12).scale(0));
}

// Every error the REPL reports comes from the diagnostic catalogue: in the
// typed text `<repl:N>:line:col: error[CODE]`, otherwise (meta-commands, the
// session's state) `neuro: error[CODE]: message` with a hint.
TEST_CASE("repl: each error has its diagnostic code") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  auto error_of = [&](const std::string& input) {
    err.clear();
    s.feed(input);
    return err;
  };
  auto placeless = [](const char* code) { return fmt::format("neuro: error[{}]: ", code); };
  const std::pair<const char*, const char*> before_any_model[] = {
      {":bogus\n", "E0600"},        {":help bogus\n", "E0600"},   {":r\n", "E0605"},
      {":load\n", "E0602"},         {":type\n", "E0602"},         {":set\n", "E0602"},
      {":run\n", "E0602"},          {":set colour 3\n", "E0601"}, {":set dt 0 ms\n", "E0603"},
      {":set seed -1\n", "E0603"},  {":step x\n", "E0603"},       {":run banana\n", "E0603"},
      {":reload\n", "E0700"},       {":save\n", "E0701"},         {":plot\n", "E0701"},
      {":info nothing\n", "E0100"}, {":run 1 ms\n", "E0303"},  // no circuit to simulate
  };
  for (const auto& [input, code] : before_any_model) {
    CAPTURE(input);
    CHECK(error_of(input).rfind(placeless(code), 0) == 0);
  }
  CHECK(error_of(":bogus\n") ==
        "neuro: error[E0600]: unknown command `:bogus`\n   = hint: `:help` lists them\n");
  err.clear();
  s.feed("neuron D { param tau = 10 ms\n state x = 1 mV\n dx/dt = -x / tau }\n");
  s.feed("circuit C { P = D[2] }\n");
  s.feed("run C for 1 ms\n");
  REQUIRE(err.empty());
  // Statements at the prompt point into the typed text.
  CHECK(error_of("P.nope = 1 mV\n").find(": error[E0100]: there is no variable `P.nope`") !=
        std::string::npos);
  CHECK(error_of("P.tau += 1 ms\n").find(": error[E0304]: `P.tau` is shared") != std::string::npos);
  CHECK(error_of(":ir Q\n").rfind(placeless("E0100"), 0) == 0);
  CHECK(error_of(":save /proc/neuro_cannot/write\n").rfind(placeless("E0500"), 0) == 0);
}

// A long construct typed (or pasted) line by line is not parsed again at
// every line: 5000 lines of one block are read in linear time (it took
// minutes), and a mistake in a short block is still reported at once.
TEST_CASE("repl: a 5000-line block is read line by line, a short one checked as typed") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  std::string pending = "neuron Long {\n  state v = 1 mV\n";
  CHECK(s.feed(pending) == neuro::cli::ReplSession::Result::NeedMore);
  for (int k = 0; k < 5000; ++k) {
    pending += fmt::format("  # note {} with a bracket in a comment: {{\n", k);
    REQUIRE(s.feed(pending) == neuro::cli::ReplSession::Result::NeedMore);
  }
  pending += "  dv/dt = -v / 10 ms\n}\n";
  CHECK(s.feed(pending) == neuro::cli::ReplSession::Result::Done);
  CHECK(err.empty());
  s.feed("circuit C { P = Long[1] }\n");
  s.feed(":run 10 ms\n");
  CHECK(err.empty());
  REQUIRE(s.simulation());
  CHECK(const_cast<neuro::Simulation*>(s.simulation())->state_array("P", "v")[0] ==
        doctest::Approx(1e-3 * std::exp(-1.0)).epsilon(1e-12));
  // An error in an unfinished short block: reported when typed.
  err.clear();
  CHECK(s.feed("neuron Bad {\n  state v = = 1 mV\n") == neuro::cli::ReplSession::Result::Done);
  CHECK(err.find("error[E0001]") != std::string::npos);
}

// Redefining a synapse that gains or loses variables says so; "every state
// variable carried over" only when that is true.
TEST_CASE("repl: a redefined synapse names the variables it gained and lost") {
  std::string out, err;
  neuro::cli::ReplSession s([&](const std::string& x) { out += x; },
                            [&](const std::string& x) { err += x; });
  s.feed("neuron D { state v = 0 mV\n dv/dt = -v / 10 ms }\n");
  s.feed("synapse S { param w = 1 mV\n state u = 0 mV\n on pre { post.v += w\n u += w } }\n");
  s.feed(
      "circuit C { G = spike_generator[1] { times = [1 ms] }\n P = D[2]\n"
      " connect G -> P via S all_to_all }\n");
  s.feed(":run 5 ms\n");
  REQUIRE(err.empty());
  out.clear();
  s.feed("synapse S { param w = 1 mV\n state z = 0 mV\n on pre { post.v += w\n z += w } }\n");
  CHECK(err.empty());
  CHECK(out.find("`S.z` is new") != std::string::npos);
  CHECK(out.find("dropped `S.u`") != std::string::npos);
  CHECK(out.find("every state variable carried over") == std::string::npos);
}
