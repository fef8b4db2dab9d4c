// A closed loop through the C++ embedding API (neuro/engine.h): the host
// holds a population at a target rate. Every 10 ms of simulated time it
// counts the spikes of the last 10 ms (delivered by a spike subscription)
// and moves the input current I_e against the error — integral negative
// feedback: too many spikes, less current; too few, more.
//
//   host [MODEL] [TARGET_HZ]     (default: feedback.neuro next to this file, 20 Hz)
//
// One line per 10 ms: time, spikes in the window, the population rate and
// the current it sets for the next window.
#include <neuro/engine.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#ifndef NEURO_EMBED_MODEL
#define NEURO_EMBED_MODEL "feedback.neuro"
#endif

namespace {

// Prints every diagnostic of the last call, source line and hint included.
int fail(const neuro::Engine& engine, const char* what) {
  std::fprintf(stderr, "host: %s failed\n", what);
  for (const auto& d : engine.diagnostics()) std::fprintf(stderr, "%s", d.rendered.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : NEURO_EMBED_MODEL;
  const double target_hz = argc > 2 ? std::atof(argv[2]) : 20.0;
  const double window = 0.010;  // seconds
  const double duration = 1.0;
  const double gain = 0.001;  // nA per Hz of error, per window

  neuro::EngineConfig config;
  config.write = [](std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); };
  neuro::Engine engine(std::move(config));
  if (engine.load_file(model) != neuro::Status::Ok) return fail(engine, "loading the model");
  if (engine.build() != neuro::Status::Ok) return fail(engine, "building");

  std::vector<double> v;
  if (engine.get("P.v", "mV", v) != neuro::Status::Ok) return fail(engine, "reading P.v");
  const size_t n = v.size();

  // Spikes arrive after every step that has any; the host only counts them.
  size_t window_spikes = 0, total_spikes = 0;
  int sub = engine.subscribe_spikes(
      "P", [&](std::span<const uint32_t> ids, double) { window_spikes += ids.size(); });
  if (sub < 0) return fail(engine, "subscribing to spikes");

  double current = 0.15;                  // nA
  double late_spikes = 0, late_time = 0;  // the second half, for the summary
  std::printf("# closed loop: %zu neurons, target %.1f Hz, window %.0f ms\n", n, target_hz,
              window * 1e3);
  while (engine.time() < duration - 1e-9) {
    // The same current for every neuron, as one value per neuron.
    std::vector<double> input(n, current);
    if (engine.set("P.I_e", "nA", input) != neuro::Status::Ok) return fail(engine, "setting P.I_e");
    window_spikes = 0;
    if (engine.run(window) != neuro::Status::Ok) return fail(engine, "running");
    const double rate = static_cast<double>(window_spikes) / (static_cast<double>(n) * window);
    total_spikes += window_spikes;
    if (engine.time() > duration / 2 + 1e-9)
      late_spikes += static_cast<double>(window_spikes), late_time += window;
    std::printf("t=%4.0f ms  spikes=%3zu  rate=%6.1f Hz  I_e=%.4f nA\n", engine.time() * 1e3,
                window_spikes, rate, current);
    current += gain * (target_hz - rate);
    if (current < 0) current = 0;
  }
  engine.unsubscribe(sub);

  // The recording holds the same spikes the subscription counted.
  std::vector<uint32_t> ids;
  std::vector<double> times;
  if (engine.spikes("P", ids, times) != neuro::Status::Ok)
    return fail(engine, "reading the recorded spikes");
  std::printf("total spikes=%zu recorded=%zu  late rate=%.2f Hz  target=%.1f Hz\n", total_spikes,
              ids.size(), late_spikes / (static_cast<double>(n) * late_time), target_hz);
  return 0;
}
