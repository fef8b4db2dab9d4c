// The circuit as a Boost.Graph: populations, monitors and rate layers are
// vertices; projections, observations, dendrites, drives and dense
// projections are edges. Built on demand from a Module (for `neuro ir`), so
// that the IR itself does not carry, or make its users include, Boost.Graph.
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include "ir/ir.h"

namespace neuro::ir {

// Vertices are populations, monitors and layers; edges are projections
// (source → target), observations (population → monitor), dendrites
// (pre → post), drives (a self-edge) and dense projections (layer → layer).
struct VertexInfo {
  enum Kind { Population, Monitor, Layer } kind = Population;
  int index = 0;
};
struct EdgeInfo {
  enum Kind { Projection, Observes, Drives, Dendrite, Dense } kind = Projection;
  int index = 0;
};
using CircuitGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexInfo, EdgeInfo>;

// Vertices: the populations (vertex i is population i), then each monitor,
// then the layers. Edges in the order: observations, projections, dendrites,
// drives of populations (a drive of a modulator has none), dense projections.
CircuitGraph circuit_graph(const Module& mod);

}  // namespace neuro::ir
