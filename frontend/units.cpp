#include "frontend/units.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace neuro::frontend {

enum { M = 0, KG = 1, S = 2, A = 3, K = 4, MOL = 5, CD = 6 };

Dimension Dimension::base(int index, int power) {
  Dimension d;
  d.exp[index] = static_cast<int8_t>(power);
  return d;
}

bool Dimension::dimensionless() const {
  for (auto e : exp)
    if (e != 0) return false;
  return true;
}

Dimension Dimension::operator*(const Dimension& o) const {
  Dimension d;
  for (size_t i = 0; i < exp.size(); ++i) d.exp[i] = static_cast<int8_t>(exp[i] + o.exp[i]);
  return d;
}

Dimension Dimension::operator/(const Dimension& o) const {
  Dimension d;
  for (size_t i = 0; i < exp.size(); ++i) d.exp[i] = static_cast<int8_t>(exp[i] - o.exp[i]);
  return d;
}

Dimension Dimension::pow(int n) const {
  Dimension d;
  for (size_t i = 0; i < exp.size(); ++i) d.exp[i] = static_cast<int8_t>(exp[i] * n);
  return d;
}

std::optional<Dimension> Dimension::sqrt() const {
  Dimension d;
  for (size_t i = 0; i < exp.size(); ++i) {
    if (exp[i] % 2 != 0) return std::nullopt;
    d.exp[i] = static_cast<int8_t>(exp[i] / 2);
  }
  return d;
}

namespace {

Dimension make(int m, int kg, int s, int a, int k = 0, int mol = 0, int cd = 0) {
  Dimension d;
  d.exp = {static_cast<int8_t>(m), static_cast<int8_t>(kg), static_cast<int8_t>(s),
           static_cast<int8_t>(a), static_cast<int8_t>(k),  static_cast<int8_t>(mol),
           static_cast<int8_t>(cd)};
  return d;
}

struct BaseUnit {
  const char* symbol;
  double scale;
  Dimension dim;
};

const std::vector<BaseUnit>& base_units() {
  static const std::vector<BaseUnit> units = {
      {"s", 1, make(0, 0, 1, 0)},          {"Hz", 1, make(0, 0, -1, 0)},
      {"m", 1, make(1, 0, 0, 0)},          {"g", 1e-3, make(0, 1, 0, 0)},
      {"A", 1, make(0, 0, 0, 1)},          {"K", 1, make(0, 0, 0, 0, 1)},
      {"mol", 1, make(0, 0, 0, 0, 0, 1)},  {"cd", 1, make(0, 0, 0, 0, 0, 0, 1)},
      {"V", 1, make(2, 1, -3, -1)},        {"S", 1, make(-2, -1, 3, 2)},
      {"F", 1, make(-2, -1, 4, 2)},        {"ohm", 1, make(2, 1, -3, -2)},
      {"C", 1, make(0, 0, 1, 1)},          {"J", 1, make(2, 1, -2, 0)},
      {"W", 1, make(2, 1, -3, 0)},         {"N", 1, make(1, 1, -2, 0)},
      {"M", 1e3, make(-3, 0, 0, 0, 0, 1)},  // molar: mol/L
      {"L", 1e-3, make(3, 0, 0, 0)},       {"l", 1e-3, make(3, 0, 0, 0)},
  };
  return units;
}

struct Prefix {
  const char* symbol;
  double scale;
};

const std::vector<Prefix>& prefixes() {
  static const std::vector<Prefix> p = {
      {"da", 1e1},  {"Y", 1e24},  {"Z", 1e21},  {"E", 1e18},  {"P", 1e15},
      {"T", 1e12},  {"G", 1e9},   {"M", 1e6},   {"k", 1e3},   {"h", 1e2},
      {"d", 1e-1},  {"c", 1e-2},  {"m", 1e-3},  {"u", 1e-6},  {"n", 1e-9},
      {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21}, {"y", 1e-24},
  };
  return p;
}

// Preferred display units, first match wins.
struct Named {
  const char* name;
  Unit unit;
};

const std::vector<Named>& named_dimensions() {
  static const std::vector<Named> n = {
      {"time", {"ms", 1e-3, make(0, 0, 1, 0)}},
      {"voltage", {"mV", 1e-3, make(2, 1, -3, -1)}},
      {"current", {"nA", 1e-9, make(0, 0, 0, 1)}},
      {"conductance", {"nS", 1e-9, make(-2, -1, 3, 2)}},
      {"capacitance", {"pF", 1e-12, make(-2, -1, 4, 2)}},
      {"frequency", {"Hz", 1, make(0, 0, -1, 0)}},
      {"resistance", {"Mohm", 1e6, make(2, 1, -3, -2)}},
      {"length", {"um", 1e-6, make(1, 0, 0, 0)}},
      {"area", {"um^2", 1e-12, make(2, 0, 0, 0)}},
      {"charge", {"pC", 1e-12, make(0, 0, 1, 1)}},
      {"concentration", {"mM", 1, make(-3, 0, 0, 0, 0, 1)}},
      {"mass", {"g", 1e-3, make(0, 1, 0, 0)}},
      {"temperature", {"K", 1, make(0, 0, 0, 0, 1)}},
  };
  return n;
}

}  // namespace

