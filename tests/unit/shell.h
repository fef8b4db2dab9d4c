// Running a command from a test: exit status, stdout and stderr apart.
#pragma once

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace neuro::testing {

struct ShellResult {
  int status = -1;  // exit status; -1 when killed by a signal
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` through /bin/sh.
inline ShellResult run_shell(const std::string& command) {
  static std::atomic<int> counter{0};
  auto err_file = std::filesystem::temp_directory_path() /
                  fmt::format("neuro_test_stderr_{}_{}", ::getpid(), counter++);
  ShellResult r;
  FILE* p = popen(fmt::format("{} 2>'{}'", command, err_file.string()).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = slurp(err_file);
  std::filesystem::remove(err_file);
  return r;
}

}  // namespace neuro::testing
