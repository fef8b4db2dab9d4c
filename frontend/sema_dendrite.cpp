// Checks of dendrite models (collections of dendritic segments) and of the
// `connect P -> Q.distal via Model` statements that give them presynaptic
// cells.
//
//   dendrite Distal {
//     param connected = 0.5          # these five tune the engine's reduction
//     param activation_threshold = 13
//     grow toward pre.winner         # cells new synapses may come from
//     on segment { if active and post.spiked { adapt(0.1, 0.1) } }
//     on cell { if post.winner and matching_segments == 0 { create(20, 0.21) } }
//   }
#include <fmt/format.h>

#include <cmath>

#include "frontend/sema_internal.h"

namespace neuro::frontend {

namespace {

// The parameters the engine reads, with their defaults (htm.core's).
struct Tuning {
  const char* name;
  double fallback;
  bool integer;
  double lo, hi;
};
const Tuning kTuning[] = {
    {"connected", 0.5, false, 0, 1},          {"activation_threshold", 13, true, 0, 1e9},
    {"matching_threshold", 10, true, 0, 1e9}, {"max_segments", 255, true, 1, 1e9},
    {"max_synapses", 255, true, 1, 1e9},
};

struct Action {
  const char* name;
  const char* handler;  // "segment" or "cell"
  const char* args;     // for messages
};
const Action kActions[] = {
    {"adapt", "segment", "adapt(increment, decrement)"},
    {"grow", "segment", "grow(count, permanence)"},
    {"create", "cell", "create(count, permanence)"},
};

const Action* find_action(const std::string& n) {
  for (const auto& a : kActions)
    if (n == a.name) return &a;
  return nullptr;
}

void declare(Scope& s, const char* name, Member* dend, Type t) {
  s.names[name] = {NameRef::SegmentVar, dend, t};
}

}  // namespace

std::optional<std::string> dendrite_tuning_error(const std::string& param, double v) {
  for (const auto& tu : kTuning) {
    if (param != tu.name) continue;
    if (!(v >= tu.lo && v <= tu.hi) || (tu.integer && std::floor(v) != v))
      return tu.integer ? fmt::format("`{}` is a whole number ≥ {}, not {}", tu.name, tu.lo, v)
                        : fmt::format("`{}` is a permanence in [0, 1], not {}", tu.name, v);
  }
  return std::nullopt;
}

void check_dendrite_model(Member& model, ExprChecker& ec, Diagnostics& diags) {
  Scope params;
  for (auto& m : model.body) {
    if (m->kind != MemberKind::Param) continue;
    Type t = ec.check(*m->value, params);
    if (t.ok() && t.kind != Type::Quantity) {
      diags.error(Code::TypeMismatch, m->value->range, "a parameter is a number with a unit");
      t = Type::error();
    }
    if (params.names.count(m->name)) {
      diags.error(Code::Duplicate, m->name_range, fmt::format("`{}` is declared twice", m->name));
      continue;
    }
    if (is_reserved_name(m->name)) {
      diags.error(Code::Reserved, m->name_range,
                  fmt::format("`{}` is a name the language reserves", m->name),
                  "pick another name");
      continue;
    }
    params.names[m->name] = {NameRef::Param, m.get(), t};
    ec.decl_types[m.get()] = t;
    for (const auto& tu : kTuning) {
      if (m->name != tu.name || !t.ok()) continue;
      if (!t.dim.dimensionless()) {
        ec.mismatch(*m->value, {}, fmt::format("`{}`", tu.name));
        break;
      }
      auto v = ec.constant(*m->value);
      if (!v)
        diags.error(Code::NotConstant, m->value->range,
                    fmt::format("`{}` must be a constant known before the run", tu.name));
      else if (auto bad = dendrite_tuning_error(tu.name, *v))
        diags.error(Code::BadValue, m->value->range, *bad);
    }
  }
  int grows = 0;
  for (auto& m : model.body) {
    if (m->kind == MemberKind::Grow && ++grows == 2)
      diags.error(Code::Duplicate, m->name_range, "a dendrite grows toward one set of cells",
                  "combine the conditions with `or`");
    if (m->kind == MemberKind::On && m->name != "segment" && m->name != "cell")
      diags.error(Code::UnknownName, m->name_range, fmt::format("unknown event `{}`", m->name),
                  "a dendrite reacts to `on segment { … }` and `on cell { … }`");
  }
}

// Statements of a dendrite handler: `if` and the structural actions.
static void check_actions(std::vector<StmtPtr>& body, const Scope& scope, const std::string& on,
                          bool can_grow, ExprChecker& ec, Diagnostics& diags) {
  for (auto& sp : body) {
    Stmt& s = *sp;
    if (s.kind == Stmt::If) {
      ec.expect_bool(*s.cond, scope, "the condition of `if`");
      check_actions(s.then_body, scope, on, can_grow, ec, diags);
      check_actions(s.else_body, scope, on, can_grow, ec, diags);
      continue;
    }
    if (s.kind == Stmt::Assign) {
      diags.error(Code::NotAssignable, s.target_range,
                  "a dendrite changes its synapses through actions, not assignments",
                  "`on segment`: adapt(inc, dec), grow(count, permanence); `on cell`: "
                  "create(count, permanence)");
      continue;
    }
    const Action* a = find_action(s.target);
    if (!a) {
      diags.error(Code::BadAction, s.target_range, fmt::format("unknown action `{}`", s.target),
                  "actions: adapt(inc, dec) and grow(count, permanence) in `on segment`, "
                  "create(count, permanence) in `on cell`");
      continue;
    }
    if (on != a->handler) {
      diags.error(Code::BadAction, s.target_range,
                  fmt::format("`{}` acts on {}, so it belongs in `on {}`", s.target,
                              on == "cell" ? "one segment" : "a cell", a->handler));
      continue;
    }
    if (s.args.size() != 2) {
      diags.error(Code::BadCall, s.range,
                  fmt::format("`{}` takes 2 arguments, but {} given", a->args, s.args.size()));
      continue;
    }
    if ((s.target == "grow" || s.target == "create") && !can_grow)
      diags.error(Code::BadAction, s.target_range,
                  fmt::format("`{}` needs to know which cells new synapses come from", s.target),
                  "declare `grow toward pre.winner` (or another condition) in the dendrite");
    for (size_t k = 0; k < 2; ++k) {
      std::string what = fmt::format("argument {} of `{}`", k + 1, s.target);
      if (!ec.expect(*s.args[k], scope, Dimension(), what)) continue;
      bool is_perm = s.target != "adapt" && k == 1;
      auto v = ec.constant(*s.args[k]);
      if (is_perm && v && !(*v >= 0 && *v <= 1))
        diags.error(Code::BadValue, s.args[k]->range,
                    fmt::format("a permanence lies in [0, 1], not {}", *v));
      if (s.target == "adapt" && v && !(std::fabs(*v) <= 1))
        diags.error(Code::BadValue, s.args[k]->range,
                    fmt::format("a permanence change lies in [-1, 1], not {}", *v));
    }
  }
}

void check_dendrite_use(Member& dend, Member* pre, Member* post, bool unknown, ExprChecker& ec,
                        Diagnostics& diags) {
  Scope base;
  base.post_unknown = unknown;
  base.synapse = true;
  base.has_t = true;
  base.dendrite = &dend;
  base.post_model = post;
  for (auto& m : dend.body)
    if (m->kind == MemberKind::Param)
      base.names[m->name] = {NameRef::Param, m.get(),
                             ec.decl_types.count(m.get()) ? ec.decl_types[m.get()] : Type::error()};
  bool can_grow = false;
  for (auto& m : dend.body)
    if (m->kind == MemberKind::Grow) {
      can_grow = true;
      Scope g = base.child();
      g.pre_model = pre;
      g.post_model = nullptr;
      ec.expect_bool(*m->value, g, "the condition of `grow toward`");
    }
  Scope seg = base.child();
  declare(seg, "active", &dend, Type::boolean());
  declare(seg, "matching", &dend, Type::boolean());
  declare(seg, "best", &dend, Type::boolean());
  declare(seg, "active_connected", &dend, Type::quantity({}));
  declare(seg, "active_potential", &dend, Type::quantity({}));
  declare(seg, "synapses", &dend, Type::quantity({}));
  Scope cell = base.child();
  // `on cell` reads the cell's values of its collection by their bare names.
  for (int k = 0; segment_field_name(k); ++k)
    declare(cell, segment_field_name(k), &dend, Type::quantity({}));
  for (auto& m : dend.body)
    if (m->kind == MemberKind::On && (m->name == "segment" || m->name == "cell"))
      check_actions(m->stmts, m->name == "segment" ? seg : cell, m->name, can_grow, ec, diags);
}

}  // namespace neuro::frontend
