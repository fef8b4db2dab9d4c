#include "tests/unit/isolated_compile.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "driver/driver.h"
#include "frontend/diagnostics.h"

namespace neuro::testing {

namespace fs = std::filesystem;
using neuro::frontend::Severity;

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Clean:
      return "clean";
    case Verdict::Diagnosed:
      return "diagnosed";
    case Verdict::NoModule:
      return "no errors but no module";
    case Verdict::NoValidError:
      return "errors without a valid source range";
    case Verdict::RangeOutside:
      return "an error range outside the file";
    case Verdict::Internal:
      return "InternalError";
    case Verdict::Exception:
      return "exception";
    case Verdict::Crashed:
      return "crashed";
    case Verdict::TimedOut:
      return "timed out";
  }
  return "?";
}

bool acceptable(Verdict v) {
  return v == Verdict::Clean || v == Verdict::Diagnosed;
}

namespace {

// Code points in a line (columns are counted in code points).
size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Compiles one file in this process and judges the outcome.
Result judge(const std::string& path) {
  Result r;
  try {
    auto c = neuro::driver::compile_file(path, {}, false);
    std::string rendered =
        neuro::frontend::render_all(c->diags, c->sources);  // must not crash either
    if (!c->diags.has_errors()) {
      if (!c->module) r.verdict = Verdict::NoModule;
      return r;
    }
    size_t inside = 0;
    for (const auto& d : c->diags.list()) {
      if (d.severity != Severity::Error || !d.range.valid()) continue;
      const auto& rg = d.range;
      bool ok = rg.file <= c->sources.size();
      if (ok) {
        const auto& f = c->sources.file(rg.file);
        ok = rg.line >= 1 && rg.line <= f.line_starts.size() &&
             rg.col <= code_points(f.line_text(rg.line));
      }
      if (!ok) {
        r.verdict = Verdict::RangeOutside;
        r.detail =
            "line " + std::to_string(rg.line) + " col " + std::to_string(rg.col) + ": " + d.message;
        return r;
      }
      ++inside;
    }
    if (inside == 0) {
      r.verdict = Verdict::NoValidError;
      r.detail = rendered;
      return r;
    }
    r.verdict = Verdict::Diagnosed;
  } catch (const neuro::frontend::InternalError& e) {
    r.verdict = Verdict::Internal;
    r.detail = e.what();
  } catch (const std::exception& e) {
    r.verdict = Verdict::Exception;
    r.detail = e.what();
  } catch (...) {
    r.verdict = Verdict::Exception;
    r.detail = "(not a std::exception)";
  }
  return r;
}

bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Reads exactly n bytes unless the deadline passes (returns -1) or the pipe
// closes (returns 0); 1 on success.
int read_all(int fd, void* data, size_t n, std::chrono::steady_clock::time_point deadline) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    pollfd pfd{fd, POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (pr == 0) return -1;
    if (pr < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    ssize_t got = ::read(fd, p, n);
    if (got <= 0) return 0;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return 1;
}

}  // namespace

std::string temp_path(const char* tag) {
  return (fs::temp_directory_path() /
          ("neuro_robust_" + std::to_string(::getpid()) + "_" + tag + ".neuro"))
      .string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<Result> compile_isolated(const std::vector<std::string>& texts, double timeout_s) {
  std::vector<Result> results(texts.size());
  const std::string path = temp_path("batch");  // the child's working file
  size_t next = 0;
  while (next < texts.size()) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      // Let a crash kill the child plainly (doctest's handlers would report
      // it as a crash of the whole test run and print a summary from here).
      for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM}) ::signal(sig, SIG_DFL);
      for (size_t k = next; k < texts.size(); ++k) {
        write_file(path, texts[k]);
        Result r = judge(path);
        uint32_t head[3] = {static_cast<uint32_t>(k), static_cast<uint32_t>(r.verdict),
                            static_cast<uint32_t>(std::min<size_t>(r.detail.size(), 4000))};
        if (!write_all(fds[1], head, sizeof head) || !write_all(fds[1], r.detail.data(), head[2]))
          break;
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    const auto budget = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(timeout_s));
    bool child_gone = false;
    while (next < texts.size()) {
      uint32_t head[3];
      int got = read_all(fds[0], head, sizeof head, std::chrono::steady_clock::now() + budget);
      if (got == 1) {
        std::string detail(head[2], '\0');
        if (read_all(fds[0], detail.data(), detail.size(),
                     std::chrono::steady_clock::now() + budget) != 1)
          got = 0;
        if (got == 1 && head[0] == next) {
          results[next++] = {static_cast<Verdict>(head[1]), detail};
          continue;
        }
      }
      // Timed out, or the child died while compiling texts[next]. (Killing
      // a child that already died does not change its exit status.)
      if (got == -1)
        results[next] = {Verdict::TimedOut, "no answer within " + std::to_string(timeout_s) + " s"};
      else
        results[next] = {Verdict::Crashed, "child died"};
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (got != -1 && WIFSIGNALED(status))
        results[next].detail = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                               strsignal(WTERMSIG(status)) + ")";
      child_gone = true;
      ++next;
      break;
    }
    ::close(fds[0]);
    if (!child_gone) {
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
  std::error_code ec;
  fs::remove(path, ec);
  return results;
}

Result compile_one_isolated(const std::string& text) {
  return compile_isolated({text})[0];
}

size_t report_failures(const std::vector<std::string>& texts, const std::vector<Result>& results,
                       const std::string& what, bool save) {
  size_t bad = 0;
  for (size_t k = 0; k < texts.size(); ++k) {
    if (acceptable(results[k].verdict)) continue;
    if (++bad > 5) continue;
    std::string saved = "(not saved)";
    if (save) {
      saved = (fs::temp_directory_path() / ("neuro_robust_failure_" + std::to_string(::getpid()) +
                                            "_" + std::to_string(k) + ".neuro"))
                  .string();
      write_file(saved, texts[k]);
    }
    std::string excerpt = texts[k].substr(0, 300);
    FAIL_CHECK(what << " #" << k << ": " << std::string(verdict_name(results[k].verdict)) << " — "
                    << results[k].detail << "\n  input saved to " << saved
                    << "\n  begins: " << excerpt);
  }
  return bad;
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const char* dir : {"/examples", "/stdlib"})
    for (const auto& e : fs::directory_iterator(std::string(NEURO_SOURCE_DIR) + dir))
      if (e.is_regular_file() && e.path().extension() == ".neuro") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace neuro::testing
