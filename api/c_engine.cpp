// The C API's engine and its run: creating and releasing engines (with the
// host's callbacks), loading and building models, their diagnostics, and
// advancing the clock. The handle table and guard are in c_handles.cpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "api/c_handles.h"

using namespace c_api;

namespace {

// The C view of a diagnostic; strings point into `d`.
neuro_diagnostic view(const neuro::Diagnostic& d) {
  neuro_diagnostic out;
  out.code = d.code.c_str();
  out.severity = d.severity.c_str();
  out.file = d.file.c_str();
  out.line = d.line;
  out.column = d.column;
  out.end_line = d.end_line;
  out.end_column = d.end_column;
  out.message = d.message.c_str();
  out.hint = d.hint.c_str();
  out.rendered = d.rendered.c_str();
  return out;
}

neuro::EngineConfig cpp_config(const neuro_config& c) {
  neuro::EngineConfig cfg;
  if (c.write) {
    auto fn = c.write;
    void* user = c.user;
    cfg.write = [fn, user](std::string_view text) { fn(user, std::string(text).c_str()); };
  } else {
    cfg.write = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
  }
  if (c.diagnostic) {
    auto fn = c.diagnostic;
    void* user = c.user;
    cfg.on_diagnostic = [fn, user](const neuro::Diagnostic& d) {
      neuro_diagnostic v = view(d);
      fn(user, &v);
    };
  }
  if (c.load_module) {
    auto fn = c.load_module;
    void* user = c.user;
    cfg.load_module = [fn, user](std::string_view name) -> std::optional<std::string> {
      char* text = fn(user, std::string(name).c_str());
      if (!text) return std::nullopt;
      std::string out;
      try {
        out = text;
      } catch (...) {
        std::free(text);
        throw;
      }
      std::free(text);
      return out;
    };
  }
  return cfg;
}

}  // namespace

extern "C" {

neuro_engine* neuro_new(const neuro_config* config) {
  try {
    auto ce = std::make_unique<CEngine>();
    if (config) ce->config = *config;
    ce->engine = std::make_unique<Engine>(cpp_config(ce->config));
    return add_engine(std::move(ce));
  } catch (...) {
    current_error();
  }
  return nullptr;
}

const char* neuro_result_name(neuro_result result) {
  switch (result) {
    case NEURO_OK:
      return "NEURO_OK";
    case NEURO_COMPILE_ERROR:
      return "NEURO_COMPILE_ERROR";
    case NEURO_RUNTIME_ERROR:
      return "NEURO_RUNTIME_ERROR";
    case NEURO_USAGE_ERROR:
      return "NEURO_USAGE_ERROR";
    case NEURO_INVALID_HANDLE:
      return "NEURO_INVALID_HANDLE";
    case NEURO_BUFFER_TOO_SMALL:
      return "NEURO_BUFFER_TOO_SMALL";
    case NEURO_OUT_OF_MEMORY:
      return "NEURO_OUT_OF_MEMORY";
    case NEURO_INTERNAL_ERROR:
      return "NEURO_INTERNAL_ERROR";
    case NEURO_RESULT_MAX_:
      break;
  }
  return "NEURO_UNKNOWN_RESULT";
}

const char* neuro_version(void) {
#define NEURO_STR2(x) #x
#define NEURO_STR(x) NEURO_STR2(x)
  return NEURO_STR(NEURO_VERSION_MAJOR) "." NEURO_STR(NEURO_VERSION_MINOR) "." NEURO_STR(
      NEURO_VERSION_PATCH);
#undef NEURO_STR
#undef NEURO_STR2
}

char* neuro_strdup(const char* text) {
  if (!text) return nullptr;
  size_t n = std::strlen(text) + 1;
  char* out = static_cast<char*>(std::malloc(n));
  if (out) std::memcpy(out, text, n);
  return out;
}

neuro_result neuro_diagnostic_count(neuro_engine* engine, size_t* count) {
  // Reading diagnostics must not disturb the last error they explain.
  std::string keep = last_error();
  neuro_result r = guarded(engine, [&](CEngine& ce, bool) {
    need(count, "count");
    *count = ce.engine->diagnostics().size();
    return NEURO_OK;
  });
  if (r == NEURO_OK) last_error() = keep;
  return r;
}

neuro_result neuro_get_diagnostic(neuro_engine* engine, size_t index, neuro_diagnostic* out) {
  std::string keep = last_error();
  neuro_result r = guarded(engine, [&](CEngine& ce, bool) {
    need(out, "out");
    const auto& ds = ce.engine->diagnostics();
    if (index >= ds.size())
      usage(Code::BadArgument,
            fmt::format("there is no diagnostic {} (the last call produced {})", index, ds.size()));
    *out = view(ds[index]);
    return NEURO_OK;
  });
  if (r == NEURO_OK) last_error() = keep;
  return r;
}

neuro_result neuro_load_file(neuro_engine* engine, const char* path) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_load_file");
    need(path, "path");
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->load_file(path));
  });
}

