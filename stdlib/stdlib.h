// The embedded standard library: module name → source text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace neuro::stdlib {

// The text of `import stdlib.<name>`, or nullopt.
std::optional<std::string> find(const std::string& dotted_name);
std::vector<std::string> names();

}  // namespace neuro::stdlib
