// Event-driven traces: decayed by exp(-Δt/τ) from their last event to now
// (one at a time, or batched as Engine::decay_traces), scaled traces stored
// back, and the once-per-neuron trace updates of `on pre` and `on post`.
#include <fmt/format.h>

#include "jit/emit.h"
#include "jit/proj_gen.h"

namespace neuro::jit {

// exp(-Δt/τ) from each trace's last event to now: the traces `which`
// (ir::EventLoop::decay) of the lists given.
void ProjGen::decay(const std::vector<int>& which, const std::string& syn, const std::string& pre,
                    const std::string& post) {
  for (int tr : which) {
    const int l = list_of(tr);
    const std::string& idx = l == 0 ? syn : l == 1 ? pre : post;
    if (idx.empty()) continue;
    const std::string n = ident(pr_.traces[tr].name);
    if (scaled(tr)) {
      w_.line("double A_{0} = TR_{0}[{1}] * TG_{0};", n, idx);
      continue;
    }
    w_.line("nj_decay_one(&TR_{0}[{1}], &TL_{0}[{1}], t, {2});", n, idx, lit(pr_.traces[tr].tau));
  }
}

// Scaled traces of `list` stored back after the once-per-neuron statements
// (as the interpreter's store_scaled: every spiking neuron).
void ProjGen::store_scaled(int list, const std::string& idx) {
  for (size_t tr = 0; tr < pr_.traces.size(); ++tr)
    if (list_of(static_cast<int>(tr)) == list && scaled(static_cast<int>(tr)))
      w_.line("TR_{0}[{1}] = A_{0} * TGI_{0};", ident(pr_.traces[tr].name), idx);
}

// The decay of every due synapse's traces, as Engine::decay_traces: per
// trace, each stale value listed once (its time set to t as it is
// listed), the factors computed by a loop that vectorises (nj_decay), then
// applied, for the traces `which` (ir::EventLoop::decay).
void ProjGen::decay_batched(const std::function<void(const std::string&)>& for_due,
                            const std::vector<int>& which) {
  for (int tr : which) {
    const int l = list_of(tr);
    if (scaled(tr)) continue;  // read as TR * TG
    const std::string n = ident(pr_.traces[tr].name);
    const std::string idx = l == 0 ? "s" : l == 1 ? "pre" : "post";
    w_.line("{{  // trace {}", pr_.traces[tr].name);
    w_.depth++;
    w_.line("double DA[256];");
    w_.line("unsigned int DI[256];");
    w_.line("u64 dm = 0;");
    // DA holds t − last; nj_decay divides by τ in its vectorised loop.
    for_due(fmt::format(
        "if (TL_{0}[{1}] != t) {{ DA[dm] = t - TL_{0}[{1}]; DI[dm++] = {1}; "
        "TL_{0}[{1}] = t; if (dm == 256) {{ nj_decay(TR_{0}, DA, DI, dm, {2}); dm = 0; }} }}",
        n, idx, lit(pr_.traces[tr].tau)));
    w_.line("nj_decay(TR_{}, DA, DI, dm, {});", n, lit(pr_.traces[tr].tau));
    w_.depth--;
    w_.line("}}");
  }
}

// The once-per-neuron statements (trace updates) of `on pre` (list 1:
// for each spiking source) or `on post` (list 2: each spiking target),
// with the neuron's scaled traces in locals and stored back after.
bool ProjGen::once_per_neuron(const ir::EventLoop* loop, int list) {
  if (!loop) return true;
  const std::vector<ir::Stmt>& body = loop->stmts;
  const bool pre = list == 1;
  const char* name = pre ? "pre" : "post";
  const auto& range = pre ? pr_.src : pr_.dst;
  w_.line("// once per spiking {}synaptic neuron", pre ? "pre" : "post");
  w_.line("for (u64 q = 0; q < c->nspikers; ++q) {{");
  w_.depth++;
  w_.line("const unsigned int {} = c->spikers[q];", name);
  w_.line("if ({0} < {1}u || {0} >= {2}u) continue;", name, range.lo, range.hi);
  decay(loop->decay, "", pre ? name : "", pre ? "" : name);
  lane_mode_ = true;
  Ctx cx = pre ? ctx("", name, "") : ctx("", "", name);
  cx.index_i = name;
  const bool ok = lane_stmts(body, cx, "");
  lane_mode_ = false;
  if (!ok) return false;
  if (loop->store_scaled) store_scaled(list, name);
  w_.depth--;
  w_.line("}}");
  return true;
}

}  // namespace neuro::jit
