#include "io/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/svg.h"
#include "io/ticks.h"

namespace neuro::io {

namespace {

using Anchor = SvgDocument::Anchor;

constexpr double kTitleSize = 15, kLabelSize = 12.5, kTickSize = 11;
constexpr double kCharWidth = 0.64;  // of the font size: wide enough for digits in DejaVu Sans
constexpr const char *kInk = "#222", *kGrid = "#e5e5e5", *kMuted = "#666";
// Ten distinguishable colours (the Tableau palette), repeated past ten.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

double text_width(const std::string& s, double size) {
  // Counts characters, not bytes, for the occasional UTF-8 letter.
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return static_cast<double>(n) * size * kCharWidth;
}

// One plot area with its axes: the ranges, the ticks, the frame, the titles.
struct Chart {
  SvgDocument svg;
  double width, height;
  double left = 0, right = 0, top = 44, bottom = 0;  // the plot area, in pixels
  double x0, x1, y0, y1;                             // its data ranges
  Ticks xt, yt;
  std::string xtitle, ytitle;

  Chart(const PlotOptions& o, double x0_, double x1_, double y0_, double y1_, Ticks xt_, Ticks yt_,
        std::string xtitle_, std::string ytitle_, double legend_width = 0)
      : svg(o.width, o.height),
        width(o.width),
        height(o.height),
        x0(x0_),
        x1(x1_),
        y0(y0_),
        y1(y1_),
        xt(std::move(xt_)),
        yt(std::move(yt_)),
        xtitle(std::move(xtitle_)),
        ytitle(std::move(ytitle_)) {
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!(y1 > y0)) y1 = y0 + 1;
    double label_w = 0;
    for (double v : yt.values)
      label_w = std::max(label_w, text_width(format_fixed(v, yt.decimals), kTickSize));
    left = std::round(22 + 10 + label_w + 8);  // axis title, gap, labels, tick
    right = width - 18 - legend_width;
    bottom = height - 52;
  }

  double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }

  // Title (left) and a note (grey) above the plot, the grid behind it. The
  // note goes right of the title, or under it when both do not fit.
  void begin(const std::string& title, const std::string& note) {
    svg.text(left, 27, title, kTitleSize, Anchor::start, kInk, true);
    if (text_width(title, kTitleSize) * 1.1 + 24 + text_width(note, kTickSize) <= right - left) {
      svg.text(right, 27, note, kTickSize, Anchor::end, kMuted);
    } else {
      top = 60;
      svg.text(left, 45, note, kTickSize, Anchor::start, kMuted);
    }
    svg.raw(
        fmt::format("<clipPath id=\"plot-area\"><rect x=\"{}\" y=\"{}\" width=\"{}\" "
                    "height=\"{}\"/></clipPath>\n",
                    svg_num(left), svg_num(top), svg_num(right - left), svg_num(bottom - top)));
    std::string grid;
    for (double v : xt.values)
      grid += fmt::format("M{} {}V{}", svg_num(px(v)), svg_num(top), svg_num(bottom));
    for (double v : yt.values)
      grid += fmt::format("M{} {}H{}", svg_num(left), svg_num(py(v)), svg_num(right));
    if (!grid.empty()) svg.path(grid, kGrid, 1, "none", "class=\"grid\"");
  }

  // The frame, tick marks, tick labels and axis titles, over the data.
  void end() {
    svg.rect(left, top, right - left, bottom - top, "none", kInk, 1);
    std::string ticks;
    for (double v : xt.values) ticks += fmt::format("M{} {}v5", svg_num(px(v)), svg_num(bottom));
    for (double v : yt.values) ticks += fmt::format("M{} {}h-5", svg_num(left), svg_num(py(v)));
    if (!ticks.empty()) svg.path(ticks, kInk, 1, "none", "class=\"ticks\"");
    for (double v : xt.values)
      svg.text(px(v), bottom + 19, format_fixed(v, xt.decimals), kTickSize, Anchor::middle, kInk);
    for (double v : yt.values)
      svg.text(left - 8, py(v) + kTickSize * 0.36, format_fixed(v, yt.decimals), kTickSize,
               Anchor::end, kInk);
    svg.text((left + right) / 2, height - 12, xtitle, kLabelSize, Anchor::middle, kInk);
    svg.text(20, (top + bottom) / 2, ytitle, kLabelSize, Anchor::middle, kInk, false, true);
  }

