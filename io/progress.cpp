#include "io/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

namespace neuro::io {

namespace {

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt::format("{:.1f} s", s);
  auto total = static_cast<long long>(std::round(s));
  if (total < 3600) return fmt::format("{}:{:02} min", total / 60, total % 60);
  return fmt::format("{}:{:02}:{:02} h", total / 3600, total / 60 % 60, total % 60);
}

int terminal_columns(std::FILE* out) {
  winsize w{};
  if (ioctl(fileno(out), TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

}  // namespace

ProgressBar::Options ProgressBar::for_stderr() {
  Options o;
  const char* term = std::getenv("TERM");
  o.enabled = isatty(STDERR_FILENO) != 0 && !(term && std::string(term) == "dumb");
  return o;
}

ProgressBar::ProgressBar(uint64_t total_steps, double dt_s, Options options)
    : opt_(std::move(options)), total_(total_steps), dt_(dt_s) {
  if (!opt_.enabled) {
    chunk_ = std::max<uint64_t>(total_, 1);
    return;
  }
  if (opt_.columns <= 0) opt_.columns = terminal_columns(opt_.out);
  start_ = last_update_ = now();
  chunk_ = std::clamp<uint64_t>(total_ / 1000, 1, 64);  // a first guess; update() measures
}

ProgressBar::~ProgressBar() {
  finish();
}

double ProgressBar::now() const {
  if (opt_.clock) return opt_.clock();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void ProgressBar::update(uint64_t steps_done) {
  if (!opt_.enabled || finished_) return;
  const double t = now();
  // Next chunk: as many steps as fit in chunk_s at the speed just measured,
  // at most 4× the last one (the first chunks may include warm-up).
  const double took = t - last_update_;
  const uint64_t did = steps_done > last_steps_ ? steps_done - last_steps_ : 0;
  if (did > 0 && took > 0) {
    double want = static_cast<double>(did) * opt_.chunk_s / took;
    chunk_ =
        static_cast<uint64_t>(std::llround(std::clamp(want, 1.0, static_cast<double>(chunk_) * 4)));
  } else if (did > 0) {
    chunk_ = std::min<uint64_t>(chunk_ * 4, uint64_t{1} << 24);
  }
  last_update_ = t;
  last_steps_ = steps_done;

  const double elapsed = t - start_;
  if (!decided_) {
    if (elapsed < opt_.decide_after_s || steps_done == 0) return;
    decided_ = true;
    const double estimate = elapsed * static_cast<double>(total_) / static_cast<double>(steps_done);
    shown_ = estimate > opt_.show_if_longer_s && steps_done < total_;
  }
  if (!shown_ || (last_draw_ >= 0 && t - last_draw_ < opt_.redraw_every_s)) return;
  last_draw_ = t;
  // The bar's width is fixed at the first draw, with room for the text to grow a little.
  if (bar_width_ == 0) {
    const auto first = format_line(steps_done, total_, dt_, elapsed, opt_.columns);
    const auto open = first.find(']');
    bar_width_ = open == std::string::npos ? -1 : std::max(10, static_cast<int>(open) - 1 - 6);
  }
  std::fputs(
      ("\r" + format_line(steps_done, total_, dt_, elapsed, opt_.columns, bar_width_) + "\x1b[K")
          .c_str(),
      opt_.out);
  std::fflush(opt_.out);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (shown_) {
    std::fputs("\r\x1b[K", opt_.out);
    std::fflush(opt_.out);
  }
}

std::string ProgressBar::format_line(uint64_t steps_done, uint64_t total_steps, double dt_s,
                                     double elapsed_s, int columns, int bar_width) {
  const double frac =
      total_steps > 0 ? std::min(1.0, static_cast<double>(steps_done) / total_steps) : 1.0;
  const double sim = static_cast<double>(steps_done) * dt_s,
               total_sim = static_cast<double>(total_steps) * dt_s;
  const double eta = frac > 0 ? elapsed_s * (1 - frac) / frac : NAN;
  const double ratio = elapsed_s > 0 ? sim / elapsed_s : NAN;
  const std::string speed = !std::isfinite(ratio) ? "?"
                            : ratio >= 10         ? fmt::format("{:.0f}", ratio)
                                                  : fmt::format("{:.2g}", ratio);
  // Simulated time as wide as the total, so that the line does not jitter.
  const int decimals = total_sim < 10 ? 2 : total_sim < 100 ? 1 : 0;
  const std::string total_text = fmt::format("{:.{}f}", total_sim, decimals);
  std::string info = fmt::format("{:3.0f}%  sim {:>{}.{}f}/{} s  elapsed {}  ETA {}  {}x real time",
                                 std::floor(frac * 100), sim, total_text.size(), decimals,
                                 total_text, duration_text(elapsed_s), duration_text(eta), speed);
  // The bar takes what is left of the line (10 to 30 characters); on a
  // narrow terminal the elapsed time goes first.
  int room = columns - 1 - static_cast<int>(info.size()) - 3;
  if (room < 16) {
    info =
        fmt::format("{:3.0f}%  sim {:>{}.{}f}/{} s  ETA {}  {}x real time", std::floor(frac * 100),
                    sim, total_text.size(), decimals, total_text, duration_text(eta), speed);
    room = columns - 1 - static_cast<int>(info.size()) - 3;
  }
  const int width = bar_width > 0 ? std::min(bar_width, room) : std::min(room, 30);
  if (width < 10) return info.substr(0, static_cast<size_t>(std::max(0, columns - 1)));
  const int filled = static_cast<int>(std::floor(frac * width));
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(static_cast<size_t>(width), ' ');
  return "[" + bar + "] " + info;
}

}  // namespace neuro::io
