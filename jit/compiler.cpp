#include "jit/compiler.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace neuro::jit {

namespace fs = std::filesystem;

namespace {

// FNV-1a, 64 bits; two of them with different bases make the 128-bit key.
uint64_t fnv1a(const std::string& data, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// The largest cache file read back: an object far larger than any
// generated code (or a device) is not a cache entry.
constexpr uintmax_t kMaxCacheFile = 256u << 20;

// A cache file's bytes: a regular file (not a link to /dev/zero or a FIFO)
// of at most kMaxCacheFile bytes, else nullopt.
std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  const auto st = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(st)) return std::nullopt;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxCacheFile) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size || in.peek() != std::char_traits<char>::eof())
    return std::nullopt;  // changed while read
  return bytes;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

std::string checksum(const std::string& bytes) {
  return fmt::format("{:016x} {}", fnv1a(bytes), bytes.size());
}

// How long a compile may take before it is stopped and the run goes on on
// the interpreter: NEURO_JIT_TIMEOUT (seconds), default 300.
double compile_timeout_s() {
  const char* env = std::getenv("NEURO_JIT_TIMEOUT");
  char* end = nullptr;
  const double v = env ? std::strtod(env, &end) : 0;
  return env && end != env && *end == '\0' && v > 0 && v < 1e6 ? v : 300.0;
}

// Runs argv with stdout and stderr into `log`, in a process group of its
// own (the driver's children stop with it); returns the exit status (-1: it
// could not be started, kTimedOut: stopped after `timeout_s`).
constexpr int kTimedOut = -2;
int run_logged(const std::vector<std::string>& argv, const std::string& log, double timeout_s) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return -1;
  // Wait for the exit or the deadline: poll() on a pidfd when the kernel
  // has them, else waitpid in short naps.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      if (pidfd >= 0) close(pidfd);
      return -1;
    }
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      kill(-pid, SIGKILL);  // the whole group: cc1plus, as, ld
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (pidfd >= 0) close(pidfd);
      return kTimedOut;
    }
    const int ms = static_cast<int>(std::min<long long>(
        100, std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, ms);
    } else {
      usleep(static_cast<useconds_t>(ms) * 1000);
    }
  }
  if (pidfd >= 0) close(pidfd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The key is written into the object too; a loaded object must carry it.
std::string with_key(const std::string& source, const std::string& key) {
  return source + fmt::format("extern \"C\" const char nj_key[] = \"{}\";\n", key);
}

}  // namespace

Library::~Library() {
  if (handle_) dlclose(handle_);
}

void* Library::symbol(const std::string& name) const {
  return dlsym(handle_, name.c_str());
}

std::optional<Toolchain> find_compiler(std::string& why) {
  const char* env = std::getenv("NEURO_CXX");
  std::string name = env && *env ? env : "c++";
  std::string path;
  if (name.find('/') != std::string::npos) {
    path = name;
  } else {
    const char* p = std::getenv("PATH");
    std::stringstream dirs(p ? p : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');) {
      std::string cand = (d.empty() ? "." : d) + "/" + name;
      if (access(cand.c_str(), X_OK) == 0) {
        path = cand;
        break;
      }
    }
  }
  struct stat st {};
  if (path.empty() || access(path.c_str(), X_OK) != 0 || stat(path.c_str(), &st) != 0) {
    why = env && *env ? fmt::format("the compiler NEURO_CXX={} cannot be run", name)
                      : "no C++ compiler (`c++`) on PATH";
    return std::nullopt;
  }
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  Toolchain tc;
  tc.cxx = path;
  tc.id = fmt::format("{} {} {}", ec ? path : real.string(), static_cast<long long>(st.st_size),
                      static_cast<long long>(st.st_mtime));
  return tc;
}

const std::vector<std::string>& compile_flags() {
  static const std::vector<std::string> flags = {"-std=c++17",
                                                 "-O3",
                                                 "-march=native",
                                                 "-ffp-contract=off",
                                                 "-fno-trapping-math",
                                                 "-fno-math-errno",
                                                 "-fno-builtin",
                                                 "-fno-exceptions",
                                                 "-fno-rtti",
                                                 "-fPIC",
                                                 "-shared",
                                                 "-w"};
  return flags;
}

