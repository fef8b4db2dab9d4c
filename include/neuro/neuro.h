/* The C embedding API: the ground of neuro::Engine (include/neuro/engine.h)
 * behind opaque handles and result codes, for C hosts and for other
 * languages' foreign-function interfaces (Python ctypes, Rust, Lua, …).
 *
 *   neuro_engine* e = neuro_new(NULL);
 *   if (neuro_load_file(e, "model.neuro") != NEURO_OK)
 *     fprintf(stderr, "%s\n", neuro_last_error());
 *   neuro_build(e, NULL);
 *   neuro_run(e, 0.1);                                  (seconds)
 *   size_t n;
 *   neuro_get(e, "P.v", "mV", NULL, 0, &n);             (how many?)
 *   double* v = malloc(n * sizeof *v);
 *   neuro_get(e, "P.v", "mV", v, n, &n);
 *   neuro_free(e);
 *
 * Conventions, for every function below:
 *
 * - No C++ exception crosses this interface. Every function that can fail
 *   returns a neuro_result; neuro_last_error() says why in words, and
 *   neuro_diagnostic_count()/neuro_get_diagnostic() give the details of
 *   errors in model text (file, line, column, code, hint).
 * - A neuro_engine* is a handle, not a pointer: it is checked on every call.
 *   NULL, a value that never came from neuro_new(), and a handle used after
 *   neuro_free() are answered with NEURO_INVALID_HANDLE, never undefined
 *   behaviour. Handles are not reused for the life of the process (on
 *   64-bit systems).
 * - Strings are NUL-terminated UTF-8. Where a unit is asked for, NULL or ""
 *   means SI (volt, second, siemens, ampere…); otherwise a unit symbol of
 *   the language ("mV", "ms", "nS", "nA", "Hz"), which must have the
 *   variable's dimension — there is no silent conversion.
 * - Targets are "population.variable", e.g. "P.v".
 * - Output arrays are of two kinds, said at each function: caller-provided
 *   buffers (pass NULL to learn the size needed), and engine-owned arrays,
 *   which stay valid until the next call of the same function on the same
 *   engine, until a load or build replaces what they describe, or until
 *   neuro_free(), whichever is first.
 * - Threads: engines are independent (no global model state); one engine
 *   must be used by one thread at a time. Different engines may run on
 *   different threads at once.
 * - Calls from inside a callback (a spike, write or diagnostic callback
 *   running during a call on the same engine) may read (neuro_get, time,
 *   listings, spikes, trace, diagnostics), neuro_set a per-neuron variable,
 *   neuro_inject_spikes, neuro_unsubscribe and neuro_free (both take effect
 *   when the outer call returns). Everything else — load, build, run, step,
 *   restore, snapshot, subscribe, setting a shared parameter — returns
 *   NEURO_USAGE_ERROR there.
 *
 * C99; the library is libneuro.so (CMake: find_package(neuro), target
 * neuro::neuro). See docs/embedding.md.
 */
#ifndef NEURO_NEURO_H
#define NEURO_NEURO_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define NEURO_API
#elif defined(__GNUC__)
#define NEURO_API __attribute__((visibility("default")))
#else
#define NEURO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library this header belongs to. */
#define NEURO_VERSION_MAJOR 0
#define NEURO_VERSION_MINOR 1
#define NEURO_VERSION_PATCH 0

/* An engine: a loaded model and, once built, its simulation. Opaque. */
typedef struct neuro_engine neuro_engine;

