#include <doctest/doctest.h>

#include "frontend/units.h"

using namespace neuro::frontend;

namespace {
// A unit's SI scale is a power of ten, exact up to the rounding of a
// double. Relative: the default doctest::Approx would accept 0 for 1e-9.
doctest::Approx si(double x) {
  return doctest::Approx(x).epsilon(1e-15).scale(0);
}
}  // namespace

TEST_CASE("unit symbols resolve to SI scale and dimension") {
  auto mv = lookup_unit("mV");
  REQUIRE(mv);
  CHECK(mv->scale == si(1e-3));
  CHECK(mv->dim == dim::voltage());
  CHECK(lookup_unit("ms")->dim == dim::time());
  CHECK(lookup_unit("nS")->scale == si(1e-9));
  CHECK(lookup_unit("pF")->dim == dim::capacitance());
  CHECK(lookup_unit("Mohm")->scale == si(1e6));
  CHECK(lookup_unit("kHz")->dim == dim::frequency());
  CHECK(lookup_unit("um")->scale == si(1e-6));
  CHECK(lookup_unit("mM")->scale == si(1.0));  // 1 mmol/L = 1 mol/m^3
  CHECK(lookup_unit("M")->scale == si(1e3));   // molar, not mega-nothing
  CHECK(lookup_unit("kg")->scale == si(1.0));
  CHECK_FALSE(lookup_unit("msec"));
  CHECK_FALSE(lookup_unit("x"));
  CHECK_FALSE(lookup_unit(""));
}

TEST_CASE("derived dimensions are consistent: V = A·Ω, S = 1/Ω, F·V = C") {
  auto V = lookup_unit("V")->dim, A = lookup_unit("A")->dim, ohm = lookup_unit("ohm")->dim;
  CHECK(A * ohm == V);
  CHECK(lookup_unit("S")->dim == Dimension() / ohm);
  CHECK(lookup_unit("F")->dim * V == lookup_unit("C")->dim);
  // τ = R·C is a time.
  CHECK(ohm * lookup_unit("F")->dim == dim::time());
  CHECK(dim::voltage().pow(2).sqrt().value() == dim::voltage());
  CHECK_FALSE(dim::voltage().sqrt());
}

TEST_CASE("display units read the way neuroscientists write them") {
  CHECK(display_unit(dim::voltage()).symbol == "mV");
  CHECK(display_unit(dim::voltage() / dim::time()).symbol == "mV/ms");
  CHECK(display_unit(Dimension()).symbol == "1");
  CHECK(format_quantity(-0.06, dim::voltage()) == "-60 mV");
  CHECK(describe(dim::time()) == "time (ms)");
}
