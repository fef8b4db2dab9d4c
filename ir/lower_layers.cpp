#include "ir/lower_layers.h"

#include <fmt/format.h>

#include <boost/graph/topological_sort.hpp>
#include <iterator>

namespace neuro::ir {

void add_layers_to_graph(Module& mod, frontend::Diagnostics& diags) {
  // The layers alone, for the order: vertex k is layer k.
  CircuitGraph g(mod.layers.size());
  std::vector<size_t> vertex(mod.layers.size());
  for (size_t k = 0; k < mod.layers.size(); ++k)
    vertex[k] = boost::add_vertex({VertexInfo::Layer, static_cast<int>(k)}, mod.graph);
  for (size_t d = 0; d < mod.dense.size(); ++d) {
    const Dense& dn = mod.dense[d];
    boost::add_edge(vertex[dn.src], vertex[dn.dst], {EdgeInfo::Dense, static_cast<int>(d)},
                    mod.graph);
    boost::add_edge(dn.src, dn.dst, g);
  }
  std::vector<size_t> reversed;
  try {
    boost::topological_sort(g, std::back_inserter(reversed));
  } catch (const boost::not_a_dag&) {
    // Name one projection on a cycle: one whose source is reached from its target.
    for (const Dense& dn : mod.dense) {
      std::vector<char> seen(mod.layers.size(), 0);
      std::vector<int> stack{dn.dst};
      while (!stack.empty()) {
        int v = stack.back();
        stack.pop_back();
        if (seen[v]) continue;
        seen[v] = 1;
        for (const Dense& e : mod.dense)
          if (e.src == v) stack.push_back(e.dst);
      }
      if (!seen[dn.src]) continue;
      diags.error(
          frontend::Code::BadValue, dn.range,
          fmt::format("dense projections form a cycle through `{}`", mod.layers[dn.src].name),
          "rate layers compute feed-forward, once a step: remove one projection of the "
          "cycle");
      return;
    }
    return;
  }
  mod.layer_order.assign(reversed.rbegin(), reversed.rend());
}

}  // namespace neuro::ir
