// Turning generated source into loaded code: the system compiler, the
// on-disk cache keyed by a hash of source, compiler and flags, and dlopen.
// Nothing here throws for the user's environment (no compiler, a failed
// compile, an unwritable or corrupt cache): the result says what happened.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace neuro::jit {

struct Toolchain {
  std::string cxx;  // the compiler's resolved path
  std::string id;   // its identity in cache keys (path, size, modification time)
};

// $NEURO_CXX when set, else `c++` on PATH; nullopt (with `why`) when there is none.
std::optional<Toolchain> find_compiler(std::string& why);

// -O3 -march=native with strict IEEE arithmetic: -ffp-contract=off (no FMA
// contraction), no -ffast-math, -fno-builtin (libm is called, never folded),
// -fno-trapping-math (selects vectorise; no value changes).
const std::vector<std::string>& compile_flags();

// $XDG_CACHE_HOME/neuro/jit, else ~/.cache/neuro/jit, else a folder in /tmp.
std::string cache_dir();

// A loaded shared object; closed when the last owner lets go.
class Library {
 public:
  explicit Library(void* handle) : handle_(handle) {}
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  void* symbol(const std::string& name) const;

 private:
  void* handle_;
};

struct LoadResult {
  std::shared_ptr<Library> lib;  // null: failed (see error, log)
  std::string key;               // the cache key (hex)
  bool cache_hit = false;        // loaded without compiling
  bool repaired = false;         // a corrupt cache entry was found and rebuilt
  std::string error;             // one line, when lib is null
  std::string log;               // the compiler's output, when it ran and failed
  double compile_s = 0;          // time spent in the compiler
};

// The cache key of `source` under `tc` and the flags.
std::string cache_key(const std::string& source, const Toolchain& tc);
// Whether the cache holds an entry for `key` (not checked for corruption).
bool cached(const std::string& dir, const std::string& key);

// Loads the cached object for `source`, verifying its checksum; compiles and
// caches it when it is missing or corrupt.
LoadResult load_or_build(const std::string& source, const Toolchain& tc, const std::string& dir);

}  // namespace neuro::jit
