// Decides where each event-driven trace lives. A trace that only `on pre`
// changes, by an amount that is the same for every synapse of a
// presynaptic neuron, is stored once per presynaptic neuron and its updates
// run once per spike instead of once per synapse; likewise for `on post`
// and postsynaptic neurons. Any other trace is stored per synapse. The
// model text does not change: this is a compiler decision.
#pragma once

#include "ir/ir.h"

namespace neuro::ir {

void place_traces(Module& m);

// A trace kept once per neuron is stored scaled: S = a(t)·exp(k·dt/τ),
// constant between its events, where k = the steps from T, the start of
// the current block of kTraceBlock steps (renormalised at each block's
// start). Reading it k steps after T is one multiply by g = exp(−k·dt/τ),
// from a table of k = 0 … kTraceBlock. Both backends use this
// (docs/semantics.md, "Plasticity: traces").
constexpr long kTraceBlock = 64;
inline bool trace_scaled(const Trace& t, double dt) {
  return t.owner != Trace::Synapse && t.tau > 0 && (kTraceBlock + 1) * dt / t.tau <= 50.0;
}
// exp(sign·k·dt/τ), the entries of a scaled trace's table.
double trace_factor(long k, int sign, double dt, double tau);

}  // namespace neuro::ir
