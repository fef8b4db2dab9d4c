// The "effect of n" curve of Ahmad & Hawkins (2016): the chance that a
// dendritic segment of s = 24 synapses with threshold θ = 12 falsely
// matches a random pattern of a active cells out of n, for a = 64, 128 and
// 256. The probabilities are computed by the language's false_match()
// (stdlib theory, in log space) in a population with one neuron per n; the
// host reads them back, prints a table and writes an SVG plot on a log axis.
//
//   ./build/examples/neuro_effect_of_n [plot.svg]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "io/svg.h"
#include "neuro/engine.h"

namespace {

constexpr int kPoints = 48;  // n = 300, 400, …, 5000
double n_of(int k) {
  return 300 + 100.0 * k;
}

const char* kModel = R"(
neuron Point {
  param n = 300
  let p64 = false_match(n, 64, 24, 12)
  let p128 = false_match(n, 128, 24, 12)
  let p256 = false_match(n, 256, 24, 12)
}
circuit Curve {
  P = Point[48] { n = 300 + 100 * i }
  record p64, p128, p256 of P
}
run Curve for 0.1 ms
)";

// A log-y line plot of the three curves.
std::string plot(const std::vector<std::vector<double>>& curves) {
  using neuro::io::svg_num;
  const double W = 640, H = 420, L = 80, R = 20, T = 40, B = 60;
  neuro::io::SvgDocument svg(W, H);
  svg.rect(0, 0, W, H, "#fff");
  const double ylo = -20, yhi = 0;  // log10 P
  auto X = [&](double n) { return L + (n - 300) / (5000 - 300) * (W - L - R); };
  auto Y = [&](double lp) {
    return T + (yhi - std::clamp(lp, ylo, yhi)) / (yhi - ylo) * (H - T - B);
  };
  svg.line(L, H - B, W - R, H - B, "#222");
  svg.line(L, T, L, H - B, "#222");
  for (int e = -20; e <= 0; e += 5) {
    svg.line(L - 4, Y(e), L, Y(e), "#222");
    svg.text(L - 8, Y(e) + 4, "1e" + std::to_string(e), 11, neuro::io::SvgDocument::Anchor::end);
  }
  for (int n = 1000; n <= 5000; n += 1000) {
    svg.line(X(n), H - B, X(n), H - B + 4, "#222");
    svg.text(X(n), H - B + 18, std::to_string(n), 11, neuro::io::SvgDocument::Anchor::middle);
  }
  svg.text((L + W - R) / 2, H - 14, "n (cells)", 13, neuro::io::SvgDocument::Anchor::middle);
  svg.text(18, (T + H - B) / 2, "false match probability", 13,
           neuro::io::SvgDocument::Anchor::middle, "#222", false, true);
  svg.text(L, 24, "Effect of n: s = 24, theta = 12 (Ahmad & Hawkins 2016)", 14,
           neuro::io::SvgDocument::Anchor::start, "#222", true);
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c"};
  const char* labels[] = {"a = 64", "a = 128", "a = 256"};
  for (size_t c = 0; c < curves.size(); ++c) {
    std::string d;
    for (int k = 0; k < kPoints; ++k)
      d += (k ? " L" : "M") + svg_num(X(n_of(k))) + " " + svg_num(Y(std::log10(curves[c][k])));
    svg.path(d, colours[c], 2);
    svg.line(W - 150, T + 20 + 18 * c, W - 125, T + 20 + 18 * c, colours[c], 2);
    svg.text(W - 120, T + 24 + 18 * c, labels[c], 12);
  }
  return svg.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out = argc > 1 ? argv[1] : "effect_of_n.svg";
  neuro::Engine e;
  if (e.load_text(kModel, "effect_of_n.neuro") != neuro::Status::Ok ||
      e.build() != neuro::Status::Ok) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.rendered.c_str());
    return 1;
  }
  std::vector<std::vector<double>> curves;
  for (const char* v : {"P.p64", "P.p128", "P.p256"}) {
    std::vector<double> times, values;
    std::vector<uint32_t> ids;
    if (e.trace(v, "", times, ids, values) != neuro::Status::Ok || ids.size() != kPoints) {
      std::fprintf(stderr, "effect_of_n: could not read %s\n", v);
      return 1;
    }
    curves.emplace_back(values.begin(), values.begin() + kPoints);  // the sample at t = 0
  }
  std::printf("%6s  %14s  %14s  %14s\n", "n", "a = 64", "a = 128", "a = 256");
  for (int k = 0; k < kPoints; k += (k < 7 ? 1 : 5))
    std::printf("%6.0f  %14.6e  %14.6e  %14.6e\n", n_of(k), curves[0][k], curves[1][k],
                curves[2][k]);
  std::ofstream f(out);
  f << plot(curves);
  if (!f) {
    std::fprintf(stderr, "effect_of_n: cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
