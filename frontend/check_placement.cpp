#include <string>

#include "frontend/sema.h"

namespace neuro::frontend {

namespace {

// Where each kind of member may appear, as a hint for the message.
const char* home_of(MemberKind k) {
  switch (k) {
    case MemberKind::Import:
      return "at the top of a file";
    case MemberKind::Func:
    case MemberKind::Modulator:
    case MemberKind::Model:
    case MemberKind::Run:
      return "at file level";
    case MemberKind::Const:
      return "at file level or inside a circuit";
    case MemberKind::Param:
    case MemberKind::State:
    case MemberKind::Let:
      return "inside a neuron, synapse or dendrite";
    case MemberKind::Segments:
    case MemberKind::Compartment:
    case MemberKind::Ode:
    case MemberKind::Spike:
    case MemberKind::Refractory:
    case MemberKind::Solver:
      return "inside a neuron";
    case MemberKind::On:
      return "inside a synapse (`on pre`, `on post`) or a dendrite (`on segment`, `on cell`)";
    case MemberKind::Trace:
      return "inside a synapse";
    case MemberKind::Grow:
      return "inside a dendrite";
    case MemberKind::Bind:
    case MemberKind::Connect:
    case MemberKind::Record:
    case MemberKind::Drive:
    case MemberKind::Select:
    case MemberKind::Learn:
      return "inside a circuit";
  }
  return "elsewhere";
}

bool allowed(MemberKind k, const Member* parent) {
  if (parent && parent->kind == MemberKind::Compartment)
    return k == MemberKind::Param || k == MemberKind::State || k == MemberKind::Let ||
           k == MemberKind::Ode;
  if (parent == nullptr)
    return k == MemberKind::Import || k == MemberKind::Const || k == MemberKind::Func ||
           k == MemberKind::Model || k == MemberKind::Run || k == MemberKind::Modulator;
  switch (parent->model_kind) {
    case ModelKind::Neuron:
      return k == MemberKind::Param || k == MemberKind::State || k == MemberKind::Let ||
             k == MemberKind::Ode || k == MemberKind::Spike || k == MemberKind::Refractory ||
             k == MemberKind::Solver || k == MemberKind::Compartment || k == MemberKind::Segments;
    case ModelKind::Dendrite:
      return k == MemberKind::Param || k == MemberKind::On || k == MemberKind::Grow;
    case ModelKind::Synapse:
      return k == MemberKind::Param || k == MemberKind::State || k == MemberKind::Let ||
             k == MemberKind::On || k == MemberKind::Trace;
    case ModelKind::Circuit:
      return k == MemberKind::Const || k == MemberKind::Bind || k == MemberKind::Connect ||
             k == MemberKind::Record || k == MemberKind::Drive || k == MemberKind::Select ||
             k == MemberKind::Learn;
  }
  return false;
}

std::string describe_member(const Member& m) {
  if (m.kind == MemberKind::Model) return std::string("a ") + model_keyword(m.model_kind);
  if (m.kind == MemberKind::Bind) return "an assignment `" + m.name + " = …`";
  if (m.kind == MemberKind::Ode) return "a differential equation";
  return std::string("`") + member_keyword(m.kind) + "`";
}

void check_in(const std::vector<MemberPtr>& members, const Member* parent, Diagnostics& diags) {
  for (const auto& m : members) {
    if (!allowed(m->kind, parent)) {
      std::string where = !parent ? std::string("at file level")
                          : parent->kind == MemberKind::Compartment
                              ? std::string("inside a compartment")
                              : std::string("inside a ") + model_keyword(parent->model_kind);
      std::string hint = std::string("this belongs ") + home_of(m->kind);
      if (m->kind == MemberKind::Bind && parent && parent->model_kind != ModelKind::Circuit)
        hint = "declare it with `state " + m->name + " = …` or `param " + m->name +
               " = …`; plain assignments belong in `spike when … { }` or `on pre { }` blocks";
      diags.error(Code::Placement, m->name_range, describe_member(*m) + " is not allowed " + where,
                  hint);
      continue;
    }
    if (m->kind == MemberKind::Model || m->kind == MemberKind::Compartment)
      check_in(m->body, m.get(), diags);
  }
}

}  // namespace

void check_placement(const std::vector<MemberPtr>& members, Diagnostics& diags) {
  check_in(members, nullptr, diags);
}

}  // namespace neuro::frontend
