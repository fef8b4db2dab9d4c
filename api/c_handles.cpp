// The C API's handle table and guard (c_handles.h). A neuro_engine* is
// never a pointer to memory: it encodes a slot index and that slot's
// generation; the slot table lives behind a mutex. neuro_free() bumps the
// slot's generation, so a stale handle no longer matches and every call
// answers NEURO_INVALID_HANDLE instead of touching freed memory. Slots whose
// generation would wrap are retired, not reused.
#include "api/c_handles.h"

#include <deque>
#include <mutex>
#include <new>

#include "neuro/sdr.h"  // SdrError

namespace c_api {

namespace {

thread_local std::string t_last_error;

constexpr unsigned kIndexBits = sizeof(uintptr_t) >= 8 ? 24 : 12;
constexpr uintptr_t kIndexMask = (uintptr_t(1) << kIndexBits) - 1;
// Generations use the bits above the index, leaving the top bit clear.
constexpr uintptr_t kMaxGeneration = (~uintptr_t(0) >> 1) >> kIndexBits;

struct Slot {
  uintptr_t generation = 1;
  bool live = false;
  std::unique_ptr<CEngine> engine;
};

std::mutex g_mutex;
std::deque<Slot> g_slots;  // deque: references stay valid as it grows
std::vector<size_t> g_free;

neuro_engine* encode(size_t index, uintptr_t generation) {
  return reinterpret_cast<neuro_engine*>((generation << kIndexBits) |
                                         static_cast<uintptr_t>(index + 1));
}

// The slot a handle names, or null when it is not a live engine's.
Slot* find_slot(neuro_engine* handle, size_t* index_out) {
  auto bits = reinterpret_cast<uintptr_t>(handle);
  uintptr_t index1 = bits & kIndexMask;
  if (index1 == 0 || index1 > g_slots.size()) return nullptr;
  Slot& s = g_slots[index1 - 1];
  if (!s.live || (bits >> kIndexBits) != s.generation) return nullptr;
  if (index_out) *index_out = index1 - 1;
  return &s;
}

// Makes the slot available again, unless its generations are used up.
void recycle(size_t index) {
  Slot& s = g_slots[index];
  s.live = false;
  if (s.generation < kMaxGeneration) {
    ++s.generation;
    g_free.push_back(index);
  }
}

// The last error is one line: the first of the rendered diagnostic.
void set_error_line(const std::string& rendered) {
  t_last_error = rendered.substr(0, rendered.find('\n'));
}

// The one-line reason of a failed Engine call: the first error diagnostic.
void set_error_from(const Engine& e, Status st) {
  for (const auto& d : e.diagnostics()) {
    if (d.severity != "error") continue;
    set_error_line(d.rendered);
    return;
  }
  set_error_line(st == Status::CompileError ? "the model has errors" : "the call failed");
}

neuro_result to_result(Status st) {
  switch (st) {
    case Status::Ok:
      return NEURO_OK;
    case Status::CompileError:
      return NEURO_COMPILE_ERROR;
    case Status::RuntimeError:
      return NEURO_RUNTIME_ERROR;
    case Status::UsageError:
      return NEURO_USAGE_ERROR;
  }
  return NEURO_INTERNAL_ERROR;
}

}  // namespace

std::string& last_error() {
  return t_last_error;
}

void set_error(Code code, const std::string& message) {
  set_error_line(neuro::frontend::render(neuro::frontend::placeless(code, message)));
}

[[noreturn]] void usage(Code code, std::string message) {
  throw UsageError{code, std::move(message)};
}

void not_nested(bool nested, const char* fn) {
  if (nested)
    usage(Code::InCallback,
          fmt::format("{}() cannot be called from inside a callback of the same engine", fn));
}

// The result of an Engine call, with the last error set on failure.
neuro_result check(const Engine& e, Status st) {
  if (st != Status::Ok) set_error_from(e, st);
  return to_result(st);
}

// Pending removals happen when no call is in progress on the engine, so the
// Engine's subscriber list never changes under its own iteration.
void flush_unsubscribes(CEngine& ce) {
  for (int h : ce.pending_unsubscribe) {
    auto it = ce.subs.find(h);
    if (it == ce.subs.end()) continue;
    ce.engine->unsubscribe(it->second->cpp_handle);
    ce.subs.erase(it);
  }
  ce.pending_unsubscribe.clear();
}

Hold::Hold(neuro_engine* handle) {
  std::lock_guard<std::mutex> lock(g_mutex);
  Slot* s = find_slot(handle, &index_);
  if (!s || !s->engine) return;
  ce_ = s->engine.get();
  ++ce_->depth;
}

Hold::~Hold() {
  if (!ce_) return;
  std::unique_ptr<CEngine> dead;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (--ce_->depth > 0) return;
    if (ce_->released) {
      dead = std::move(g_slots[index_].engine);
      recycle(index_);
    }
  }
  if (dead) return;  // destroyed here, outside the lock
  try {
    flush_unsubscribes(*ce_);
  } catch (...) {
  }
}

neuro_result current_error() {
  try {
    throw;
  } catch (const UsageError& e) {
    set_error(e.code, e.message);
    return NEURO_USAGE_ERROR;
  } catch (const neuro::SdrError& e) {
    set_error(Code::BadArgument, e.what());
    return NEURO_USAGE_ERROR;
  } catch (const std::bad_alloc&) {
    set_error(Code::Exhausted, "out of memory");
    return NEURO_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_error_line(fmt::format("neuro: internal error: {}", e.what()));
    return NEURO_INTERNAL_ERROR;
  } catch (...) {
    set_error_line("neuro: internal error: unknown exception");
    return NEURO_INTERNAL_ERROR;
  }
}

neuro_engine* add_engine(std::unique_ptr<CEngine> ce) {
  std::lock_guard<std::mutex> lock(g_mutex);
  size_t index;
  if (!g_free.empty()) {
    index = g_free.back();
    g_free.pop_back();
  } else {
    if (g_slots.size() >= kIndexMask) {
      set_error(Code::Exhausted, "too many engines");
      return nullptr;
    }
    g_slots.emplace_back();
    index = g_slots.size() - 1;
  }
  Slot& s = g_slots[index];
  s.live = true;
  s.engine = std::move(ce);
  t_last_error.clear();
  return encode(index, s.generation);
}

}  // namespace c_api

using namespace c_api;

extern "C" {

void neuro_free(neuro_engine* engine) {
  if (!engine) return;
  std::unique_ptr<CEngine> dead;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    size_t index;
    Slot* s = find_slot(engine, &index);
    if (!s) return;
    if (s->engine && s->engine->depth > 0) {
      // From a callback: the handle dies now (no longer live), the engine
      // when the outer call returns (~Hold recycles the slot).
      s->engine->released = true;
      s->live = false;
      return;
    }
    dead = std::move(s->engine);
    recycle(index);
  }
  try {
    dead.reset();
  } catch (...) {
  }
}

const char* neuro_last_error(void) {
  return t_last_error.c_str();
}

}  // extern "C"
