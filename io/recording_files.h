// Recordings on disk: written by `neuro run` as CSV or NPY files, with an
// index (recordings.tsv), and read back by `neuro plot`. See docs/plots.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "neuro/simulation.h"

namespace neuro::io {

enum class Format { csv, npy };
std::optional<Format> parse_format(const std::string& name);  // "csv", "npy"

// The index written next to the recordings.
inline constexpr const char* kIndexFile = "recordings.tsv";

struct Recordings {
  std::vector<SpikeRecording> spikes;
  // Spikes still held by a simulation (driver::recordings_of), written and
  // plotted like `spikes` after them, without a copy of the whole recording.
  std::vector<SpikeView> spike_views;
  std::vector<StateRecording> states;
  std::map<std::string, size_t> population_sizes;  // by population name
  double duration_s = 0;                           // simulated time; 0: unknown
  double dt_s = 0;                                 // the step; 0: unknown
};

// Writes every recording into `dir` (created when missing), then the index.
// CSV: <pop>_spikes.csv (id,t_ms) and <pop>_<var>.csv (t_ms,id,<var>_<unit>).
// NPY: <pop>_spikes_id.npy (<u4), <pop>_spikes_t_ms.npy (<f8);
//      <pop>_<var>.npy (<f8, samples × neurons, display unit),
//      <pop>_<var>_t_ms.npy (<f8), <pop>_<var>_id.npy (<u4).
// A name already taken gets _2, _3, … Returns the files written; on failure
// sets `error` and goes on with the other files.
std::vector<std::string> write_recordings(const Recordings& recs, const std::string& dir,
                                          Format format, std::string& error);

// Reads recordings written by write_recordings. Each path is a folder (every
// recording in it: through its index when there is one, otherwise by the
// file names) or one file (.csv or .npy; any file of an NPY recording brings
// the others). State values come back in their display unit, with
// unit_scale 1. Throws FormatError naming the file that is missing or bad.
Recordings read_recordings(const std::vector<std::string>& paths);

// Writes <pop>_raster.svg and <pop>_rate.svg for each spike recording and
// <pop>_<var>.svg for each state recording into `dir`. Returns the files
// written; on failure sets `error` and goes on.
std::vector<std::string> write_plots(const Recordings& recs, const std::string& dir,
                                     std::string& error);

}  // namespace neuro::io