/* What a call did. */
typedef enum neuro_result {
  NEURO_OK = 0,
  NEURO_COMPILE_ERROR = 1,    /* the model text has errors: see the diagnostics */
  NEURO_RUNTIME_ERROR = 2,    /* building or running failed (a rule that cannot be met…) */
  NEURO_USAGE_ERROR = 3,      /* a call the engine cannot honour: unknown name, wrong unit,
                                 no simulation yet, NULL argument, not allowed in a callback… */
  NEURO_INVALID_HANDLE = 4,   /* NULL, unknown or released engine handle */
  NEURO_BUFFER_TOO_SMALL = 5, /* a caller-provided buffer is too small; the size is reported */
  NEURO_OUT_OF_MEMORY = 6,    /* an allocation failed; the engine is unchanged or unbuilt */
  NEURO_INTERNAL_ERROR = 7,   /* a bug in neuro: an unexpected exception was caught */
  /* Never returned: makes every int a valid neuro_result (C++ otherwise limits
   * the enum to the values 0..7 bits hold), so a host's (neuro_result)99
   * reaches neuro_result_name as a value, not as undefined behaviour. */
  NEURO_RESULT_MAX_ = 0x7fffffff
} neuro_result;

/* A problem in model text (or in a call). Every string is non-NULL (possibly
 * ""), owned by the engine, and valid until the next call on that engine
 * other than neuro_diagnostic_count, neuro_get_diagnostic and
 * neuro_last_error. In a diagnostic callback: valid during the callback. */
typedef struct neuro_diagnostic {
  const char* code;         /* stable: "E0200" */
  const char* severity;     /* "error" or "warning" */
  const char* file;         /* as given to load_file / load_text; "" for call errors */
  int line, column;         /* 1-based; 0 when there is no position */
  int end_line, end_column; /* exclusive end */
  const char* message;
  const char* hint;     /* "" when there is none */
  const char* rendered; /* `file:line:col: error[CODE]: message`, source line, underline, hint */
} neuro_diagnostic;

/* Host callbacks; zero the struct (or pass NULL to neuro_new) for defaults.
 * Callbacks must return normally (no longjmp, no C++ exception). */
typedef struct neuro_config {
  /* Text the engine prints (notices), NUL-terminated. Default (NULL): stdout. */
  void (*write)(void* user, const char* text);
  /* Called once per diagnostic as it is produced. Default: nothing (read
   * them with neuro_get_diagnostic). */
  void (*diagnostic)(void* user, const neuro_diagnostic* diagnostic);
  /* Resolves `import name.dotted` before the standard library is searched.
   * Return the module's text in memory from malloc() (or neuro_strdup()),
   * which the engine frees with free(); or NULL to fall through. */
  char* (*load_module)(void* user, const char* name);
  /* Passed to every callback above. */
  void* user;
} neuro_config;

/* Options of neuro_build; each field counts only when its flag is set. */
enum {
  NEURO_BUILD_DT = 1,       /* use `dt` */
  NEURO_BUILD_SEED = 2,     /* use `seed` */
  NEURO_BUILD_DURATION = 4, /* use `duration` */
  NEURO_BUILD_BACKEND = 8,  /* use `backend` */
  NEURO_BUILD_THREADS = 16  /* use `threads` */
};
/* Which code runs the steps (docs/jit.md): the interpreter, code generated
 * and compiled for the model (falls back to the interpreter, with a notice
 * through the write callback, when no compiler works), or the JIT when the
 * run is long enough to repay the compile. Results are bit-identical. */
enum { NEURO_BACKEND_VM = 0, NEURO_BACKEND_JIT = 1, NEURO_BACKEND_AUTO = 2 };
typedef struct neuro_build_options {
  unsigned flags;  /* NEURO_BUILD_… or-ed together */
  double dt;       /* seconds; default: the run statement's, else 0.1 ms */
  uint64_t seed;   /* default: the run statement's, else 0 */
  double duration; /* seconds; what neuro_run_to_end simulates */
  int backend;     /* NEURO_BACKEND_…; default: NEURO_BACKEND_VM */
  int threads;     /* 1 … 256; large scatter-add deliveries (both backends)
                      and, with the JIT, large populations' updates are
                      split over them (same results as 1); default 1 */
} neuro_build_options;

/* Called after every step in which `population` spiked: the spiking
 * neurons' indices (valid during the call only) and the spike time in
 * seconds. */
typedef void (*neuro_spike_fn)(void* user, const char* population, const uint32_t* ids,
                               size_t count, double time);

/* ---- engines ---------------------------------------------------------- */

