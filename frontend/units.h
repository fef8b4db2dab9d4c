// Physical dimensions and unit symbols. Values are held in SI internally;
// a unit is a scale to SI plus a dimension. Dimensions are checked statically.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace neuro::frontend {

// Exponents of the SI base dimensions m, kg, s, A, K, mol, cd.
struct Dimension {
  std::array<int8_t, 7> exp{};

  static Dimension none() { return {}; }
  static Dimension base(int index, int power = 1);
  bool dimensionless() const;
  Dimension operator*(const Dimension& o) const;
  Dimension operator/(const Dimension& o) const;
  Dimension pow(int n) const;
  // Half of every exponent; nullopt when one is odd.
  std::optional<Dimension> sqrt() const;
  bool operator==(const Dimension& o) const { return exp == o.exp; }
  bool operator!=(const Dimension& o) const { return exp != o.exp; }
};

namespace dim {
Dimension time();
Dimension voltage();
Dimension current();
Dimension conductance();
Dimension capacitance();
Dimension frequency();
}  // namespace dim

struct Unit {
  std::string symbol;  // e.g. "mV", "nS", "1"
  double scale = 1;    // value_in_SI = value * scale
  Dimension dim;
};

// A single unit symbol with an optional SI prefix: "ms", "mV", "Mohm", "um".
std::optional<Unit> lookup_unit(std::string_view symbol);

// The unit a neuroscientist expects to read a value of this dimension in
// (mV for voltage, ms for time, nS, pF, nA, Hz…); a product of SI base units
// with scale 1 when there is no usual one.
Unit display_unit(const Dimension& d);

// "voltage (mV)", "time (ms)", "dimensionless", "mV/ms" — for messages.
std::string describe(const Dimension& d);

// Formats a value given in SI in the display unit of its dimension: "-60 mV".
std::string format_quantity(double value_si, const Dimension& d);

}  // namespace neuro::frontend
