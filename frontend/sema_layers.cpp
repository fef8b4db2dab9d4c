// Checks of rate layers: the `layer` population, the `dense` projection and
// the `learn` rule (docs/language.md §9.11).
//
//   H = layer[80] { activation = elu, bias = randn() }
//   connect In -> H via dense { w = randn() * sqrt(2 / 784) }
//   learn Out  loss = cross_entropy  rate = eta
#include <fmt/format.h>

#include <set>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

// In the order of ir::Activation and ir::Loss.
const char* kActivations[] = {"identity", "relu", "elu", "tanh", "sigmoid", "softmax"};
const char* kLosses[] = {"cross_entropy", "mse"};
constexpr const char* kActivationHint = "activations: identity, relu, elu, tanh, sigmoid, softmax";

const PopInfo* layer_of(const PopRef& r, CheckedProgram& prog) {
  auto it = prog.populations.find(r.pop);
  return it != prog.populations.end() && it->second.kind == PopKind::Layer ? &it->second : nullptr;
}

}  // namespace

std::optional<int> activation_index(const std::string& name) {
  for (int k = 0; k < 6; ++k)
    if (name == kActivations[k]) return k;
  return std::nullopt;
}

std::optional<int> loss_index(const std::string& name) {
  for (int k = 0; k < 2; ++k)
    if (name == kLosses[k]) return k;
  return std::nullopt;
}

void check_layer_init(Member& m, const Scope& init, ExprChecker& ec, Diagnostics& diags) {
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (s.kind != Stmt::Assign || !s.object.empty() || s.op != AssignOp::Set) continue;
    if (s.target == "activation") {
      const Expr& v = *s.value;
      if (v.kind != ExprKind::Name || !activation_index(v.text))
        diags.error(Code::UnknownName, v.range,
                    v.kind == ExprKind::Name ? fmt::format("unknown activation `{}`", v.text)
                                             : "an activation is one of the names below",
                    kActivationHint);
    } else if (s.target == "bias") {
      ec.expect(*s.value, init, Dimension(), "a bias");
    } else {
      diags.error(Code::UnknownName, s.target_range, fmt::format("a layer has no `{}`", s.target),
                  "a layer takes `activation = NAME` and `bias = VALUE`");
    }
  }
}

bool reject_layer(const PopRef& r, const Expr& where, const char* what, CheckedProgram& prog,
                  Diagnostics& diags) {
  if (!layer_of(r, prog)) return false;
  diags.error(Code::Unsupported, where.range,
              fmt::format("{} of a rate layer is not supported yet", what),
              "read a layer's values through the host API (Simulation::layer_output)");
  return true;
}

void check_dense_connect(Member& m, const PopRef* src, const PopRef* dst, const Scope& scope,
                         CheckedProgram& prog, ExprChecker& ec, Diagnostics& diags) {
  for (const PopRef* r : {src, dst}) {
    if (!r) continue;
    const Expr& e = r == src ? *m.source : *m.target;
    if (!layer_of(*r, prog))
      diags.error(Code::TypeMismatch, e.range, "`via dense` connects two rate layers",
                  "declare rate units with `H = layer[80] { activation = elu }`; spiking "
                  "populations connect through a synapse model");
    else if (r->lo != 0 || r->hi != prog.populations[r->pop].size)
      diags.error(Code::Unsupported, e.range,
                  "a dense projection connects whole layers; slices are not supported yet");
  }
  for (const auto& o : m.options)
    diags.error(Code::BadOption, o.range,
                fmt::format("a dense projection takes no `{}`: it connects every unit of the "
                            "source to every unit of the target, at once",
                            o.name),
                "set the weights with `{ w = … }`");
  if (m.when)
    diags.error(Code::BadOption, m.when->range, "a dense projection has no `when` condition",
                "set the weights you want to be zero with `{ w = if … then … else 0 }`");
  Scope init = scope.child();
  init.has_i = init.has_j = init.has_rand = true;
  std::set<std::string> given;
  for (auto& sp : m.stmts) {
    Stmt& s = *sp;
    if (s.kind != Stmt::Assign || !s.object.empty() || s.op != AssignOp::Set) {
      diags.error(Code::Placement, s.range, "an initialiser holds `name = value` lines only");
      continue;
    }
    if (s.target != "w") {
      diags.error(Code::UnknownName, s.target_range,
                  fmt::format("a dense projection has no `{}`", s.target),
                  "its only variable is the weight `w` (i: source unit, j: target unit)");
      continue;
    }
    if (!given.insert(s.target).second) {
      diags.error(Code::Duplicate, s.target_range, "`w` is initialised twice");
      continue;
    }
    ec.expect(*s.value, init, Dimension(), "a weight");
  }
}

