#include "ir/lower_layers.h"

#include <fmt/format.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <iterator>
#include <vector>

namespace neuro::ir {

void order_layers(Module& mod, frontend::Diagnostics& diags) {
  // The layers alone: vertex k is layer k, an edge per dense projection.
  boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS> g(mod.layers.size());
  for (const Dense& dn : mod.dense) boost::add_edge(dn.src, dn.dst, g);
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
