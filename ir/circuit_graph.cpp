#include "ir/circuit_graph.h"

namespace neuro::ir {

CircuitGraph circuit_graph(const Module& mod) {
  CircuitGraph g;
  for (size_t i = 0; i < mod.pops.size(); ++i)
    boost::add_vertex({VertexInfo::Population, static_cast<int>(i)}, g);
  for (size_t i = 0; i < mod.monitors.size(); ++i) {
    auto v = boost::add_vertex({VertexInfo::Monitor, static_cast<int>(i)}, g);
    boost::add_edge(mod.monitors[i].target.pop, v, {EdgeInfo::Observes, static_cast<int>(i)}, g);
  }
  for (size_t i = 0; i < mod.projections.size(); ++i)
    boost::add_edge(mod.projections[i].src.pop, mod.projections[i].dst.pop,
                    {EdgeInfo::Projection, static_cast<int>(i)}, g);
  for (size_t i = 0; i < mod.dendrites.size(); ++i)
    boost::add_edge(mod.dendrites[i].pre, mod.dendrites[i].post,
                    {EdgeInfo::Dendrite, static_cast<int>(i)}, g);
  for (size_t i = 0; i < mod.drives.size(); ++i)
    if (mod.drives[i].target.pop >= 0)
      boost::add_edge(mod.drives[i].target.pop, mod.drives[i].target.pop,
                      {EdgeInfo::Drives, static_cast<int>(i)}, g);
  // Rate layers: one vertex each, one edge per dense projection.
  std::vector<CircuitGraph::vertex_descriptor> layer(mod.layers.size());
  for (size_t k = 0; k < mod.layers.size(); ++k)
    layer[k] = boost::add_vertex({VertexInfo::Layer, static_cast<int>(k)}, g);
  for (size_t d = 0; d < mod.dense.size(); ++d)
    boost::add_edge(layer[mod.dense[d].src], layer[mod.dense[d].dst],
                    {EdgeInfo::Dense, static_cast<int>(d)}, g);
  return g;
}

}  // namespace neuro::ir