  // A message in the middle of an empty plot.
  void empty_note(const std::string& text) {
    svg.text((left + right) / 2, (top + bottom) / 2, text, kLabelSize, Anchor::middle, kMuted);
  }
};

std::string plural(uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

double time_end_ms(const std::vector<double>& times_s, const PlotOptions& o) {
  double end = o.t_end_s > 0 ? o.t_end_s : 0;
  if (end == 0)
    for (double t : times_s)
      if (std::isfinite(t)) end = std::max(end, t);
  return end > 0 ? end * 1e3 : 1.0;
}

size_t population_size(const SpikeRecording& r, const PlotOptions& o) {
  if (o.population_size > 0) return o.population_size;
  size_t n = 0;
  for (uint32_t id : r.ids) n = std::max<size_t>(n, static_cast<size_t>(id) + 1);
  return std::max<size_t>(n, 1);
}

std::string unit_suffix(const std::string& unit) {
  return unit.empty() || unit == "1" ? "" : " (" + unit + ")";
}

}  // namespace

double rate_bin_s(double duration_s, double dt_s) {
  double bin = nice_step(std::max(duration_s, 1e-9) / 100);
  if (dt_s > 0) bin = std::max(1.0, std::round(bin / dt_s)) * dt_s;
  return bin;
}

std::string raster_svg(const SpikeRecording& r, const PlotOptions& o) {
  const double t_end = time_end_ms(r.times, o);
  const size_t n = population_size(r, o);
  Ticks yt = nice_ticks(0, static_cast<double>(n - 1), 6, 1);
  Chart c(o, 0, t_end, -0.5, static_cast<double>(n) - 0.5, nice_ticks(0, t_end, 8), yt, "time (ms)",
          "neuron id");
  c.begin(o.title.empty() ? r.population + ": spikes" : o.title,
          fmt::format("{}, {}", plural(r.ids.size(), "spike", "spikes"),
                      plural(n, "neuron", "neurons")));
  const double row = (c.bottom - c.top) / static_cast<double>(n);
  const double h = std::clamp(row * 0.8, 1.5, 10.0);
  std::string d;
  d.reserve(r.ids.size() * 16);
  for (size_t k = 0; k < r.ids.size(); ++k)
    d += fmt::format("M{} {}v{}", svg_num(c.px(r.times[k] * 1e3)), svg_num(c.py(r.ids[k]) - h / 2),
                     svg_num(h));
  c.svg.path(d, "#1a3a6e", 1.5, "none", "class=\"spikes\" clip-path=\"url(#plot-area)\"");
  if (r.ids.empty()) c.empty_note("no spikes");
  c.end();
  return c.svg.str();
}

std::string rate_svg(const SpikeRecording& r, const PlotOptions& o) {
  const double t_end = time_end_ms(r.times, o);
  const size_t n = population_size(r, o);
  const double bin = (o.bin_s > 0 ? o.bin_s : rate_bin_s(t_end / 1e3, o.dt_s)) * 1e3;  // ms
  const size_t bins = std::max<size_t>(1, static_cast<size_t>(std::ceil(t_end / bin - 1e-9)));
  std::vector<double> count(bins, 0);
  // Spike times are step ends in (0, T]: bin k holds (k·bin, (k+1)·bin].
  for (double t : r.times) {
    if (!std::isfinite(t)) continue;  // (readers refuse them; a host's recording may not)
    double k = std::ceil(t * 1e3 / bin - 1e-9) - 1;
    count[static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(bins - 1)))] += 1;
  }
  std::vector<double> hz(bins);
  double top = 0;
  for (size_t k = 0; k < bins; ++k) {
    double width_ms = std::min(bin, t_end - static_cast<double>(k) * bin);
    hz[k] = width_ms > 0 ? count[k] / static_cast<double>(n) / (width_ms * 1e-3) : 0;
    top = std::max(top, hz[k]);
  }
  Ticks yt = nice_ticks(0, top > 0 ? top * 1.08 : 1, 6);
  double ymax = std::max(top * 1.08, yt.values.empty() ? 1.0 : yt.values.back());
  if (!(ymax > 0)) ymax = 1;
  Chart c(o, 0, t_end, 0, ymax, nice_ticks(0, t_end, 8), yt, "time (ms)", "rate (Hz)");
  c.begin(
      o.title.empty() ? r.population + ": population rate" : o.title,
      fmt::format("mean {:.3g} Hz, {:.6g} ms bins, {}, {}",
                  static_cast<double>(r.ids.size()) / static_cast<double>(n) / (t_end * 1e-3), bin,
                  plural(r.ids.size(), "spike", "spikes"), plural(n, "neuron", "neurons")));
  std::string d = fmt::format("M{} {}", svg_num(c.px(0)), svg_num(c.py(0)));
  for (size_t k = 0; k < bins; ++k) {
    double a = static_cast<double>(k) * bin, b = std::min(t_end, a + bin);
    d += fmt::format("V{}H{}", svg_num(c.py(hz[k])), svg_num(c.px(b)));
  }
  d += fmt::format("V{}Z", svg_num(c.py(0)));
  c.svg.path(d, "#2166ac", 1.2, "#a6c8e4", "class=\"rate\" clip-path=\"url(#plot-area)\"");
  c.end();
  return c.svg.str();
}

