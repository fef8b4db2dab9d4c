// Checks of `connect` in a circuit: the connection rule and its options, the
// per-synapse initialisers, the synapse's handlers for the two populations,
// and connects of a dendrite model onto a population's segments.
#include <fmt/format.h>

#include <set>
#include <utility>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

void Checker::check_connect(Member& m, Scope& scope) {
  auto g0 = out_.globals.find(m.via);
  if (g0 != out_.globals.end() && g0->second->kind == MemberKind::Model &&
      g0->second->model_kind == ModelKind::Dendrite) {
    check_segments_connect(m, scope, *g0->second);
    return;
  }
  auto src = population(*m.source, scope, "the source of a connect");
  auto dst = population(*m.target, scope, "the target of a connect");
  if (m.via == "dense") {
    check_dense_connect(m, src ? &*src : nullptr, dst ? &*dst : nullptr, scope, out_, ec_, diags_);
    return;
  }
  for (auto [r, e] : {std::pair{&src, m.source.get()}, std::pair{&dst, m.target.get()}})
    if (*r && out_.populations[(*r)->pop].kind == PopKind::Layer) {
      diags_.error(Code::TypeMismatch, e->range,
                   "a rate layer connects to another rate layer through `via dense`",
                   "spiking populations and rate layers cannot be connected yet");
      r->reset();
    }
  auto g = out_.globals.find(m.via);
  Member* syn = nullptr;
  if (g == out_.globals.end() || g->second->kind != MemberKind::Model ||
      g->second->model_kind != ModelKind::Synapse) {
    diags_.error(Code::UnknownModel, m.via_range,
                 g == out_.globals.end() ? fmt::format("unknown synapse model `{}`", m.via)
                                         : fmt::format("`{}` is not a synapse model", m.via),
                 "declare it with `synapse Name { … }`");
  } else {
    syn = g->second;
  }
  Scope opts = scope.child();
  int rules = 0;
  std::set<std::string> seen;
  for (auto& o : m.options) {
    if (!seen.insert(o.name).second) {
      diags_.error(Code::BadOption, o.range, fmt::format("`{}` is given twice", o.name));
      continue;
    }
    bool is_rule = o.name == "p" || o.name == "in_degree" || o.name == "fixed_out_degree" ||
                   o.name == "fixed_total_number" || o.name == "one_to_one" ||
                   o.name == "all_to_all" || o.name == "pairs";
    if (is_rule && ++rules == 2)
      diags_.error(Code::BadOption, o.range, "a connect has one rule",
                   "choose one of `p = …`, `in_degree = …`, `fixed_out_degree = …`, "
                   "`fixed_total_number = …`, `one_to_one`, `all_to_all`, `pairs = […]`; "
                   "add conditions with `when`");
    bool flag = o.name == "one_to_one" || o.name == "all_to_all";
    if (!is_rule && o.name != "delay") {
      diags_.error(Code::BadOption, o.range, fmt::format("unknown connect option `{}`", o.name),
                   "options: p, in_degree, fixed_out_degree, fixed_total_number, one_to_one, "
                   "all_to_all, pairs, delay");
      continue;
    }
    if (flag != (o.value == nullptr)) {
      diags_.error(Code::BadOption, o.range,
                   flag ? fmt::format("`{}` takes no value", o.name)
                        : fmt::format("`{}` needs a value: `{} = …`", o.name, o.name));
      continue;
    }
    if (o.name == "p") {
      if (!ec_.expect(*o.value, opts, Dimension(), "a connection probability")) continue;
      auto p = ec_.constant(*o.value);
      if (!p)
        diags_.error(Code::NotConstant, o.value->range,
                     "the connection probability must be a constant");
      else if (!(*p >= 0 && *p <= 1))
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("a probability lies in [0, 1], not {}", *p));
    } else if (o.name == "in_degree") {
      if (!ec_.expect(*o.value, opts, Dimension(), "the in-degree")) continue;
      auto k = ec_.constant_integer(*o.value, "the in-degree");
      if (k && src && (*k < 0 || *k > src->size()))
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("each target can draw at most {} distinct sources, not {}",
                                 src->size(), *k));
    } else if (o.name == "fixed_out_degree") {
      if (!ec_.expect(*o.value, opts, Dimension(), "the out-degree")) continue;
      auto k = ec_.constant_integer(*o.value, "the out-degree");
      if (k && dst && (*k < 0 || *k > dst->size()))
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("each source can draw at most {} distinct targets, not {}",
                                 dst->size(), *k));
    } else if (o.name == "fixed_total_number") {
      if (!ec_.expect(*o.value, opts, Dimension(), "the number of synapses")) continue;
      auto k = ec_.constant_integer(*o.value, "the number of synapses");
      if (k && *k < 0)
        diags_.error(Code::BadValue, o.value->range,
                     fmt::format("a number of synapses is ≥ 0, not {}", *k));
      if (m.when)
        diags_.error(Code::BadOption, m.when->range,
                     "fixed_total_number draws sources and targets uniformly; it takes no `when`",
                     "connect a slice, or use `p = …` or a degree rule with `when`");
    } else if (o.name == "one_to_one") {
      if (src && dst && src->size() != dst->size())
        diags_.error(
            Code::BadValue, o.range,
            fmt::format("one_to_one needs equal sizes, but the source has {} and the target {}",
                        src->size(), dst->size()));
    } else if (o.name == "pairs") {
      if (o.value->kind != ExprKind::List) {
        diags_.error(Code::TypeMismatch, o.value->range, "`pairs` is a list of `(i, j)` pairs");
        continue;
      }
      for (auto& item : o.value->args) {
        if (item->kind != ExprKind::Tuple || item->args.size() != 2) {
          diags_.error(Code::TypeMismatch, item->range,
                       "each pair is `(source index, target index)`");
          continue;
        }
        for (int side = 0; side < 2; ++side) {
          if (!ec_.expect(*item->args[side], opts, Dimension(), "an index")) continue;
          auto k = ec_.constant_integer(*item->args[side], "an index");
          const auto& r = side == 0 ? src : dst;
          if (k && r && (*k < 0 || *k >= r->size()))
            diags_.error(Code::BadValue, item->args[side]->range,
                         fmt::format("index {} is outside the {} ({} neurons)", *k,
                                     side == 0 ? "source" : "target", r->size()));
        }
      }
    } else if (o.name == "delay") {
      if (!ec_.expect(*o.value, opts, dim::time(), "a delay")) continue;
      auto d = ec_.constant(*o.value);
      if (!d)
        diags_.error(Code::NotConstant, o.value->range,
                     "a delay option must be a constant; per-synapse delays go in `{ delay = … }`");
      else if (*d < 0)
        diags_.error(Code::BadValue, o.value->range, "a delay cannot be negative");
    }
  }
  if (m.when) {
    Scope w = scope.child();
    w.has_i = w.has_j = true;
    ec_.expect_bool(*m.when, w, "the `when` condition");
  }
  if (!syn) return;
  used_synapses_.insert(syn);
  // Per-synapse initialisers.
  Scope init = scope.child();
  init.has_i = init.has_j = init.has_rand = true;
  std::set<std::string> given;
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (!init_line(s, given)) continue;
    if (s.target == "delay") {
      if (seen.count("delay"))
        diags_.error(Code::BadOption, s.target_range, "the delay is already given as an option");
      ec_.expect(*s.value, init, dim::time(), "`delay`");
      continue;
    }
    Member* decl = nullptr;
    for (auto& b : syn->body)
      if ((b->kind == MemberKind::Param || b->kind == MemberKind::State) && b->name == s.target)
        decl = b.get();
    if (!decl) {
      diags_.error(Code::UnknownName, s.target_range,
                   fmt::format("synapse model `{}` has no variable `{}`", syn->name, s.target),
                   "initialise the synapse's params and states, or `delay`");
      continue;
    }
    s.ref = {decl->kind == MemberKind::Param ? NameRef::SynParam : NameRef::SynState, decl};
    if (ec_.decl_types.count(decl))
      ec_.expect(*s.value, init, ec_.decl_types[decl].dim, fmt::format("`{}`", s.target));
  }
  if (src && dst) {
    const PopInfo& pi = out_.populations[src->pop];
    const PopInfo& po = out_.populations[dst->pop];
    if (po.kind != PopKind::Neuron) {
      diags_.error(Code::TypeMismatch, m.target->range,
                   "the target of a connect must be a neuron population",
                   "sources (poisson, spike_generator) only send spikes");
      return;
    }
    check_synapse_handlers(*syn, pi.model, po.model, false, &m);
  }
}