neuro_result neuro_load_text(neuro_engine* engine, const char* text, const char* name) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_load_text");
    need(text, "text");
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->load_text(text, name ? name : "<text>"));
  });
}

neuro_result neuro_build(neuro_engine* engine, const neuro_build_options* options) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_build");
    neuro::BuildOptions opt;
    if (options) {
      if (options->flags & ~unsigned(NEURO_BUILD_DT | NEURO_BUILD_SEED | NEURO_BUILD_DURATION |
                                     NEURO_BUILD_BACKEND | NEURO_BUILD_THREADS))
        usage(Code::UnknownOption, "unknown flags in neuro_build_options");
      if (options->flags & NEURO_BUILD_BACKEND) {
        switch (options->backend) {
          case NEURO_BACKEND_VM:
            opt.backend = neuro::Backend::Vm;
            break;
          case NEURO_BACKEND_JIT:
            opt.backend = neuro::Backend::Jit;
            break;
          case NEURO_BACKEND_AUTO:
            opt.backend = neuro::Backend::Auto;
            break;
          default:
            usage(Code::BadArgument,
                  "unknown backend in neuro_build_options (NEURO_BACKEND_VM, NEURO_BACKEND_JIT or "
                  "NEURO_BACKEND_AUTO)");
        }
      }
      if (options->flags & NEURO_BUILD_THREADS) {
        if (options->threads < 1 || options->threads > 256)
          usage(Code::BadArgument, "threads in neuro_build_options must be from 1 to 256");
        opt.threads = static_cast<unsigned>(options->threads);
      }
      if (options->flags & NEURO_BUILD_DT) opt.dt = options->dt;
      if (options->flags & NEURO_BUILD_SEED) opt.seed = options->seed;
      if (options->flags & NEURO_BUILD_DURATION) {
        if (!(options->duration >= 0))
          usage(Code::BadArgument, "the duration must be zero or more seconds");
        opt.duration = options->duration;
      }
    }
    ce.pop_names.clear(), ce.pop_ptrs.clear(), ce.var_names.clear(), ce.var_ptrs.clear();
    return check(*ce.engine, ce.engine->build(opt));
  });
}

neuro_result neuro_built(neuro_engine* engine, int* built) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(built, "built");
    *built = ce.engine->built() ? 1 : 0;
    return NEURO_OK;
  });
}

neuro_result neuro_run(neuro_engine* engine, double seconds) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_run");
    return check(*ce.engine, ce.engine->run(seconds));
  });
}

neuro_result neuro_step(neuro_engine* engine, uint64_t steps) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_step");
    return check(*ce.engine, ce.engine->step(steps));
  });
}

neuro_result neuro_run_to_end(neuro_engine* engine) {
  return guarded(engine, [&](CEngine& ce, bool nested) {
    not_nested(nested, "neuro_run_to_end");
    return check(*ce.engine, ce.engine->run_to_end());
  });
}

neuro_result neuro_time(neuro_engine* engine, double* seconds) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(seconds, "seconds");
    *seconds = ce.engine->time();
    return NEURO_OK;
  });
}

neuro_result neuro_dt(neuro_engine* engine, double* seconds) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(seconds, "seconds");
    *seconds = ce.engine->dt();
    return NEURO_OK;
  });
}

neuro_result neuro_step_index(neuro_engine* engine, uint64_t* steps) {
  return guarded(engine, [&](CEngine& ce, bool) {
    need(steps, "steps");
    *steps = ce.engine->step_index();
    return NEURO_OK;
  });
}

}  // extern "C"