std::string traces_svg(const StateRecording& r, const PlotOptions& o) {
  const size_t n = r.ids.size(), samples = r.times.size();
  const size_t lines = std::min(n, o.max_traces);
  const double scale = r.unit_scale != 0 ? r.unit_scale : 1;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (size_t s = 0; s < samples; ++s)
    for (size_t k = 0; k < lines; ++k) {
      double v = r.values[s * n + k] / scale;
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  if (!(hi >= lo)) lo = 0, hi = 1;
  if (hi == lo) {
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad, hi += pad;
  }
  const double pad = (hi - lo) * 0.05;
  lo -= pad, hi += pad;
  double t_end = time_end_ms(r.times, o);
  double t_start = 0;
  std::string label = r.variable + unit_suffix(r.unit);
  std::vector<std::string> legend;
  for (size_t k = 0; k < lines && lines > 1; ++k) legend.push_back(fmt::format("id {}", r.ids[k]));
  double legend_w = 0;
  for (const auto& s : legend) legend_w = std::max(legend_w, 34 + text_width(s, kTickSize));
  Chart c(o, t_start, t_end, lo, hi, nice_ticks(t_start, t_end, 8), nice_ticks(lo, hi, 6),
          "time (ms)", label, legend_w);
  std::string note = lines == 1  ? fmt::format("neuron {}", r.ids[0])
                     : lines < n ? fmt::format("first {} of {} recorded neurons", lines, n)
                                 : plural(n, "neuron", "neurons");
  note += fmt::format(", {}", plural(samples, "sample", "samples"));
  c.begin(o.title.empty() ? r.population + ": " + r.variable : o.title, note);

  // Long recordings: per pixel column keep the first, lowest, highest and
  // last sample, which keeps every spike's peak and trough visible.
  const double columns = c.right - c.left;
  const bool decimate = static_cast<double>(samples) > 2 * columns;
  for (size_t k = 0; k < lines; ++k) {
    std::vector<size_t> keep;
    if (!decimate) {
      for (size_t s = 0; s < samples; ++s) keep.push_back(s);
    } else {
      size_t s = 0;
      while (s < samples) {
        const double col = std::floor(c.px(r.times[s] * 1e3));
        size_t first = s, last = s, mn = s, mx = s;
        for (; s < samples && std::floor(c.px(r.times[s] * 1e3)) == col; ++s) {
          double v = r.values[s * n + k];
          last = s;
          if (!std::isfinite(v)) continue;
          if (!std::isfinite(r.values[mn * n + k]) || v < r.values[mn * n + k]) mn = s;
          if (!std::isfinite(r.values[mx * n + k]) || v > r.values[mx * n + k]) mx = s;
        }
        size_t pick[] = {first, std::min(mn, mx), std::max(mn, mx), last};
        for (size_t p : pick)
          if (keep.empty() || keep.back() < p) keep.push_back(p);
      }
    }
    std::string d;
    bool pen = false;
    for (size_t s : keep) {
      double v = r.values[s * n + k] / scale;
      if (!std::isfinite(v)) {
        pen = false;
        continue;
      }
      d += fmt::format("{}{} {}", pen ? "L" : "M", svg_num(c.px(r.times[s] * 1e3)),
                       svg_num(c.py(v)));
      pen = true;
    }
    if (!d.empty())
      c.svg.path(
          d, kPalette[k % 10], 1.3, "none",
          fmt::format("class=\"trace\" data-id=\"{}\" clip-path=\"url(#plot-area)\"", r.ids[k]));
  }
  if (samples == 0 || lines == 0) c.empty_note("no samples");
  c.end();
  const double spacing =
      legend.empty() ? 0
                     : std::min(16.0, (c.bottom - c.top - 8) / static_cast<double>(legend.size()));
  for (size_t k = 0; k < legend.size(); ++k) {
    double y = c.top + 8 + spacing * static_cast<double>(k);
    c.svg.line(c.right + 12, y, c.right + 30, y, kPalette[k % 10], 2);
    c.svg.text(c.right + 35, y + kTickSize * 0.36, legend[k], kTickSize, Anchor::start, kInk);
  }
  return c.svg.str();
}

std::string weight_histogram_svg(const std::vector<double>& weights, const std::string& unit,
                                 const PlotOptions& o) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  size_t finite = 0;
  for (double w : weights)
    if (std::isfinite(w)) lo = std::min(lo, w), hi = std::max(hi, w), ++finite;
  if (finite == 0) lo = 0, hi = 1;
  // About √n bins (5 to 50) of a nice width, aligned to multiples of it.
  double bins_wanted = std::clamp(std::ceil(std::sqrt(static_cast<double>(finite))), 5.0, 50.0);
  // All weights equal: one narrow bar centred in a range ten bars wide.
  const bool single = !(hi > lo);
  double w = single ? nice_step(lo == 0 ? 0.1 : std::fabs(lo) * 0.05)
                    : nice_step_near(hi - lo, bins_wanted);
  double start = single ? lo - w / 2 : std::floor(lo / w + 1e-9) * w;
  size_t bins = single ? 1 : static_cast<size_t>(std::floor((hi - start) / w + 1e-9)) + 1;
  std::vector<double> count(bins, 0);
  for (double v : weights) {
    if (!std::isfinite(v)) continue;
    double k = std::floor((v - start) / w + 1e-9);
    count[static_cast<size_t>(std::clamp(k, 0.0, static_cast<double>(bins - 1)))] += 1;
  }
  double top = *std::max_element(count.begin(), count.end());
  double x_start = single ? lo - 5 * w : start,
         x_end = single ? lo + 5 * w : start + static_cast<double>(bins) * w;
  Ticks yt = nice_ticks(0, top > 0 ? top * 1.08 : 1, 6, 1);
  double ymax = std::max(top * 1.08, yt.values.empty() ? 1.0 : yt.values.back());
  if (!(ymax > 0)) ymax = 1;
  Chart c(o, x_start, x_end, 0, ymax, nice_ticks(x_start, x_end, 8), yt,
          "weight" + unit_suffix(unit), "synapses");
  std::string note = plural(finite, "synapse", "synapses");
  if (finite > 0)
    note += fmt::format(", bins of {:.6g}{}", w, unit.empty() || unit == "1" ? "" : " " + unit);
  c.begin(o.title.empty() ? "synaptic weights" : o.title, note);
  std::string d;
  for (size_t k = 0; k < bins; ++k) {
    if (count[k] == 0) continue;
    double a = c.px(start + static_cast<double>(k) * w),
           b = c.px(start + static_cast<double>(k + 1) * w);
    d += fmt::format("M{} {}V{}H{}V{}Z", svg_num(a), svg_num(c.py(0)), svg_num(c.py(count[k])),
                     svg_num(b), svg_num(c.py(0)));
  }
  if (!d.empty()) c.svg.path(d, "#2166ac", 1, "#a6c8e4", "class=\"bars\"");
  if (finite == 0) c.empty_note("no weights");
  c.end();
  return c.svg.str();
}

}  // namespace neuro::io
