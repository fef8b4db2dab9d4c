// The progress bar of long runs (io/progress.h), driven by a fake clock.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "io/progress.h"
#include "tests/unit/io_fixtures.h"

using namespace neuro;
using neuro::testing::count;

// ---------------------------------------------------------------- progress

TEST_CASE("io: progress bar decides after 0.5 s, redraws at most 10×/s and clears its line") {
  auto text_of = [](std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    return s;
  };
  double now = 0;
  io::ProgressBar::Options o;
  o.clock = [&] { return now; };
  o.columns = 100;
  {
    // Fast: 10 000 steps in 0.6 s → 1.2 s in all, never shown.
    std::FILE* f = std::tmpfile();
    o.out = f;
    io::ProgressBar bar(20000, 1e-4, o);
    for (uint64_t done = 1000; done <= 20000; done += 1000) {
      now += 0.06;
      bar.update(done);
    }
    bar.finish();
    CHECK_FALSE(bar.shown());
    CHECK(text_of(f).empty());
    std::fclose(f);
  }
  now = 0;
  {
    // Slow: 100 steps per 20 ms, 100 000 steps → 20 s; shown from 0.5 s on.
    std::FILE* f = std::tmpfile();
    o.out = f;
    io::ProgressBar bar(100000, 1e-4, o);
    uint64_t done = 0;
    int updates = 0;
    while (done < 100000 && now < 3.0) {
      now += 0.02;
      done += 100;
      bar.update(done);
      ++updates;
    }
    CHECK(bar.shown());
    CHECK(bar.chunk() == 100);  // as many steps as take 20 ms
    std::string before = text_of(f);
    // Drawn from 0.5 s to 3 s at most every 0.1 s: about 25 redraws of 150 updates.
    CHECK(count(before, "\r") >= 20);
    CHECK(count(before, "\r") <= 27);
    CHECK(before.find("real time") != std::string::npos);
    CHECK(before.find("ETA") != std::string::npos);
    bar.finish();
    std::string after = text_of(f);
    CHECK(after.substr(after.size() - 4) == "\r\x1b[K");
    std::fclose(f);
  }
  {
    io::ProgressBar::Options off;
    off.enabled = false;
    io::ProgressBar bar(12345, 1e-4, off);
    CHECK(bar.chunk() == 12345);  // the whole run in one go
    bar.update(12345);
    CHECK_FALSE(bar.shown());
  }
}

TEST_CASE("io: progress line fits the terminal and reports the speed") {
  std::string line = io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 100);
  CHECK(line.size() < 100);
  CHECK(line.find(" 25%") != std::string::npos);
  CHECK(line.find("sim 0.25/1.00 s") != std::string::npos);
  CHECK(line.find("elapsed 2.0 s") != std::string::npos);
  CHECK(line.find("ETA 6.0 s") != std::string::npos);
  CHECK(line.find("0.12x real time") != std::string::npos);
  CHECK(line.front() == '[');
  CHECK(io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 80).front() ==
        '[');  // a bar fits in 80 columns
  CHECK(io::ProgressBar::format_line(2500, 10000, 1e-4, 2.0, 40).size() < 40);
  CHECK(io::ProgressBar::format_line(10000, 10000, 1e-4, 200.0, 120).find("3:20 min") !=
        std::string::npos);
}
