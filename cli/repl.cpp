#include "cli/repl.h"

#include <editline/readline.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/repl_session.h"

namespace neuro::cli {

namespace {

namespace fs = std::filesystem;

ReplSession* g_session = nullptr;
volatile sig_atomic_t g_sigint = 0;

// Ctrl-C: stops a running simulation between steps; at the prompt it
// abandons the line being typed.
extern "C" void repl_on_sigint(int) {
  g_sigint = 1;
  if (g_session) g_session->interrupt.store(true);
}

std::string history_path() {
  const char* state = std::getenv("XDG_STATE_HOME");
  fs::path dir;
  if (state && *state) {
    dir = fs::path(state) / "neuro";
  } else {
    const char* home = std::getenv("HOME");
    if (!home || !*home) return "";
    dir = fs::path(home) / ".local" / "state" / "neuro";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  return (dir / "history").string();
}

std::vector<std::string> g_matches;

char* next_match(const char* text, int state) {
  (void)text;
  static size_t index;
  if (state == 0) index = 0;
  if (index >= g_matches.size()) return nullptr;
  return strdup(g_matches[index++].c_str());
}

char** complete(const char* text, int start, int end) {
  (void)start;
  std::string line(rl_line_buffer, static_cast<size_t>(end));
  auto all = g_session->complete(line);
  // The completer replaces the word readline found; ours may include `P.`.
  std::string word(text);
  g_matches.clear();
  size_t cut = line.size() >= word.size() ? line.size() - word.size() : 0;
  size_t our_start = line.find_last_of(" \t(,[{");
  size_t ours = our_start == std::string::npos ? 0 : our_start + 1;
  for (auto& m : all) {
    // Trim what lies before readline's word start.
    if (cut > ours && m.size() >= cut - ours) m = m.substr(cut - ours);
    g_matches.push_back(m);
  }
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, next_match);
}

int interactive() {
  ReplSession session(
      [](const std::string& s) { std::fputs(s.c_str(), stdout), std::fflush(stdout); },
      [](const std::string& s) { std::fputs(s.c_str(), stderr), std::fflush(stderr); });
  g_session = &session;
  std::string hist = history_path();
  using_history();
  if (!hist.empty()) read_history(hist.c_str());
  rl_attempted_completion_function = complete;
  rl_completer_word_break_characters = const_cast<char*>(" \t\n()[]{},=+-*/<>");
  struct sigaction sa {};
  sa.sa_handler = repl_on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  std::printf("neuro 0.1.0 — type declarations, `run C for 100 ms`, :help, :quit\n");
  std::string pending;
  while (true) {
    g_sigint = 0;
    char* raw = readline(pending.empty() ? "neuro> " : "   ...> ");
    if (!raw) {  // Ctrl-D
      std::printf("\n");
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (g_sigint) {  // Ctrl-C while typing: drop the construct
      pending.clear();
      continue;
    }
    // From here on a Ctrl-C stops what this line runs, even one that comes
    // before its run has started.
    session.interrupt = false;
    if (!line.empty()) {
      add_history(line.c_str());
      // Written at once, so a crash or a kill loses nothing typed.
      if (!hist.empty()) write_history(hist.c_str());
    }
    pending += line + "\n";
    auto r = session.feed(pending);
    if (r == ReplSession::Result::NeedMore) continue;
    pending.clear();
    if (r == ReplSession::Result::Quit) break;
  }
  g_session = nullptr;
  return 0;
}

int piped() {
  ReplSession session(
      [](const std::string& s) { std::fputs(s.c_str(), stdout), std::fflush(stdout); },
      [](const std::string& s) { std::fputs(s.c_str(), stderr), std::fflush(stderr); });
  g_session = &session;
  signal(SIGINT, repl_on_sigint);
  std::string pending, line;
  while (std::getline(std::cin, line)) {
    session.interrupt = false;
    pending += line + "\n";
    auto r = session.feed(pending);
    if (r == ReplSession::Result::NeedMore) continue;
    pending.clear();
    if (r == ReplSession::Result::Quit) return 0;
  }
  if (!pending.empty()) {
    // The input ended inside a construct: say so, as a file would.
    session.feed(pending, true);
  }
  g_session = nullptr;
  return 0;
}

}  // namespace

int run_repl() {
  return isatty(STDIN_FILENO) ? interactive() : piped();
}

}  // namespace neuro::cli