/* A new engine with the given callbacks (copied; NULL: defaults). Returns
 * NULL only when memory runs out (neuro_last_error() says so). */
NEURO_API neuro_engine* neuro_new(const neuro_config* config);

/* Releases an engine and everything it owns. NULL and already released
 * handles are ignored. From inside a callback of the same engine, the
 * handle is invalid at once and the engine goes when the outer call returns. */
NEURO_API void neuro_free(neuro_engine* engine);

/* ---- errors ----------------------------------------------------------- */

/* Why the last call made on this thread failed: one line, e.g.
 * "neuro: error[E0402]: there is no variable `P.x`"; "" when that call
 * succeeded. neuro_diagnostic_count, neuro_get_diagnostic, neuro_last_error,
 * neuro_result_name, neuro_version and neuro_strdup leave it as it is when
 * they succeed. Thread-local; valid until the next call on this thread.
 * Never NULL. */
NEURO_API const char* neuro_last_error(void);

/* The name of a result code ("NEURO_OK", "NEURO_USAGE_ERROR"…); a static
 * string, "NEURO_UNKNOWN_RESULT" for values outside the enum. */
NEURO_API const char* neuro_result_name(neuro_result result);

/* The library's version, "0.1.0"; a static string. Compare it with
 * NEURO_VERSION_* to detect a header/library mismatch. */
NEURO_API const char* neuro_version(void);

/* A copy of `text` in memory from the library's malloc(), for load_module
 * callbacks of hosts that cannot call malloc themselves (ctypes). NULL for
 * NULL or when memory runs out. */
NEURO_API char* neuro_strdup(const char* text);

/* Number of diagnostics of the last call on the engine (load, build, or a
 * failed get/set…), into *count. */
NEURO_API neuro_result neuro_diagnostic_count(neuro_engine* engine, size_t* count);

/* Diagnostic `index` (0 ≤ index < count) of the last call, into *out
 * (strings engine-owned, see neuro_diagnostic). NEURO_USAGE_ERROR for an
 * index out of range. */
NEURO_API neuro_result neuro_get_diagnostic(neuro_engine* engine, size_t index,
                                            neuro_diagnostic* out);

/* ---- models ----------------------------------------------------------- */

/* Loads a model file and what it imports, and checks it. Replaces any model
 * loaded before (and drops its simulation). NEURO_COMPILE_ERROR when the
 * text has errors (see the diagnostics). */
NEURO_API neuro_result neuro_load_file(neuro_engine* engine, const char* path);

/* The same for text held by the host; `name` (NULL: "<text>") appears in
 * diagnostics. */
NEURO_API neuro_result neuro_load_text(neuro_engine* engine, const char* text, const char* name);

/* Builds the simulation of the loaded model's run statement (or its only
 * circuit); `options` may be NULL. Connectivity and initial values are
 * drawn from the seed. Replaces a simulation built before. */
NEURO_API neuro_result neuro_build(neuro_engine* engine, const neuro_build_options* options);

/* Whether a simulation is built: *built = 1 or 0. */
NEURO_API neuro_result neuro_built(neuro_engine* engine, int* built);

/* ---- running ---------------------------------------------------------- */

/* Advances by `seconds` of simulated time, rounded to whole steps. */
NEURO_API neuro_result neuro_run(neuro_engine* engine, double seconds);

/* Advances by `steps` steps. */
NEURO_API neuro_result neuro_step(neuro_engine* engine, uint64_t steps);

/* Runs what is left of the model's run statement (or the build's duration). */
NEURO_API neuro_result neuro_run_to_end(neuro_engine* engine);

/* Seconds simulated so far (0 before build). */
NEURO_API neuro_result neuro_time(neuro_engine* engine, double* seconds);

/* The step in seconds (0 before build). */
NEURO_API neuro_result neuro_dt(neuro_engine* engine, double* seconds);

/* Steps done so far. */
NEURO_API neuro_result neuro_step_index(neuro_engine* engine, uint64_t* steps);

/* ---- state ------------------------------------------------------------ */

