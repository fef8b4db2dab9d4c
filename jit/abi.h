// The call interface between the engine and generated code: plain C structs,
// written once. The macro both declares them here and is pasted, as text,
// at the top of every generated file (codegen.cpp), so the two sides cannot
// drift apart. Generated code includes no header at all: that keeps a
// compile well under a second.
#pragma once

// clang-format off
#define NEURO_JIT_ABI                                                                            \
  struct nj_table { const double* values; unsigned long size; double step; };              \
  /* One call for one population: integrate (+ threshold) or reset. */                          \
  struct nj_pop {                                                                                \
    double* const* params;             /* per-neuron parameter arrays, by slot (null: folded) */ \
    double* const* states;             /* state arrays, by slot */                               \
    double* const* seg_agg;            /* segment aggregates, by slot (collection·4 + field) */  \
    double* const* group_vals;         /* value of each group reduction, by slot */              \
    const long* ref_end;          /* first step at which each neuron is not refractory */   \
    const unsigned long* keys;    /* random stream key of each rand() call site */          \
    const double* modulators;                                                                    \
    const struct nj_table* tables;                                                               \
    double (*apply_fn)(int fn, const double* args, unsigned long n); /* rare built-ins */  \
    unsigned int* spikes;              /* integrate: threshold crossings are appended here */    \
    const unsigned int* ids;           /* reset: the neurons that spiked */                      \
    unsigned long n;              /* neurons (integrate) or ids (reset) */                  \
    unsigned long nspikes;        /* integrate: out */                                      \
    long step;                                                                              \
    unsigned long ctr;            /* random-number counter (numeric/schedule.h) */          \
    double t;                          /* step · dt */                                           \
    unsigned long lo, hi;         /* integrate: the neurons [lo, hi) (threads: one part each) */ \
  };                                                                                             \
  /* One call for one projection: `on pre` delivery or `on post` events. */                     \
  struct nj_proj {                                                                               \
    const unsigned long* row;     /* CSR: synapses of source row r are row[r]..row[r+1] */  \
    const unsigned int* col;           /* target neuron of each synapse */                       \
    double* const* syn;                /* per-synapse variables, by slot (null: shared) */       \
    const double* shared;              /* shared value of each synapse variable */              \
    double* const* pre;                /* presynaptic population's state arrays */               \
    double* const* post;               /* postsynaptic population's state arrays */              \
    const long* post_ref_end;     /* each postsynaptic neuron's first step not refractory */ \
    double* const* trace;              /* trace values, by trace */                              \
    double* const* trace_last;         /* time each trace value refers to */                     \
    const unsigned long* keys;                                                              \
    const double* modulators;                                                                    \
    const struct nj_table* tables;                                                               \
    double (*apply_fn)(int fn, const double* args, unsigned long n);                        \
    const unsigned int* spikers;       /* spiking neurons (pre for on_pre, post for on_post) */  \
    unsigned long nspikers;                                                                 \
    const unsigned long* post_ptr; /* on post: incoming synapses of each target neuron */  \
    const unsigned int* post_syn;                                                                \
    const unsigned int* row_block;     /* row of synapse 64*b (a synapse's row: scan from it) */ \
    unsigned long cap;            /* synapses per handler batch (1: one at a time) */       \
    unsigned long src_lo, dst_lo;                                                           \
    long step;                                                                              \
    unsigned long ctr;            /* random-number counter (numeric/schedule.h) */          \
    double t;                          /* the event time handlers see */                         \
    const double* trace_g;             /* scaled traces: exp(-(t-T)/tau), exp((t-T)/tau) */      \
    const unsigned int* split;         /* threads: this part's offsets in row r at r*(nparts+1) */ \
    unsigned long nparts;         /* (null split: whole rows) */                             \
  };
// clang-format on

#define NEURO_JIT_STR2(...) #__VA_ARGS__
#define NEURO_JIT_STR(...) NEURO_JIT_STR2(__VA_ARGS__)

namespace neuro::jit {
extern "C" {
NEURO_JIT_ABI
}
// The same declarations as text, for the generated source.
inline const char* abi_text() {
  return NEURO_JIT_STR(NEURO_JIT_ABI);
}
}  // namespace neuro::jit
