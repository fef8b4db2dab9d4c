// A Simulation built from a compiled module (the driver's output), and the
// module it runs: the way in for neuro's own code (the embedding API, the
// CLI, the REPL, backends and tests). include/neuro/simulation.h names no IR
// type, so hosts reach a Simulation only through neuro::Engine.
#pragma once

#include <memory>

#include "ir/ir.h"
#include "neuro/simulation.h"

namespace neuro {

// Builds state, connectivity and compiled kernels. Throws SimulationError.
std::unique_ptr<Simulation> build_simulation(std::shared_ptr<const ir::Module> module,
                                             std::shared_ptr<DistributedContext> context = nullptr);

const ir::Module& module_of(const Simulation& sim);

}  // namespace neuro