/* Number of neurons of a population, into *size. NEURO_USAGE_ERROR for an
 * unknown population or before build. */
NEURO_API neuro_result neuro_population_size(neuro_engine* engine, const char* population,
                                             size_t* size);

/* Reads a variable of every neuron of a population ("P.v"), in `unit`,
 * into the caller's buffer `values` of `capacity` doubles; *count receives
 * the population's size. values == NULL: only *count is set (NEURO_OK).
 * capacity < size: NEURO_BUFFER_TOO_SMALL, nothing written. Parameters that
 * are the same for every neuron read as that value for each neuron. */
NEURO_API neuro_result neuro_get(neuro_engine* engine, const char* target, const char* unit,
                                 double* values, size_t capacity, size_t* count);

/* Sets a state or parameter, for every neuron (count == 1) or each neuron
 * (count == population size), given in `unit`. Setting a shared parameter
 * rebuilds the population's code with the new value and keeps every state
 * variable, spike in flight and recording. */
NEURO_API neuro_result neuro_set(neuro_engine* engine, const char* target, const char* unit,
                                 const double* values, size_t count);

/* Sets a modulator (a global third factor, `modulator dopamine = 0` in the
 * model) to `value` in `unit`; it keeps the value until set again or
 * driven. Allowed from inside callbacks. */
NEURO_API neuro_result neuro_set_modulator(neuro_engine* engine, const char* name, const char* unit,
                                           double value);

/* Reads a modulator's value in `unit` into *value. */
NEURO_API neuro_result neuro_get_modulator(neuro_engine* engine, const char* name, const char* unit,
                                           double* value);

/* Makes neurons of a population emit a spike at the end of the next step,
 * as if they had crossed threshold. An id outside the population is a
 * NEURO_USAGE_ERROR (and nothing is injected). */
NEURO_API neuro_result neuro_inject_spikes(neuro_engine* engine, const char* population,
                                           const uint32_t* ids, size_t count);

/* Calls `fn(user, population, ids, count, time)` after every step in which
 * the population spiked; *handle (> 0) identifies the subscription.
 * Subscriptions outlive neuro_build, not neuro_free. After build, an
 * unknown population is a NEURO_USAGE_ERROR; before, it is not checked. */
NEURO_API neuro_result neuro_subscribe_spikes(neuro_engine* engine, const char* population,
                                              neuro_spike_fn fn, void* user, int* handle);

/* Ends a subscription; NEURO_USAGE_ERROR for a handle that is not one. */
NEURO_API neuro_result neuro_unsubscribe(neuro_engine* engine, int handle);

/* Recorded spikes of a population (from `record spikes of …`), oldest
 * first: *ids[k] fired at *times[k] seconds, k < *count. Engine-owned
 * arrays, valid until the next neuro_spikes on this engine (see the
 * conventions above); NULL when *count is 0. */
NEURO_API neuro_result neuro_spikes(neuro_engine* engine, const char* population,
                                    const uint32_t** ids, const double** times, size_t* count);

/* A recorded variable ("P.v"): *sample_count sample times (seconds), the
 * *id_count recorded neuron ids, and values in `unit`, row per sample
 * (sample_count × id_count, values[s * id_count + k] is neuron ids[k] at
 * times[s]). Engine-owned arrays, valid until the next neuro_trace. */
NEURO_API neuro_result neuro_trace(neuro_engine* engine, const char* target, const char* unit,
                                   const double** times, size_t* sample_count, const uint32_t** ids,
                                   size_t* id_count, const double** values);

/* Writes the recordings into the folder `dir` (created if needed) as CSV
 * (`format` "csv" or NULL) or NPY ("npy") files, as the command line does. */
NEURO_API neuro_result neuro_save(neuro_engine* engine, const char* dir, const char* format);

/* Writes SVG plots of the recordings (raster, rate, traces; see
 * docs/plots.md) into the folder `dir`. */
NEURO_API neuro_result neuro_plot(neuro_engine* engine, const char* dir);

/* ---- exploring a model ------------------------------------------------ */