// `connect P -> Q.distal via Distal`: the segments `distal` of Q's cells take
// their presynaptic cells from P.
void Checker::check_segments_connect(Member& m, Scope& scope, Member& dend) {
  auto src = population(*m.source, scope, "the source of a connect");
  Expr& tgt = *m.target;
  if (tgt.kind != ExprKind::Member || tgt.args[0]->kind != ExprKind::Name) {
    diags_.error(
        Code::TypeMismatch, tgt.range,
        fmt::format("`{}` is a dendrite model: connect to a population's segments", dend.name),
        fmt::format("write `connect P -> Q.distal via {}`, where Q's neuron model declares "
                    "`segments distal`",
                    dend.name));
    return;
  }
  auto dst = population(*tgt.args[0], scope, "the target of a connect");
  for (auto& o : m.options)
    diags_.error(Code::BadOption, o.range,
                 fmt::format("a segment connection takes no option `{}`", o.name),
                 "segments start empty and grow; the dendrite model says how");
  if (m.when) diags_.error(Code::BadOption, m.when->range, "a segment connection has no `when`");
  // `{ activation_threshold = 3, … }`: the dendrite's parameters for this use.
  std::set<std::string> given;
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (!init_line(s, given)) continue;
    Member* decl = nullptr;
    for (auto& b : dend.body)
      if (b->kind == MemberKind::Param && b->name == s.target) decl = b.get();
    if (!decl) {
      diags_.error(Code::UnknownName, s.target_range,
                   fmt::format("dendrite model `{}` has no parameter `{}`", dend.name, s.target));
      continue;
    }
    s.ref = {NameRef::Param, decl};
    auto t = ec_.decl_types.find(decl);
    if (t == ec_.decl_types.end() || !t->second.ok()) continue;
    if (!ec_.expect(*s.value, scope, t->second.dim, fmt::format("`{}`", s.target))) continue;
    auto v = ec_.constant(*s.value);
    if (!v) {
      diags_.error(Code::NotConstant, s.value->range,
                   fmt::format("`{}` must be a constant known before the run", s.target));
      continue;
    }
    if (auto bad = dendrite_tuning_error(s.target, *v))
      diags_.error(Code::BadValue, s.value->range, *bad);
  }
  if (!src || !dst) return;
  PopInfo& di = out_.populations[dst->pop];
  PopInfo& si = out_.populations[src->pop];
  if (dst->lo != 0 || dst->hi != di.size || src->lo != 0 || src->hi != si.size)
    diags_.error(Code::Unsupported, m.range,
                 "segments connect whole populations; slices are not supported yet");
  Member* coll = nullptr;
  if (di.model)
    for (auto& b : di.model->body)
      if (b->kind == MemberKind::Segments && b->name == tgt.text) coll = b.get();
  if (!coll) {
    diags_.error(
        Code::UnknownName, tgt.range,
        di.model ? fmt::format("neuron model `{}` has no segments `{}`", di.model->name, tgt.text)
                 : "a source population has no segments",
        fmt::format("declare `segments {}` in the neuron model", tgt.text));
    return;
  }
  tgt.ref = {NameRef::SegmentField, coll};
  used_synapses_.insert(&dend);
  if (!si.model) {
    diags_.error(Code::Unsupported, m.source->range,
                 "segments read the spikes of neuron populations; sources are not supported yet");
    return;
  }
  check_dendrite_use(dend, si.model, di.model, false, ec_, diags_);
}

}  // namespace neuro::frontend
