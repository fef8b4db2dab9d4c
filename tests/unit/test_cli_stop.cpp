// `neuro run` stopped from outside: SIGTERM (timeout, schedulers, docker
// stop) and SIGHUP (a closed terminal) stop the run between steps like
// Ctrl-C, the recordings so far are written, and the status is 128 + the
// signal. The test waits for the condition that matters — the process has
// its handlers installed (/proc/PID/status, SigCgt) — never for a time.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/shell.h"

namespace fs = std::filesystem;

namespace {

// Whether process `pid` runs neuro (it has exec'd: before that it is a copy
// of this test, with the test framework's handlers) and catches `sig` (bit
// sig − 1 of SigCgt).
bool catches(pid_t pid, int sig) {
  std::error_code ec;
  if (fs::read_symlink(fmt::format("/proc/{}/exe", pid), ec) != fs::canonical(NEURO_BINARY, ec))
    return false;
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SigCgt:", 0) == 0) {
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      return (mask >> (sig - 1)) & 1ull;
    }
  return false;
}

// A run far longer than the test: 4 neurons spiking regularly for 1000 s.
const char* kLongRun = R"(
neuron Tonic {
  state v = 0 mV
  dv/dt = (20 mV - v) / 10 ms
  spike when v > 15 mV { v = 0 mV }
}
circuit C {
  P = Tonic[4]
  record spikes of P
}
run C for 1000 s  dt = 0.1 ms
)";

}  // namespace

TEST_CASE("cli: SIGTERM and SIGHUP stop a run like Ctrl-C, with its recordings written") {
  for (int sig : {SIGTERM, SIGHUP}) {
    CAPTURE(sig);
    const fs::path dir = fs::temp_directory_path() / fmt::format("neuro_stop_{}_{}", getpid(), sig);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path model = dir / "long.neuro";
    std::ofstream(model) << kLongRun;
    const fs::path err = dir / "stderr.txt";
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 2);
      const int null = ::open("/dev/null", O_WRONLY);
      dup2(null, 1);
      execl(NEURO_BINARY, NEURO_BINARY, "run", model.c_str(), "--backend", "vm", "--out",
            (dir / "out").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    bool exited = false;
    while (!catches(pid, sig)) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      sched_yield();
    }
    REQUIRE_FALSE(exited);  // a 1000 s run cannot have ended
    kill(pid, sig);
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + sig);
    const std::string e = neuro::testing::slurp(err);
    CHECK(e.find(sig == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGHUP") !=
          std::string::npos);
    CHECK(e.find("the recordings so far were written") != std::string::npos);
    const std::string spikes = neuro::testing::slurp(dir / "out" / "P_spikes.csv");
    CHECK(spikes.rfind("id,t_ms\n", 0) == 0);
    fs::remove_all(dir);
  }
}