void check_learn(Member& m, const PopRef* target, const Scope& scope, CheckedProgram& prog,
                 ExprChecker& ec, Diagnostics& diags) {
  const PopInfo* layer = nullptr;
  if (target) {
    layer = layer_of(*target, prog);
    if (!layer) {
      diags.error(Code::TypeMismatch, m.value->range, "`learn` trains a rate layer",
                  "declare it with `Out = layer[10] { activation = softmax }`");
    } else if (target->lo != 0 || target->hi != layer->size) {
      diags.error(Code::Unsupported, m.value->range,
                  "`learn` trains a whole layer; slices are not supported yet");
      layer = nullptr;
    } else if (auto [it, fresh] = prog.learners.emplace(target->pop, &m); !fresh) {
      auto& d = diags.error(Code::Duplicate, m.value->range,
                            fmt::format("layer `{}` already learns", target->pop->name),
                            "a layer has one loss and one learning rate");
      d.notes.push_back({it->second->range, "the first rule is here"});
      layer = nullptr;
    }
  }
  std::set<std::string> seen;
  const Option* loss = nullptr;
  for (auto& o : m.options) {
    if (!seen.insert(o.name).second) {
      diags.error(Code::BadOption, o.range, fmt::format("`{}` is given twice", o.name));
      continue;
    }
    if ((o.name != "loss" && o.name != "rate") || !o.value) {
      diags.error(Code::BadOption, o.range,
                  o.name == "loss" || o.name == "rate"
                      ? fmt::format("`{}` needs a value: `{} = …`", o.name, o.name)
                      : fmt::format("unknown learn option `{}`", o.name),
                  "options: `loss = cross_entropy` or `loss = mse`, `rate = VALUE` (a constant "
                  "or a modulator)");
      continue;
    }
    if (o.name == "loss") {
      if (o.value->kind != ExprKind::Name || !loss_index(o.value->text)) {
        diags.error(Code::UnknownName, o.value->range,
                    o.value->kind == ExprKind::Name
                        ? fmt::format("unknown loss `{}`", o.value->text)
                        : "a loss is `cross_entropy` or `mse`",
                    "losses: cross_entropy (with a softmax layer), mse");
        continue;
      }
      loss = &o;
    } else {
      Scope rate = scope.child();
      rate.has_t = true;
      ec.expect(*o.value, rate, Dimension(), "a learning rate");
    }
  }
  for (const char* need : {"loss", "rate"})
    if (!seen.count(need))
      diags.error(Code::Missing, m.name_range, fmt::format("`learn` needs a `{}`", need),
                  "write `learn Out  loss = cross_entropy  rate = 0.01`");
  if (loss && layer && *loss_index(loss->value->text) == 0) {
    // Cross-entropy is taken of a probability distribution: the softmax's.
    const Member* bind = target->pop;
    std::string act = "identity";
    for (const auto& s : bind->stmts)
      if (s->target == "activation" && s->value->kind == ExprKind::Name) act = s->value->text;
    if (act != "softmax")
      diags.error(
          Code::BadValue, loss->range,
          fmt::format("cross-entropy needs a softmax layer, but `{}` is {}", bind->name, act),
          "give the layer `activation = softmax`, or use `loss = mse`");
  }
}

}  // namespace neuro::frontend
