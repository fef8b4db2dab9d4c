// A one-line progress bar for long runs, on a terminal only:
//
//   [=====>        ]  45%  sim 0.45 s / 1 s  elapsed 2.1 s  ETA 2.6 s  0.21x real time
//
// The caller runs the simulation in chunks of chunk() steps and calls
// update() between them, so the clock is read once per chunk (about every
// 20 ms), never per step. Nothing is drawn until 0.5 s of wall time have
// passed, and then only when the whole run looks set to take more than 2 s.
// Redrawn at most 10 times a second; finish() (or the destructor) clears it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace neuro::io {

class ProgressBar {
 public:
  struct Options {
    bool enabled = true;  // false: draws nothing, chunk() is the whole run
    std::FILE* out = stderr;
    std::function<double()> clock;  // seconds; empty: std::chrono::steady_clock
    int columns = 0;                // line width; 0: the terminal's, 80 when unknown
    double decide_after_s = 0.5;    // wall time before deciding whether to show
    double show_if_longer_s = 2.0;  // shown when the run's estimate exceeds this
    double redraw_every_s = 0.1;
    double chunk_s = 0.02;  // wall time one chunk of steps aims at
  };

  // Enabled when stderr is a terminal.
  static Options for_stderr();

  ProgressBar(uint64_t total_steps, double dt_s, Options options);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return opt_.enabled; }
  bool shown() const { return shown_; }
  // Steps to run before the next update().
  uint64_t chunk() const { return chunk_; }
  // `steps_done` steps of the total are done.
  void update(uint64_t steps_done);
  // Clears the line when one was drawn. Idempotent.
  void finish();

  // The text of the line (without the carriage return), narrower than
  // `columns`; the bar is `bar_width` wide (0: what fits, up to 30) and left
  // out when fewer than 10 characters remain for it.
  static std::string format_line(uint64_t steps_done, uint64_t total_steps, double dt_s,
                                 double elapsed_s, int columns, int bar_width = 0);

 private:
  double now() const;

  Options opt_;
  uint64_t total_;
  double dt_;
  double start_ = 0, last_draw_ = -1, last_update_ = 0;
  uint64_t last_steps_ = 0, chunk_ = 1;
  int bar_width_ = 0;  // fixed at the first draw; -1: no bar
  bool decided_ = false, shown_ = false, finished_ = false;
};

}  // namespace neuro::io