/* Names of the built model's populations (none before build): an
 * engine-owned array of *count strings, valid until the next
 * neuro_populations, load or build. */
NEURO_API neuro_result neuro_populations(neuro_engine* engine, const char* const** names,
                                         size_t* count);

/* Names of a population's variables (states, then parameters): an
 * engine-owned array, valid until the next neuro_variables, load or build.
 * NEURO_USAGE_ERROR for an unknown population or before build. */
NEURO_API neuro_result neuro_variables(neuro_engine* engine, const char* population,
                                       const char* const** names, size_t* count);

/* ---- snapshots -------------------------------------------------------- */

/* The whole dynamic state as an opaque blob, copied into the caller's
 * `buffer` of `capacity` bytes; *size receives the blob's size. buffer ==
 * NULL: only *size is set (NEURO_OK). capacity < size:
 * NEURO_BUFFER_TOO_SMALL, nothing written. */
NEURO_API neuro_result neuro_snapshot(neuro_engine* engine, void* buffer, size_t capacity,
                                      size_t* size);

/* Continues from a snapshot, bit-identically. Only snapshots of the same
 * built model (same text, seed and dt) are accepted; anything else is a
 * NEURO_USAGE_ERROR and leaves the engine as it was. */
NEURO_API neuro_result neuro_restore(neuro_engine* engine, const void* bytes, size_t size);

/* ---- SDR encoders ----------------------------------------------------- */

/* Encoders turn a value into a sparse distributed representation (SDR): the
 * sorted indices of the w active bits among n, ready for
 * neuro_inject_spikes() into a population of n neurons. Similar values share
 * active bits. They need no engine and are pure functions of their
 * arguments, callable from any thread and from callbacks (the C++ classes
 * of neuro/encoders.h; see docs/embedding.md).
 * Output goes into the caller's buffer `ids` of `capacity` indices; *count
 * receives the number of active bits. ids == NULL: only *count is set
 * (NEURO_OK). capacity < count: NEURO_BUFFER_TOO_SMALL, nothing written.
 * Invalid parameters or values (NaN, w > n…) are a NEURO_USAGE_ERROR. */

/* A block of w consecutive bits whose start moves linearly with `value`
 * over [min, max]: start = round((value - min) / (max - min) * (n - w)).
 * Values outside [min, max] are clipped to the nearer end when `clip` is
 * non-zero, else a NEURO_USAGE_ERROR. */
NEURO_API neuro_result neuro_sdr_scalar_encode(double value, double min, double max, uint32_t n,
                                               uint32_t w, int clip, uint32_t* ids, size_t capacity,
                                               size_t* count);

/* Category `category` (< categories) as bits [category * w, (category + 1) * w)
 * of n = categories * w: different categories share no bit. */
NEURO_API neuro_result neuro_sdr_category_encode(uint32_t category, uint32_t categories, uint32_t w,
                                                 uint32_t* ids, size_t capacity, size_t* count);

/* A random distributed scalar encoder (after htm.core's RDSE): exactly w of
 * n bits (n >= 2w), values within `resolution` of each other share at least
 * w - 1 bits, values far apart share about w * w / n by chance; the bits
 * are a pure function of (value, resolution, n, w, seed). */
NEURO_API neuro_result neuro_sdr_rdse_encode(double value, double resolution, uint32_t n,
                                             uint32_t w, uint64_t seed, uint32_t* ids,
                                             size_t capacity, size_t* count);

/* k of the `count` indices `ids` (any order; duplicates count once), chosen
 * uniformly without replacement and the same for the same seed, sorted
 * into the caller's buffer `out` of `capacity`; *out_count receives k.
 * k larger than the number of distinct indices is a NEURO_USAGE_ERROR. */
NEURO_API neuro_result neuro_sdr_subsample(const uint32_t* ids, size_t count, size_t k,
                                           uint64_t seed, uint32_t* out, size_t capacity,
                                           size_t* out_count);

#ifdef __cplusplus
}
#endif

#endif /* NEURO_NEURO_H */
