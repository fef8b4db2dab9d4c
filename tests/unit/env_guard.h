// Sets an environment variable for the scope of a test: the JIT tests give
// the compiler cache (XDG_CACHE_HOME) a directory of their own, so that the
// user's cache never decides what a test sees.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace neuro::testing {

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const std::string& n, const std::string& value) : name(n) {
    if (const char* v = std::getenv(n.c_str())) old = v;
    setenv(n.c_str(), value.c_str(), 1);
  }
  ~EnvGuard() {
    if (old)
      setenv(name.c_str(), old->c_str(), 1);
    else
      unsetenv(name.c_str());
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
};

}  // namespace neuro::testing
