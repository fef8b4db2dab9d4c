// What `neuro run` writes: recordings as CSV, the summary, the JSON report.
#pragma once

#include <string>
#include <vector>

#include "neuro/simulation.h"

namespace neuro::cli {

// Writes `<population>_spikes.csv` (id,t_ms) and `<population>_<var>.csv`
// (t_ms,id,<var>_<unit>) into `dir`. Returns the files written; on failure
// sets `error` and keeps going with the other files.
std::vector<std::string> write_csv(const Simulation& sim, const std::string& dir, std::string& error);

// Peak resident memory of this process in MB (VmHWM).
double peak_rss_mb();

std::string json_escape(const std::string& s);

}  // namespace neuro::cli
