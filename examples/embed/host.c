/* The closed loop of host.cpp through the C API (neuro/neuro.h), in C99.
 * Every 10 ms of simulated time the host reads the spikes recorded since
 * the last window (neuro_spikes: the recording grows, the host remembers
 * how far it had read) and moves the input current I_e against the error
 * from the target rate — integral negative feedback.
 *
 *   host_c [MODEL] [TARGET_HZ]   (default: feedback.neuro next to this file, 20 Hz)
 */
#include <neuro/neuro.h>

#include <stdio.h>
#include <stdlib.h>

#ifndef NEURO_EMBED_MODEL
#define NEURO_EMBED_MODEL "feedback.neuro"
#endif

/* Diagnostics arrive here as they are produced (rendered with source line and hint). */
static void on_diagnostic(void* user, const neuro_diagnostic* d) {
  (void)user;
  fputs(d->rendered, stderr);
}

static int fail(neuro_engine* e, const char* what, neuro_result r) {
  fprintf(stderr, "host_c: %s failed: %s: %s\n", what, neuro_result_name(r), neuro_last_error());
  neuro_free(e);
  return 1;
}

int main(int argc, char** argv) {
  const char* model = argc > 1 ? argv[1] : NEURO_EMBED_MODEL;
  const double target_hz = argc > 2 ? atof(argv[2]) : 20.0;
  const double window = 0.010, duration = 1.0, gain = 0.001;
  neuro_config config = {0};
  neuro_engine* e;
  neuro_result r;
  size_t n = 0, seen = 0, total = 0, i;
  double* input;
  double current = 0.15, t = 0, late_spikes = 0, late_time = 0;

  config.diagnostic = on_diagnostic;
  e = neuro_new(&config);
  if (!e) return fail(e, "creating the engine", NEURO_OUT_OF_MEMORY);
  if ((r = neuro_load_file(e, model)) != NEURO_OK) return fail(e, "loading the model", r);
  if ((r = neuro_build(e, NULL)) != NEURO_OK) return fail(e, "building", r);
  if ((r = neuro_population_size(e, "P", &n)) != NEURO_OK) return fail(e, "sizing P", r);
  input = malloc(n * sizeof *input);
  if (!input) return fail(e, "allocating", NEURO_OUT_OF_MEMORY);

  printf("# closed loop: %zu neurons, target %.1f Hz, window %.0f ms\n", n, target_hz,
         window * 1e3);
  while (t < duration - 1e-9) {
    const uint32_t* ids;
    const double* times;
    size_t count, fresh;
    double rate;
    for (i = 0; i < n; ++i) input[i] = current;
    if ((r = neuro_set(e, "P.I_e", "nA", input, n)) != NEURO_OK) return fail(e, "setting P.I_e", r);
    if ((r = neuro_run(e, window)) != NEURO_OK) return fail(e, "running", r);
    neuro_time(e, &t);
    /* Every spike recorded so far; the ones past `seen` are this window's. */
    if ((r = neuro_spikes(e, "P", &ids, &times, &count)) != NEURO_OK)
      return fail(e, "reading spikes", r);
    fresh = count - seen;
    seen = count;
    total += fresh;
    rate = (double)fresh / ((double)n * window);
    if (t > duration / 2 + 1e-9) late_spikes += (double)fresh, late_time += window;
    printf("t=%4.0f ms  spikes=%3zu  rate=%6.1f Hz  I_e=%.4f nA\n", t * 1e3, fresh, rate, current);
    current += gain * (target_hz - rate);
    if (current < 0) current = 0;
  }
  printf("total spikes=%zu recorded=%zu  late rate=%.2f Hz  target=%.1f Hz\n", total, seen,
         late_spikes / ((double)n * late_time), target_hz);
  free(input);
  neuro_free(e);
  return 0;
}