namespace dim {
Dimension time() {
  return make(0, 0, 1, 0);
}
Dimension voltage() {
  return make(2, 1, -3, -1);
}
Dimension current() {
  return make(0, 0, 0, 1);
}
Dimension conductance() {
  return make(-2, -1, 3, 2);
}
Dimension capacitance() {
  return make(-2, -1, 4, 2);
}
Dimension frequency() {
  return make(0, 0, -1, 0);
}
}  // namespace dim

std::optional<Unit> lookup_unit(std::string_view symbol) {
  for (const auto& b : base_units())
    if (symbol == b.symbol) return Unit{std::string(symbol), b.scale, b.dim};
  for (const auto& p : prefixes()) {
    std::string_view ps(p.symbol);
    if (symbol.size() <= ps.size() || symbol.substr(0, ps.size()) != ps) continue;
    std::string_view rest = symbol.substr(ps.size());
    for (const auto& b : base_units()) {
      // A prefixed gram is fine (kg, mg); prefixed litres and molar too.
      if (rest == b.symbol) return Unit{std::string(symbol), p.scale * b.scale, b.dim};
    }
  }
  return std::nullopt;
}

namespace {

std::string si_formula(const Dimension& d) {
  static const char* names[] = {"m", "kg", "s", "A", "K", "mol", "cd"};
  std::string num, den;
  for (int i = 0; i < 7; ++i) {
    int e = d.exp[i];
    if (e == 0) continue;
    std::string& part = e > 0 ? num : den;
    if (!part.empty()) part += "*";
    part += names[i];
    if (std::abs(e) != 1) part += fmt::format("^{}", std::abs(e));
  }
  if (num.empty()) num = "1";
  return den.empty() ? num : num + "/" + den;
}

}  // namespace

Unit display_unit(const Dimension& d) {
  if (d.dimensionless()) return Unit{"1", 1, d};
  for (const auto& n : named_dimensions())
    if (n.unit.dim == d) return n.unit;
  // Ratios and products of two usual units read better than SI formulas.
  for (const auto& a : named_dimensions())
    for (const auto& b : named_dimensions()) {
      if (a.unit.dim / b.unit.dim == d)
        return Unit{a.unit.symbol + "/" + b.unit.symbol, a.unit.scale / b.unit.scale, d};
    }
  for (const auto& a : named_dimensions()) {
    if (Dimension() / a.unit.dim == d) return Unit{"1/" + a.unit.symbol, 1 / a.unit.scale, d};
    for (const auto& b : named_dimensions())
      if (a.unit.dim * b.unit.dim == d)
        return Unit{a.unit.symbol + "*" + b.unit.symbol, a.unit.scale * b.unit.scale, d};
  }
  return Unit{si_formula(d), 1, d};
}

std::string describe(const Dimension& d) {
  if (d.dimensionless()) return "dimensionless";
  for (const auto& n : named_dimensions())
    if (n.unit.dim == d) return fmt::format("{} ({})", n.name, n.unit.symbol);
  return display_unit(d).symbol;
}

std::string format_quantity(double value_si, const Dimension& d) {
  Unit u = display_unit(d);
  if (u.symbol == "1") return fmt::format("{:g}", value_si);
  return fmt::format("{:g} {}", value_si / u.scale, u.symbol);
}

}  // namespace neuro::frontend
