// Plots as SVG, written directly: spike raster, population rate, state
// traces and weight histogram. Axes carry nice tick values (1-2-5 steps),
// tick labels and titles with units. The output depends only on the data
// and the options (fixed precision, no dates, no random ids), so the same
// recording always gives the same bytes.
#pragma once

#include <string>
#include <vector>

#include "neuro/simulation.h"

namespace neuro::io {

struct PlotOptions {
  std::string title;                 // empty: made from the recording ("P: spikes")
  double width = 720, height = 400;  // pixels
  double t_end_s = 0;                // end of the time axis; 0: the last recorded time
  size_t population_size = 0;        // raster rows and the rate's divisor; 0: largest id + 1
  double dt_s = 0;                   // the step (rate bins are a multiple of it); 0: unknown
  double bin_s = 0;                  // rate bin; 0: chosen from the duration (about 100 bins)
  size_t max_traces = 20;            // state traces drawn at most (the first recorded neurons)
};

// Neuron id against time (ms), one mark per spike. The marks are the
// subpaths of the one <path class="spikes">: one "M" per spike.
std::string raster_svg(const SpikeRecording& r, const PlotOptions& o = {});

// Spikes per bin per neuron, in Hz, against time (ms).
std::string rate_svg(const SpikeRecording& r, const PlotOptions& o = {});

// The recorded variable in its display unit against time (ms), one line per
// neuron (the first `max_traces`), with a legend when there are several.
std::string traces_svg(const StateRecording& r, const PlotOptions& o = {});

// How many synapses have each weight: bars over nice bins, x in `unit`.
std::string weight_histogram_svg(const std::vector<double>& weights, const std::string& unit,
                                 const PlotOptions& o = {});

// The rate plot's bin: a nice value near duration / 100, a whole number of
// steps when dt_s > 0.
double rate_bin_s(double duration_s, double dt_s);

}  // namespace neuro::io
