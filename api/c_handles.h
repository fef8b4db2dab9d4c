// What every entry point of the C API (include/neuro/neuro.h) shares: the
// state the C layer keeps per engine, the handle table that turns a
// neuro_engine* into it, and guarded(), which every entry point runs in so
// that each exception becomes a result code and the thread's last error.
#pragma once

#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/diagnostics.h"
#include "neuro/engine.h"
#include "neuro/neuro.h"

// Outside namespace neuro: libneuro.so exports neuro::* (exports.map), and
// none of this is part of the API.
namespace c_api {

using neuro::Engine;
using neuro::Status;
using neuro::frontend::Code;

struct Subscription {
  std::string population;
  neuro_spike_fn fn = nullptr;
  void* user = nullptr;
  int cpp_handle = -1;  // the Engine's
  bool active = true;   // false once unsubscribed (possibly not yet removed)
};

// What the C layer keeps per engine besides the Engine itself.
struct CEngine {
  neuro_config config{};
  std::unique_ptr<Engine> engine;
  int depth = 0;          // calls in progress on this engine (> 1: from a callback)
  bool released = false;  // neuro_free() ran while a call was in progress
  std::map<int, std::unique_ptr<Subscription>> subs;
  int next_sub = 1;
  std::vector<int> pending_unsubscribe;  // C handles to remove once depth is 0
  // Engine-owned output arrays.
  std::vector<uint32_t> spike_ids;
  std::vector<double> spike_times;
  std::vector<double> trace_times, trace_values;
  std::vector<uint32_t> trace_ids;
  std::vector<std::string> pop_names, var_names;
  std::vector<const char*> pop_ptrs, var_ptrs;
};

// A new handle for `ce`; null (with the last error set) when the table is full.
neuro_engine* add_engine(std::unique_ptr<CEngine> ce);

// The thread's last error (neuro_last_error), always one line: the first
// line of a rendered diagnostic.
std::string& last_error();
void set_error(Code code, const std::string& message);

// A call the engine cannot honour (NEURO_USAGE_ERROR), thrown to guarded().
struct UsageError {
  Code code;
  std::string message;
};

[[noreturn]] void usage(Code code, std::string message);

template <class P>
void need(P p, const char* what) {
  if (!p) usage(Code::MissingArgument, fmt::format("`{}` is NULL", what));
}

// Refuses a call that may not be made from a callback of the same engine.
void not_nested(bool nested, const char* fn);

// The result of an Engine call, with the last error set on failure.
neuro_result check(const Engine& e, Status st);

// Pending removals happen when no call is in progress on the engine, so the
// Engine's subscriber list never changes under its own iteration.
void flush_unsubscribes(CEngine& ce);

// Holds an engine for the length of one call: counts the nesting depth and
// finishes a neuro_free() made from a callback once the outer call is done.
class Hold {
 public:
  explicit Hold(neuro_engine* handle);
  ~Hold();
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  CEngine* get() const { return ce_; }
  bool nested() const { return ce_ && ce_->depth > 1; }

 private:
  CEngine* ce_ = nullptr;
  size_t index_ = 0;
};

// The exception being handled as a result code, with the thread's last
// error set: a caller's mistake, a bad SDR request, memory, or our bug.
neuro_result current_error();

// Runs `body` for a live engine: every exception becomes a result code, and
// the thread's last error is set ("" on success).
template <class F>
neuro_result guarded(neuro_engine* handle, F&& body) {
  try {
    Hold hold(handle);
    if (!hold.get()) {
      set_error(Code::InvalidHandle,
                handle ? "invalid engine handle (never created, or already released by neuro_free)"
                       : "the engine handle is NULL");
      return NEURO_INVALID_HANDLE;
    }
    neuro_result r = body(*hold.get(), hold.nested());
    if (r == NEURO_OK) last_error().clear();
    return r;
  } catch (...) {
    return current_error();
  }
}

// guarded() for the functions that need no engine (the SDR encoders).
template <class F>
neuro_result guarded_pure(F&& body) {
  try {
    neuro_result r = body();
    if (r == NEURO_OK) last_error().clear();
    return r;
  } catch (...) {
    return current_error();
  }
}

}  // namespace c_api
