#include "interpreter/affine_loop.h"

#include <algorithm>
#include <map>

#include "numeric/reduce.h"
#include "numeric/schedule.h"

namespace neuro::interp {

std::optional<AffineLoop> match_affine(const ir::Kernel& k, const ir::StepLoop& loop) {
  if (loop.kind != ir::StepLoop::Neurons) return std::nullopt;
  AffineLoop a;
  std::map<int, int> column;  // local → input column
  struct Row {
    double bias = 0;
    std::vector<double> coef;
  };
  std::map<int, Row> rows;                      // local → affine row
  std::map<int, std::pair<int, int>> selected;  // local → (refractory local, active row)
  std::vector<std::pair<int, int>> stores;      // (state, local)
  const auto& body = loop.body;
  for (size_t q = 0; q < body.size(); ++q) {
    const ir::StepOp& op = body[q];
    const ir::Expr* v = op.value.get();
    switch (op.kind) {
      case ir::StepOp::Let:
        if (v->kind == ir::Kind::Var && v->space == ir::Space::State && stores.empty()) {
          column[op.local] = static_cast<int>(a.in.size());
          a.in.push_back(v->slot);
        } else if (v->kind == ir::Kind::Select && v->args[0]->kind == ir::Kind::Var &&
                   v->args[0]->space == ir::Space::Refractory &&
                   v->args[1]->kind == ir::Kind::Var && v->args[1]->space == ir::Space::Local &&
                   v->args[2]->kind == ir::Kind::Var && v->args[2]->space == ir::Space::Local &&
                   (rows.count(v->args[1]->slot) || column.count(v->args[1]->slot)) &&
                   rows.count(v->args[2]->slot)) {
          selected[op.local] = {v->args[1]->slot, v->args[2]->slot};
        } else {
          return std::nullopt;
        }
        break;
      case ir::StepOp::Affine: {
        if (op.base >= 0) return std::nullopt;
        Row r;
        r.bias = op.bias;
        r.coef.assign(4, 0.0);
        int last = -1;
        for (const auto& [coef, l] : op.terms) {
          auto it = column.find(l);
          // Columns in order: the dense row adds its terms in the sum's order.
          if (it == column.end() || it->second <= last) return std::nullopt;
          last = it->second;
          r.coef[it->second] = coef;
        }
        rows[op.local] = r;
        break;
      }
      case ir::StepOp::Store:
        stores.emplace_back(op.state, op.local);
        break;
      case ir::StepOp::Flag:
        if (op.value || q + 1 != body.size()) return std::nullopt;
        a.flag = *k.fast_threshold;
        break;
    }
  }
  a.n = a.in.size();
  if (a.n == 0 || a.n > 4 || stores.size() != a.n) return std::nullopt;
  a.A.assign(a.n * a.n, 0.0);
  a.A_ref.assign(a.n * a.n, 0.0);
  a.bias.assign(a.n, 0.0);
  a.bias_ref.assign(a.n, 0.0);
  a.hold.assign(a.n, 0);
  for (size_t r = 0; r < a.n; ++r) {
    if (stores[r].first != a.in[r]) return std::nullopt;  // rows write their own columns
    const auto [state, local] = stores[r];
    a.out.push_back(state);
    auto put = [&](const Row& row, std::vector<double>& A, std::vector<double>& bias) {
      std::copy(row.coef.begin(), row.coef.begin() + static_cast<long>(a.n), A.begin() + r * a.n);
      bias[r] = row.bias;
    };
    if (auto s = selected.find(local); s != selected.end()) {
      put(rows[s->second.second], a.A, a.bias);
      if (auto c = column.find(s->second.first); c != column.end()) {
        if (c->second != static_cast<int>(r)) return std::nullopt;  // holds another state
        put(rows[s->second.second], a.A_ref, a.bias_ref);
        a.hold[r] = 1;
      } else {
        put(rows[s->second.first], a.A_ref, a.bias_ref);
        a.coupled = true;
      }
    } else if (auto w = rows.find(local); w != rows.end()) {
      put(w->second, a.A, a.bias);
      put(w->second, a.A_ref, a.bias_ref);
    } else {
      return std::nullopt;
    }
  }
  return a;
}

namespace {

// One term of a sum: a zero entry is a term the step IR does not have.
inline double term(double a, double x) {
  return a != 0.0 ? a * x : 0.0;
}

// Compiled for AVX-512, AVX2 and any x86-64 machine; the loader picks one.
// None uses FMA contraction (-ffp-contract=off), so all give the same bits.
// clang 14 cannot multiversion a template: one version there (the bits are
// the same either way).
#if defined(__clang__)
#define NEURO_AFFINE_CLONES
#else
#define NEURO_AFFINE_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif

template <int N, bool Coupled>
NEURO_AFFINE_CLONES size_t run_n(const AffineLoop& a, double* const* states, size_t n,
                                 const int64_t* ref_end, int64_t step, uint32_t* spikes,
                                 size_t ns) {
  // Coefficients in locals and separate restrict pointers: the compiler
  // then knows nothing aliases and vectorises across neurons. Rows that are
  // that are not held or coupled have A_ref = A: every row is a select
  // without a branch.
  double A[N * N], B[N], R[N * N], BR[N];
  bool hold[N];
  for (int q = 0; q < N * N; ++q) A[q] = a.A[q], R[q] = a.A_ref[q];
  for (int r = 0; r < N; ++r) B[r] = a.bias[r], BR[r] = a.bias_ref[r], hold[r] = a.hold[r];
  double* __restrict x0 = states[a.in[0]];
  double* __restrict x1 = states[a.in[N > 1 ? 1 : 0]];
  double* __restrict x2 = states[a.in[N > 2 ? 2 : 0]];
  double* __restrict x3 = states[a.in[N > 3 ? 3 : 0]];
  const int64_t* __restrict re = ref_end;
  const double* xth = a.flag ? states[a.flag->state] : nullptr;
  const double th = a.flag ? a.flag->value : 0;
  uint8_t F[num::kLaneChunk + 8];
  for (size_t b = 0; b < n; b += num::kLaneChunk) {
    const size_t e = std::min(n, b + num::kLaneChunk);
    for (size_t i = b; i < e; ++i) {
      double v[N];
      v[0] = x0[i];
      if constexpr (N > 1) v[1] = x1[i];
      if constexpr (N > 2) v[2] = x2[i];
      if constexpr (N > 3) v[3] = x3[i];
      const bool refr = step < re[i];
      double out[N];
      for (int r = 0; r < N; ++r) {
        double acc = B[r];
        for (int c = 0; c < N; ++c) acc += term(A[r * N + c], v[c]);
        if constexpr (Coupled) {
          double racc = BR[r];
          for (int c = 0; c < N; ++c) racc += term(R[r * N + c], v[c]);
          acc = refr ? racc : acc;
        }
        out[r] = refr && hold[r] ? v[r] : acc;
      }
      x0[i] = out[0];
      if constexpr (N > 1) x1[i] = out[1];
      if constexpr (N > 2) x2[i] = out[2];
      if constexpr (N > 3) x3[i] = out[3];
    }
    if (!a.flag) continue;
    // The flags of the block while it is in cache, then numeric/reduce.h's scan.
    switch (a.flag->op) {
      case ir::Op::Gt:
        for (size_t i = b; i < e; ++i) F[i - b] = (xth[i] > th) & (step >= ref_end[i]);
        break;
      case ir::Op::Ge:
        for (size_t i = b; i < e; ++i) F[i - b] = (xth[i] >= th) & (step >= ref_end[i]);
        break;
      case ir::Op::Lt:
        for (size_t i = b; i < e; ++i) F[i - b] = (xth[i] < th) & (step >= ref_end[i]);
        break;
      default:
        for (size_t i = b; i < e; ++i) F[i - b] = (xth[i] <= th) & (step >= ref_end[i]);
        break;
    }
    std::fill(F + (e - b), F + ((e - b + 7) & ~size_t{7}), uint8_t{0});
    ns = num::spike_scan(F, b, e - b, spikes, ns);
  }
  return ns;
}

}  // namespace

size_t run_affine(const AffineLoop& a, double* const* states, size_t n, const int64_t* ref_end,
                  int64_t step, uint32_t* spikes, size_t ns) {
  switch (a.n * 2 + a.coupled) {
    case 2:
      return run_n<1, false>(a, states, n, ref_end, step, spikes, ns);
    case 3:
      return run_n<1, true>(a, states, n, ref_end, step, spikes, ns);
    case 4:
      return run_n<2, false>(a, states, n, ref_end, step, spikes, ns);
    case 5:
      return run_n<2, true>(a, states, n, ref_end, step, spikes, ns);
    case 6:
      return run_n<3, false>(a, states, n, ref_end, step, spikes, ns);
    case 7:
      return run_n<3, true>(a, states, n, ref_end, step, spikes, ns);
    case 8:
      return run_n<4, false>(a, states, n, ref_end, step, spikes, ns);
    default:
      return run_n<4, true>(a, states, n, ref_end, step, spikes, ns);
  }
}

}  // namespace neuro::interp
