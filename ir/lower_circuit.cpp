// Circuit lowering: populations (neuron kernels, Poisson and generator
// sources), then in textual order the connects, monitors, drives, selections
// and the rate layers with their dense projections and learning rules.
#include "ir/lower_internal.h"

#include <algorithm>

#include "ir/fold_constants.h"
#include "ir/lower_layers.h"

namespace neuro::ir::lowering {

using namespace frontend;

Slice Lowerer::slice(const FExpr& e) const {
  const PopRef& r = prog_.pop_refs.at(&e);
  return {pop_index_.at(r.pop), static_cast<size_t>(r.lo), static_cast<size_t>(r.hi)};
}

void Lowerer::monitor(const Member& m) {
  Monitor mo;
  mo.range = m.range;
  mo.target = slice(*m.value);
  const Population& p = mod_.pops[mo.target.pop];
  if (m.every) {
    Env env;
    mo.every = constant(*m.every, env);
  }
  if (m.from) {
    Env env;
    mo.from = constant(*m.from, env);
  }
  for (const auto& v : m.vars) {
    if (v == "spikes") {
      mo.spikes = true;
      continue;
    }
    const Kernel& k = mod_.kernels[p.kernel];
    Monitor::Probe probe;
    probe.name = v;
    for (size_t s = 0; s < k.states.size(); ++s)
      if (k.states[s].name == v)
        probe.value = Expr::var(Space::State, static_cast<int>(s), v, k.states[s].dim),
        probe.dim = k.states[s].dim;
    for (size_t s = 0; s < k.params.size(); ++s)
      if (k.params[s].name == v) {
        probe.dim = k.params[s].dim;
        probe.value = k.params[s].per_neuron
                          ? Expr::var(Space::Param, static_cast<int>(s), v, probe.dim)
                          : k.params[s].value;
      }
    for (const auto& l : k.lets)
      if (l.name == v) probe.value = l.value, probe.dim = l.dim;
    NEURO_INTERNAL_ASSERT(probe.value != nullptr, "unknown recorded variable " + v);
    mo.probes.push_back(std::move(probe));
  }
  mod_.monitors.push_back(std::move(mo));
}

void Lowerer::drive(const Member& m) {
  Drive d;
  d.range = m.range;
  d.op = m.drive_op;
  if (m.drive_target->ref.kind == NameRef::Modulator) {
    d.target.pop = -1;
    d.space = Space::Modulator;
    d.slot = modulator_slot(m.drive_target->ref.decl);
    d.name = m.drive_target->text;
    Env env;
    d.value = fold_constants(expr(*m.value, env));
    if (d.op != AssignOp::Set) {  // a modulator's program stores one value: its new one
      d.value = Expr::binary(d.op == AssignOp::Add ? Op::Add : Op::Sub,
                             Expr::var(Space::Modulator, d.slot, d.name, d.value->dim, m.range),
                             d.value, m.range);
      d.op = AssignOp::Set;
    }
    mod_.drives.push_back(std::move(d));
    return;
  }
  d.target = slice(*m.drive_target->args[0]);
  d.name = m.drive_target->text;
  const Kernel& k = mod_.kernels[mod_.pops[d.target.pop].kernel];
  d.space = m.drive_target->ref.kind == NameRef::Param ? Space::Param : Space::State;
  const auto& vars = d.space == Space::Param ? k.params : k.states;
  for (size_t s = 0; s < vars.size(); ++s)
    if (vars[s].name == d.name) d.slot = static_cast<int>(s);
  Env env;
  env.N = static_cast<double>(mod_.pops[d.target.pop].size);
  env.has_N = true;  // for the SDR encoders (`N` itself is not in scope in a drive)
  d.value = fold_constants(expr(*m.value, env));
  mod_.drives.push_back(std::move(d));
}

void Lowerer::circuit(const Member& circuit) {
  for (const auto& m : circuit.body)
    if (m->kind == MemberKind::Select)
      selects_[prog_.pop_refs.at(m->drive_target.get()).pop].push_back(m.get());
  // Driven parameters must stay per-neuron arrays: find them first.
  for (const auto& m : circuit.body)
    if (m->kind == MemberKind::Drive && m->drive_target->ref.kind == NameRef::Param &&
        m->drive_target->kind == ExprKind::Member)
      driven_[prog_.pop_refs.at(m->drive_target->args[0].get()).pop].insert(
          m->drive_target->ref.decl);
  for (const auto& mp : circuit.body) {
    const Member& m = *mp;
    if (m.kind != MemberKind::Bind || !prog_.populations.count(&m)) continue;
    const PopInfo& info = prog_.populations.at(&m);
    if (info.kind == PopKind::Layer) {
      layer(m);
      continue;
    }
    Population p;
    p.name = m.name;
    p.range = m.range;
    p.kind = info.kind;
    p.size = static_cast<size_t>(info.size);
    Env env;
    env.N = p.size;
    if (info.kind == PopKind::Neuron) {
      std::vector<std::pair<const FStmt*, bool>> inits;
      for (const auto& s : m.stmts) inits.push_back({s.get(), true});
      p.kernel = make_kernel(m, info, inits, driven_[&m], p);
      Kernel& k = mod_.kernels[p.kernel];
      // Per-neuron initial values: params, then states, each after the
      // values it reads.
      std::vector<Population::Init> values;
      for (size_t s = 0; s < k.params.size(); ++s)
        if (k.params[s].per_neuron)
          values.push_back({Space::Param, static_cast<int>(s), k.params[s].value});
      for (size_t s = 0; s < k.states.size(); ++s)
        values.push_back({Space::State, static_cast<int>(s), k.states[s].value});
      p.init = order_inits(values, k, m.range);
    } else if (info.kind == PopKind::Poisson) {
      for (const auto& s : m.stmts) p.rate = fold_constants(expr(*s->value, env));
    } else {
      for (const auto& s : m.stmts) {
        for (const auto& item : s->value->args) {
          if (s->target == "spikes") {
            p.spikes.emplace_back(static_cast<uint32_t>(constant(*item->args[0], env)),
                                  constant(*item->args[1], env));
          } else {
            double t = constant(*item, env);
            for (size_t n = 0; n < p.size; ++n) p.spikes.emplace_back(static_cast<uint32_t>(n), t);
          }
        }
      }
      std::stable_sort(p.spikes.begin(), p.spikes.end(), [](const auto& a, const auto& b) {
        return a.second < b.second || (a.second == b.second && a.first < b.first);
      });
    }
    pop_index_[&m] = static_cast<int>(mod_.pops.size());
    mod_.pops.push_back(std::move(p));
  }
  for (const auto& [alias, ref] : prog_.aliases) (void)alias, (void)ref;
  for (const auto& mp : circuit.body) {
    switch (mp->kind) {
      case MemberKind::Connect:
        if (mp->via == "dense")
          dense(*mp);
        else if (mp->target->ref.kind == NameRef::SegmentField)
          dendrite(*mp);
        else
          projection(*mp);
        break;
      case MemberKind::Record:
        monitor(*mp);
        break;
      case MemberKind::Drive:
        drive(*mp);
        break;
      case MemberKind::Select: {
        Selection s;
        s.range = mp->range;
        s.target = slice(*mp->drive_target);
        s.score = scores_.at(mp.get());
        s.group = s.target.size();
        Env env;
        for (const auto& o : mp->options) {
          if (o.name == "draw") s.draw = true;
          if (o.name == "k") s.k = static_cast<size_t>(constant(*o.value, env));
          if (o.name == "group") s.group = static_cast<size_t>(constant(*o.value, env));
        }
        mod_.selections.push_back(std::move(s));
        break;
      }
      case MemberKind::Learn:
        learn(*mp);
        break;
      default:
        break;
    }
  }
  if (!mod_.layers.empty()) order_layers(mod_, diags_);
}

void Lowerer::layer(const Member& m) {
  Layer l;
  l.name = m.name;
  l.range = m.range;
  l.size = static_cast<size_t>(prog_.populations.at(&m).size);
  l.bias = Expr::constant(0);
  Env env;
  env.N = static_cast<double>(l.size);
  env.has_N = true;
  for (const auto& s : m.stmts) {
    if (s->target == "activation")
      l.activation = static_cast<Activation>(*frontend::activation_index(s->value->text));
    else if (s->target == "bias")
      l.bias = fold_constants(expr(*s->value, env));
  }
  layer_index_[&m] = static_cast<int>(mod_.layers.size());
  mod_.layers.push_back(std::move(l));
}

void Lowerer::dense(const Member& m) {
  Dense d;
  d.range = m.range;
  d.src = layer_index_.at(prog_.pop_refs.at(m.source.get()).pop);
  d.dst = layer_index_.at(prog_.pop_refs.at(m.target.get()).pop);
  d.weight = Expr::constant(0);
  Env env;
  for (const auto& s : m.stmts) d.weight = fold_constants(expr(*s->value, env));
  mod_.dense.push_back(std::move(d));
}

void Lowerer::learn(const Member& m) {
  Learn l;
  l.range = m.range;
  l.layer = layer_index_.at(prog_.pop_refs.at(m.value.get()).pop);
  Env env;
  for (const auto& o : m.options) {
    if (o.name == "loss") l.loss = static_cast<Loss>(*frontend::loss_index(o.value->text));
    if (o.name == "rate") l.rate = fold_constants(expr(*o.value, env));
  }
  mod_.learners.push_back(std::move(l));
}

}  // namespace neuro::ir::lowering
