#include "stdlib/stdlib.h"

namespace neuro::stdlib {

struct Entry {
  const char* name;
  const char* text;
};
extern const Entry kEntries[];

std::optional<std::string> find(const std::string& dotted_name) {
  for (const Entry* e = kEntries; e->name; ++e)
    if (dotted_name == e->name) return std::string(e->text);
  return std::nullopt;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const Entry* e = kEntries; e->name; ++e) out.push_back(e->name);
  return out;
}

}  // namespace neuro::stdlib