std::string cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/neuro/jit";
  const char* home = std::getenv("HOME");
  if (home && *home == '/') return std::string(home) + "/.cache/neuro/jit";
  return fmt::format("/tmp/neuro-jit-{}", static_cast<long long>(getuid()));
}

std::string cache_key(const std::string& source, const Toolchain& tc) {
  std::string all = source + '\0' + tc.id;
  for (const auto& f : compile_flags()) all += '\0' + f;
  return fmt::format("{:016x}{:016x}", fnv1a(all), fnv1a(all, 0x84222325cbf29ce4ull));
}

bool cached(const std::string& dir, const std::string& key) {
  std::error_code ec;
  return fs::exists(dir + "/" + key + ".so", ec) && fs::exists(dir + "/" + key + ".sum", ec);
}

LoadResult load_or_build(const std::string& source, const Toolchain& tc, const std::string& dir) {
  LoadResult r;
  r.key = cache_key(source, tc);
  const std::string base = dir + "/" + r.key;
  const std::string so = base + ".so", sum = base + ".sum";

  // A cached entry counts only when its bytes match the checksum written
  // with it and it carries its key.
  auto try_load = [&]() -> bool {
    auto bytes = read_file(so);
    auto want = read_file(sum);
    if (!bytes || !want) return false;
    if (checksum(*bytes) != *want) {
      r.repaired = true;
      return false;
    }
    // dlopen a private copy of the verified bytes, unlinked once mapped: a
    // later change to the cache file (another process rebuilding it, a
    // corruption) cannot reach code this process runs, and glibc cannot hand
    // back a stale object loaded earlier under the same name.
    static std::atomic<unsigned> loads{0};
    const std::string copy =
        fmt::format("{}.load{}-{}", so, static_cast<long long>(getpid()), loads.fetch_add(1));
    if (!write_file(copy, *bytes)) return false;
    void* h = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
    std::error_code rm;
    fs::remove(copy, rm);
    if (!h) {
      r.repaired = true;
      return false;
    }
    auto lib = std::make_shared<Library>(h);
    auto key = static_cast<const char*>(lib->symbol("nj_key"));
    if (!key || r.key != key) {
      r.repaired = true;
      return false;
    }
    r.lib = std::move(lib);
    return true;
  };
  std::error_code ec;
  if (cached(dir, r.key) && try_load()) {
    r.cache_hit = true;
    return r;
  }
  fs::create_directories(dir, ec);
  const std::string tag = fmt::format(".tmp{}", static_cast<long long>(getpid()));
  const std::string cpp = base + ".cpp", log = base + ".log";
  if (!write_file(cpp + tag, with_key(source, r.key))) {
    r.error = fmt::format("cannot write the JIT cache in {}", dir);
    return r;
  }
  fs::rename(cpp + tag, cpp, ec);
  std::vector<std::string> argv = {tc.cxx};
  for (const auto& f : compile_flags()) argv.push_back(f);
  argv.insert(argv.end(), {"-o", so + tag, cpp});
  auto t0 = std::chrono::steady_clock::now();
  const double timeout = compile_timeout_s();
  int rc = run_logged(argv, log, timeout);
  r.compile_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rc != 0) {
    fs::remove(so + tag, ec);
    r.log = log;
    r.error = rc == kTimedOut
                  ? fmt::format(
                        "the compiler {} took longer than {:g} s (NEURO_JIT_TIMEOUT) and "
                        "was stopped",
                        tc.cxx, timeout)
              : rc < 0 ? fmt::format("the compiler {} could not be started", tc.cxx)
                       : fmt::format("the compiler {} failed (exit status {})", tc.cxx, rc);
    return r;
  }
  auto bytes = read_file(so + tag);
  if (!bytes) {
    r.log = log;
    r.error = fmt::format("the compiler {} reported success but wrote no object file", tc.cxx);
    return r;
  }
  if (!write_file(sum + tag, checksum(*bytes))) {
    r.error = fmt::format("cannot write the JIT cache in {}", dir);
    return r;
  }
  fs::rename(sum + tag, sum, ec);
  fs::rename(so + tag, so, ec);
  const bool repaired = r.repaired;
  if (!try_load()) {
    const char* why = dlerror();
    r.error = fmt::format("the compiled code in {} could not be loaded: {}", so,
                          why ? why : "checksum or key mismatch");
    r.log = log;
    return r;
  }
  r.repaired = repaired;
  return r;
}

}  // namespace neuro::jit
