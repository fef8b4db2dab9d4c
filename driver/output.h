// What `neuro run` writes: recordings as CSV, the summary, the JSON report.
#pragma once

#include <string>
#include <vector>

#include "frontend/diagnostics.h"
#include "frontend/source.h"
#include "io/recording_files.h"
#include "neuro/simulation.h"

namespace neuro::driver {

// The simulation's recordings, with the population sizes, the simulated
// time and the step that the index and the plots use. The spikes are views
// of the engine's (valid until `sim` steps again or is destroyed).
io::Recordings recordings_of(const Simulation& sim);

// Writes the recordings into `dir` as CSV or NPY files plus their index
// (io::write_recordings; the names are in docs/plots.md). Returns the files
// written; on failure sets `error` and keeps going with the other files.
std::vector<std::string> write_recordings(const Simulation& sim, const std::string& dir,
                                          io::Format format, std::string& error);
// The CSV form: `<population>_spikes.csv` (id,t_ms) and `<population>_<var>.csv`
// (t_ms,id,<var>_<unit>).
std::vector<std::string> write_csv(const Simulation& sim, const std::string& dir,
                                   std::string& error);

// Writes `<source>_<target>_<synapse>_w.svg`, a histogram of the weights,
// for each projection whose synapses have a variable `w` that differs
// between synapses (plastic or drawn at random). Returns the files written.
std::vector<std::string> write_weight_plots(const Simulation& sim, const std::string& dir,
                                            std::string& error);

// Peak resident memory of this process in MB (VmHWM).
double peak_rss_mb();

std::string json_escape(const std::string& s);

// `neuro run --json` when the input has errors: one JSON object with every
// diagnostic (code, severity, file, line, 1-based column, message, hint),
// so that tools read failures as they read results.
std::string diagnostics_json(const frontend::Diagnostics& diags,
                             const frontend::SourceManager& sources);

}  // namespace neuro::driver
