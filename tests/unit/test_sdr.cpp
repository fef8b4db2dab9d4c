// SDRs and encoders (neuro/sdr.h, neuro/encoders.h), checked against truth
// computed another way: set operations against dense bitwise ones, random
// choices against chi-square bounds, encoders against the overlaps their
// designs promise; then the engine helper, the C API and the docs example.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "neuro/encoders.h"
#include "neuro/engine.h"
#include "neuro/neuro.h"
#include "neuro/sdr.h"

using neuro::CategoryEncoder;
using neuro::RdseEncoder;
using neuro::ScalarEncoder;
using neuro::Sdr;
using neuro::SdrError;

namespace {

// A small deterministic generator for test inputs, unrelated to the one
// the SDR code uses (a 64-bit linear congruential generator, top bits).
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
  double unit() { return next() / 2147483648.0; }  // [0, 1)
};

// The chi-square value that a χ²(dof) variable exceeds with probability
// about 1e-6 (Wilson–Hilferty): a bound no correct sampler should reach.
double chi2_bound(double dof) {
  const double z = 4.75;
  double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1 - a + z * std::sqrt(a), 3);
}

double chi2(const std::vector<double>& observed, double expected) {
  double sum = 0;
  for (double o : observed) sum += (o - expected) * (o - expected) / expected;
  return sum;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const SdrError& e) {
    return e.what();
  }
  return "(no SdrError)";
}

std::vector<uint32_t> ids_of(const Sdr& s) {
  return {s.active().begin(), s.active().end()};
}

}  // namespace

// ---- the SDR type ------------------------------------------------------------

TEST_CASE("SDR: construction sorts, merges duplicates and validates") {
  Sdr a(100, {42, 3, 17, 3, 42});
  CHECK(ids_of(a) == std::vector<uint32_t>{3, 17, 42});
  CHECK(a.size() == 100);
  CHECK(a.count() == 3);
  CHECK(a.sparsity() == doctest::Approx(0.03));
  CHECK(a.contains(17));
  CHECK_FALSE(a.contains(16));
  CHECK(a.to_string() == "SDR(100){3,17,42}");
  std::ostringstream os;
  os << a;
  CHECK(os.str() == "SDR(100){3,17,42}");
  CHECK(Sdr(5).to_string() == "SDR(5){}");
  CHECK(a == Sdr(100, {3, 17, 42}));
  CHECK(a != Sdr(101, {3, 17, 42}));  // same bits, another size
  CHECK(a != Sdr(100, {3, 17}));
  std::vector<uint32_t> raw = {9, 1, 1};
  CHECK(ids_of(Sdr(10, std::span<const uint32_t>(raw))) == std::vector<uint32_t>{1, 9});

  std::string e = error_of([] { Sdr(100, {3, 100}); });
  CHECK(e.find("active bit 100 is outside an SDR of 100 bits") != std::string::npos);
  CHECK(e.find("hint: active bits are 0 to 99") != std::string::npos);
  CHECK(error_of([] { Sdr(0); }).find("n = 0") != std::string::npos);
  CHECK(error_of([] { Sdr(0, {}); }).find("n = 0") != std::string::npos);
  // SdrError is the standard library's invalid_argument, for hosts that catch that.
  CHECK_THROWS_AS(Sdr(4, {4}), std::invalid_argument);
  try {
    Sdr(4, {7});
  } catch (const SdrError& err) {
    CHECK(err.message() == "active bit 7 is outside an SDR of 4 bits");
    CHECK(err.hint() == "active bits are 0 to 3");
  }
}

TEST_CASE("SDR: dense form round-trips and accepts only 0 and 1") {
  std::vector<uint8_t> dense = {0, 1, 0, 0, 1, 1, 0};
  Sdr s = Sdr::from_dense(dense);
  CHECK(s.to_string() == "SDR(7){1,4,5}");
  CHECK(s.to_dense() == dense);
  Lcg g{5};
  for (int t = 0; t < 50; ++t) {
    uint32_t n = 1 + g.next() % 300;
    std::vector<uint32_t> ids;
    for (uint32_t k = g.next() % (n + 1); k > 0; --k) ids.push_back(g.next() % n);
    Sdr r(n, ids);
    CHECK(Sdr::from_dense(r.to_dense()) == r);
  }
  std::vector<uint8_t> two = {0, 2};
  CHECK(error_of([&] { Sdr::from_dense(two); }).find("neither 0 nor 1") != std::string::npos);
  CHECK_THROWS_AS(Sdr::from_dense({}), SdrError);
}

TEST_CASE("SDR: overlap, union, intersection, difference agree with dense bitwise truth") {
  Lcg g{11};
  for (int t = 0; t < 300; ++t) {
    uint32_t n = 1 + g.next() % 200;
    auto draw = [&] {
      std::vector<uint32_t> ids;
      double p = g.unit();  // densities from empty to full
      for (uint32_t i = 0; i < n; ++i)
        if (g.unit() < p) ids.push_back(i);
      std::reverse(ids.begin(), ids.end());  // unsorted input
      return Sdr(n, ids);
    };
    Sdr a = draw(), b = draw();
    auto da = a.to_dense(), db = b.to_dense();
    std::vector<uint8_t> u(n), in(n), diff(n);
    size_t common = 0;
    for (uint32_t i = 0; i < n; ++i) {
      u[i] = da[i] | db[i];
      in[i] = da[i] & db[i];
      diff[i] = da[i] & !db[i];
      common += in[i];
    }
    CHECK(neuro::overlap(a, b) == common);
    CHECK(neuro::overlap(b, a) == common);
    CHECK(neuro::union_of(a, b).to_dense() == u);
    CHECK(neuro::intersection(a, b).to_dense() == in);
    CHECK(neuro::difference(a, b).to_dense() == diff);
    CHECK(neuro::overlap(a, a) == a.count());
  }
  Sdr a(10, {1}), b(11, {1});
  CHECK(error_of([&] { neuro::overlap(a, b); }).find("different sizes (10 and 11 bits)") !=
        std::string::npos);
  CHECK_THROWS_AS(neuro::union_of(a, b), SdrError);
  CHECK_THROWS_AS(neuro::intersection(a, b), SdrError);
  CHECK_THROWS_AS(neuro::difference(a, b), SdrError);
}

TEST_CASE("SDR: random() draws w distinct bits, uniformly, the same for a seed") {
  Sdr r = Sdr::random(1000, 20, 7);
  CHECK(r.count() == 20);
  CHECK(r == Sdr::random(1000, 20, 7));
  CHECK(r != Sdr::random(1000, 20, 8));
  CHECK(Sdr::random(5, 5, 1) == Sdr(5, {0, 1, 2, 3, 4}));
  CHECK(Sdr::random(5, 0, 1).count() == 0);
  CHECK(error_of([] { Sdr::random(5, 6, 1); }).find("cannot choose 6 active bits of 5") !=
        std::string::npos);
  // Each of n bits is active in a fraction w/n of the draws.
  const uint32_t n = 40, w = 7, draws = 20000;
  std::vector<double> hits(n, 0);
  for (uint64_t seed = 0; seed < draws; ++seed)
    for (uint32_t i : Sdr::random(n, w, seed).active()) hits[i] += 1;
  CHECK(chi2(hits, double(draws) * w / n) < chi2_bound(n - 1));
}

TEST_CASE("SDR: subsample() picks k of the active bits, every k-subset equally likely") {
  Sdr s(64, {2, 5, 11, 13, 30, 31, 40, 47, 50, 63});
  Sdr k3 = s.subsample(3, 99);
  CHECK(k3.count() == 3);
  CHECK(k3.size() == 64);
  CHECK(neuro::difference(k3, s).count() == 0);  // a subset
  CHECK(k3 == s.subsample(3, 99));
  CHECK(s.subsample(10, 1) == s);
  CHECK(s.subsample(0, 1).count() == 0);
  std::string e = error_of([&] { s.subsample(11, 1); });
  CHECK(e.find("cannot subsample 11 of 10 active bits") != std::string::npos);
  CHECK(e.find("std::min(k, count())") != std::string::npos);

  // Over many seeds each of the C(10,3) = 120 subsets turns up about
  // equally often, and so does each bit.
  const int seeds = 36000;
  std::map<std::vector<uint32_t>, double> subsets;
  std::map<uint32_t, double> bits;
  for (uint64_t seed = 0; seed < uint64_t(seeds); ++seed) {
    Sdr x = s.subsample(3, seed);
    subsets[ids_of(x)] += 1;
    for (uint32_t i : x.active()) bits[i] += 1;
  }
  REQUIRE(subsets.size() == 120);
  std::vector<double> sub_counts, bit_counts;
  for (auto& [_, c] : subsets) sub_counts.push_back(c);
  for (auto& [_, c] : bits) bit_counts.push_back(c);
  CHECK(chi2(sub_counts, seeds / 120.0) < chi2_bound(119));
  CHECK(chi2(bit_counts, seeds * 3 / 10.0) < chi2_bound(9));
}

// ---- encoders ----------------------------------------------------------------

TEST_CASE("SDR encoders: scalar codes are blocks whose overlap is w - |start difference|") {
  const uint32_t n = 120, w = 12;
  ScalarEncoder enc(-5.0, 5.0, n, w);
  // Values on the grid min + k·step start at bit k.
  const double step = 10.0 / (n - w);
  auto grid = [&](int k) { return -5.0 + k * step; };
  for (int k = 0; k <= int(n - w); ++k) {
    Sdr s = enc.encode(grid(k));
    REQUIRE(s.count() == w);
    CHECK(s.active().front() == uint32_t(k));
    CHECK(s.active().back() == uint32_t(k + w - 1));
  }
  Lcg g{3};
  for (int t = 0; t < 500; ++t) {
    int i = g.next() % (n - w + 1), j = g.next() % (n - w + 1);
    // Any value within a third of a step of the grid point rounds to it.
    double vi = grid(i) + (g.unit() - 0.5) * step * 0.66;
    double vj = grid(j) + (g.unit() - 0.5) * step * 0.66;
    vi = std::clamp(vi, -5.0, 5.0), vj = std::clamp(vj, -5.0, 5.0);
    CHECK(neuro::overlap(enc.encode(vi), enc.encode(vj)) ==
          size_t(std::max(0, int(w) - std::abs(i - j))));
  }
  CHECK(enc.encode(-5.0) == Sdr(n, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  CHECK(enc.encode(5.0).active().back() == n - 1);
  // Clipping, or not.
  CHECK(enc.encode(-7.0) == enc.encode(-5.0));
  CHECK(enc.encode(1e300) == enc.encode(5.0));
  ScalarEncoder strict(-5.0, 5.0, n, w, false);
  CHECK(strict.encode(5.0) == enc.encode(5.0));
  std::string e = error_of([&] { strict.encode(5.5); });
  CHECK(e.find("5.5 is outside [-5, 5]") != std::string::npos);
  CHECK(e.find("clip = true") != std::string::npos);
  CHECK(error_of([&] { enc.encode(std::nan("")); }).find("NaN") != std::string::npos);
  // Parameters.
  CHECK_THROWS_AS(ScalarEncoder(1, 1, 10, 2), SdrError);
  CHECK_THROWS_AS(ScalarEncoder(2, 1, 10, 2), SdrError);
  CHECK_THROWS_AS(ScalarEncoder(0, INFINITY, 10, 2), SdrError);
  CHECK_THROWS_AS(ScalarEncoder(-1e308, 1e308, 10, 2), SdrError);  // max - min overflows
  CHECK(error_of([] { ScalarEncoder(0, 1, 10, 11); }).find("w = 11 active bits of only n = 10") !=
        std::string::npos);
  CHECK_THROWS_AS(ScalarEncoder(0, 1, 10, 0), SdrError);
  CHECK(ScalarEncoder(0, 1, 10, 10).encode(0.3).count() == 10);  // w = n: always all bits
}

TEST_CASE("SDR encoders: category codes are disjoint blocks") {
  CategoryEncoder enc(7, 5);
  CHECK(enc.size() == 35);
  Sdr all(35);
  for (uint32_t c = 0; c < 7; ++c) {
    Sdr s = enc.encode(c);
    CHECK(s.count() == 5);
    CHECK(s.active().front() == c * 5);
    CHECK(s.active().back() == c * 5 + 4);
    for (uint32_t d = 0; d < c; ++d) CHECK(neuro::overlap(s, enc.encode(d)) == 0);
    all = neuro::union_of(all, s);
  }
  CHECK(all.count() == 35);
  std::string e = error_of([&] { enc.encode(7); });
  CHECK(e.find("there is no category 7") != std::string::npos);
  CHECK(e.find("categories are 0 to 6") != std::string::npos);
  CHECK_THROWS_AS(CategoryEncoder(0, 5), SdrError);
  CHECK_THROWS_AS(CategoryEncoder(5, 0), SdrError);
  CHECK_THROWS_AS(CategoryEncoder(1u << 20, 1u << 12), SdrError);  // 2^32 bits
}

TEST_CASE("SDR encoders: RDSE codes have w bits, share w - d bits d buckets apart, chance beyond") {
  const uint32_t n = 1000, w = 21;
  const double res = 0.25;
  RdseEncoder enc(n, w, res, 1234);
  Lcg g{17};
  // Exactly w distinct bits, for values near zero, negative and large.
  for (int t = 0; t < 2000; ++t) {
    double v = (g.unit() - 0.5) * (t < 1000 ? 100.0 : 1e12);
    CHECK(enc.encode(v).count() == w);
  }
  // Identical values (and equal buckets) give identical codes; so does
  // another encoder with the same parameters.
  CHECK(enc.encode(3.3) == enc.encode(3.3));
  CHECK(enc.encode(3.3) == RdseEncoder(n, w, res, 1234).encode(3.3));
  CHECK(enc.encode(3.26) == enc.encode(3.49));  // both bucket 13
  CHECK(enc.encode(3.3) != RdseEncoder(n, w, res, 1235).encode(3.3));
  CHECK(enc.bucket(-0.1) == -1);
  CHECK(enc.bucket(0.0) == 0);
  // Values within one resolution of each other are in the same or adjacent
  // buckets: at least w - 1 common bits. Buckets d < w apart: at least w - d,
  // and more only by chance collisions of the slots not shared.
  double extra = 0;
  int pairs = 0;
  for (int t = 0; t < 2000; ++t) {
    double v = (g.unit() - 0.5) * 1000.0;
    double u = v + g.unit() * res;
    CHECK(neuro::overlap(enc.encode(v), enc.encode(u)) >= w - 1);
    int d = int(g.next() % w);
    double x = v + d * res;
    size_t ov = neuro::overlap(enc.encode(v), enc.encode(x));
    int64_t dist = std::abs(enc.bucket(x) - enc.bucket(v));
    REQUIRE(dist < int64_t(w));
    CHECK(ov >= size_t(w - dist));
    extra += double(ov) - double(w - dist);
    ++pairs;
  }
  CHECK(extra / pairs < 0.5);  // chance collisions are rare (at most d·d/n bits each)
  // Far apart (more than w buckets): w²/n common bits on average. Given how
  // many bits each code has in the lower half, the overlap is a sum of
  // hypergeometric counts (variance ≤ mean) whose mean c' is at most 2·w²/n,
  // so with c = w²/n the variance is at most c + 2c² ≤ 2c (c ≤ 1/2 here),
  // and the mean of m pairs lies within 5·sqrt(2c / m) of c.
  const int m = 4000;
  double sum = 0;
  for (int t = 0; t < m; ++t) {
    double v = (g.unit() - 0.5) * 1e6;
    double u = v + (w + 1 + g.next() % 100000) * res;
    sum += double(neuro::overlap(enc.encode(v), enc.encode(u)));
  }
  const double chance = double(w) * w / n;
  REQUIRE(chance <= 0.5);
  CHECK(std::abs(sum / m - chance) < 5 * std::sqrt(2 * chance / m));
  // Every bit is used, about equally (codes of buckets w apart are disjoint
  // slots: count bit use over 4000 such codes).
  std::vector<double> hits(n, 0);
  for (int t = 0; t < 4000; ++t)
    for (uint32_t i : enc.encode(t * double(w) * res).active()) hits[i] += 1;
  CHECK(chi2(hits, 4000.0 * w / n) < chi2_bound(n - 1));
}

TEST_CASE("SDR encoders: RDSE codes are pinned (the same on every platform)") {
  // If this changes, every host's learned codes change: only on purpose.
  // The figures come from a separate Python model of the scheme documented
  // in encoders.h and sdr.h (splitmix64, rejection, halves, Floyd).
  RdseEncoder enc(100, 5, 1.0, 42);
  CHECK(enc.encode(0.0).to_string() == "SDR(100){2,17,18,31,46}");
  CHECK(enc.encode(-3.5).to_string() == "SDR(100){18,54,56,96,98}");  // blocks -1 and 0
  CHECK(Sdr(40, {9, 10, 11, 12, 13}).subsample(2, 7).to_string() == "SDR(40){12,13}");
}

TEST_CASE("SDR encoders: RDSE parameters and values that cannot be encoded") {
  std::string e = error_of([] { RdseEncoder(100, 51, 1.0, 1); });
  CHECK(e.find("w = 51 active bits need n >= 102") != std::string::npos);
  CHECK_NOTHROW(RdseEncoder(102, 51, 1.0, 1).encode(7.0));
  CHECK(RdseEncoder(102, 51, 1.0, 1).encode(7.0).count() == 51);
  CHECK(RdseEncoder(103, 51, 1.0, 1).encode(-7.0).count() == 51);  // odd n: halves 51 and 52
  CHECK_THROWS_AS(RdseEncoder(100, 0, 1.0, 1), SdrError);
  CHECK_THROWS_AS(RdseEncoder(100, 5, 0.0, 1), SdrError);
  CHECK_THROWS_AS(RdseEncoder(100, 5, -1.0, 1), SdrError);
  CHECK_THROWS_AS(RdseEncoder(100, 5, NAN, 1), SdrError);
  RdseEncoder enc(100, 5, 1.0, 1);
  CHECK(error_of([&] { enc.encode(NAN); }).find("NaN") != std::string::npos);
  CHECK_THROWS_AS(enc.encode(INFINITY), SdrError);
  CHECK_THROWS_AS(enc.encode(1e19), SdrError);
  CHECK(enc.encode(4e18).count() == 5);  // within ±2^62
}

// ---- the engine and the C API ------------------------------------------------

TEST_CASE("SDR: Engine::inject_sdr makes the active neurons spike") {
  const char* model = R"(
neuron Quiet {
  param tau = 10 ms;  param E_L = -70 mV;  param v_th = -55 mV
  state v = E_L
  dv/dt = (E_L - v) / tau
  spike when v > v_th { v = E_L }
}
circuit C {
  P = Quiet[12]
  record spikes of P
}
run C for 10 ms  dt = 0.1 ms  seed = 1
)";
  neuro::Engine e;
  REQUIRE(e.load_text(model) == neuro::Status::Ok);
  CHECK(e.inject_sdr("P", CategoryEncoder(3, 4).encode(1)) ==
        neuro::Status::UsageError);  // unbuilt
  REQUIRE(e.build() == neuro::Status::Ok);
  REQUIRE(e.inject_sdr("P", CategoryEncoder(3, 4).encode(1)) == neuro::Status::Ok);
  REQUIRE(e.step() == neuro::Status::Ok);
  std::vector<uint32_t> ids;
  std::vector<double> times;
  REQUIRE(e.spikes("P", ids, times) == neuro::Status::Ok);
  CHECK(ids == std::vector<uint32_t>{4, 5, 6, 7});
  CHECK(e.inject_sdr("P", Sdr(13, {1})) == neuro::Status::UsageError);
  REQUIRE(!e.diagnostics().empty());
  CHECK(e.diagnostics()[0].message.find("an SDR of 13 bits cannot drive `P`, which has 12") !=
        std::string::npos);
  CHECK(e.inject_sdr("Q", Sdr(12, {1})) == neuro::Status::UsageError);
}

TEST_CASE("SDR: the C encoders agree with the C++ ones and follow the C API's conventions") {
  uint32_t ids[64];
  size_t count = 0;
  REQUIRE(neuro_sdr_scalar_encode(0.7, 0.0, 2.0, 100, 10, 1, ids, 64, &count) == NEURO_OK);
  CHECK(std::string(neuro_last_error()).empty());
  Sdr cpp = ScalarEncoder(0.0, 2.0, 100, 10).encode(0.7);
  REQUIRE(count == cpp.count());
  CHECK(std::vector<uint32_t>(ids, ids + count) == ids_of(cpp));

  // NULL buffer: the size only; a small buffer: reported, nothing written.
  count = 0;
  CHECK(neuro_sdr_rdse_encode(3.3, 0.25, 1000, 21, 1234, nullptr, 0, &count) == NEURO_OK);
  CHECK(count == 21);
  uint32_t small[4] = {7, 7, 7, 7};
  CHECK(neuro_sdr_rdse_encode(3.3, 0.25, 1000, 21, 1234, small, 4, &count) ==
        NEURO_BUFFER_TOO_SMALL);
  CHECK(count == 21);
  CHECK(small[0] == 7);
  CHECK(std::string(neuro_last_error()).find("21 active bits; the buffer holds 4") !=
        std::string::npos);
  REQUIRE(neuro_sdr_rdse_encode(3.3, 0.25, 1000, 21, 1234, ids, 64, &count) == NEURO_OK);
  CHECK(std::vector<uint32_t>(ids, ids + count) ==
        ids_of(RdseEncoder(1000, 21, 0.25, 1234).encode(3.3)));

  REQUIRE(neuro_sdr_category_encode(2, 3, 4, ids, 64, &count) == NEURO_OK);
  CHECK(std::vector<uint32_t>(ids, ids + count) == std::vector<uint32_t>{8, 9, 10, 11});
  CHECK(neuro_sdr_category_encode(3, 3, 4, ids, 64, &count) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()) ==
        "neuro: error[E0603]: category encoder: there is no category 3 "
        "(hint: categories are 0 to 2)");

  // Mistakes are usage errors with a reason, never a crash.
  CHECK(neuro_sdr_scalar_encode(NAN, 0, 1, 10, 2, 1, ids, 64, &count) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("NaN") != std::string::npos);
  CHECK(neuro_sdr_scalar_encode(2.0, 0, 1, 10, 2, 0, ids, 64, &count) == NEURO_USAGE_ERROR);
  CHECK(neuro_sdr_scalar_encode(2.0, 0, 1, 10, 2, 1, ids, 64, &count) == NEURO_OK);  // clipped
  CHECK(neuro_sdr_rdse_encode(1.0, 1.0, 10, 6, 1, ids, 64, &count) == NEURO_USAGE_ERROR);
  // A huge w is refused before anything is drawn (a count-only call of
  // n = 4e9, w = 2e9 allocated more than 6 GB).
  CHECK(neuro_sdr_rdse_encode(1.0, 1.0, 4000000000u, 2000000000u, 1, nullptr, 0, &count) ==
        NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("active bits is more than 1048576") !=
        std::string::npos);
  CHECK(neuro_sdr_scalar_encode(0.5, 0, 1, 10, 2, 1, ids, 64, nullptr) == NEURO_USAGE_ERROR);
  CHECK(std::string(neuro_last_error()).find("`count` is NULL") != std::string::npos);

  // Subsampling: k of the given indices (unsorted, duplicates merged).
  const uint32_t in[] = {50, 3, 9, 3, 27, 11};
  uint32_t out[8];
  size_t k = 0;
  REQUIRE(neuro_sdr_subsample(in, 6, 3, 5, out, 8, &k) == NEURO_OK);
  REQUIRE(k == 3);
  CHECK(std::vector<uint32_t>(out, out + 3) == ids_of(Sdr(51, {3, 9, 11, 27, 50}).subsample(3, 5)));
  CHECK(neuro_sdr_subsample(in, 6, 6, 5, out, 8, &k) == NEURO_USAGE_ERROR);  // 5 distinct
  CHECK(neuro_sdr_subsample(nullptr, 2, 1, 5, out, 8, &k) == NEURO_USAGE_ERROR);
  CHECK(neuro_sdr_subsample(nullptr, 0, 0, 5, out, 8, &k) == NEURO_OK);
  CHECK(k == 0);
  const uint32_t top[] = {UINT32_MAX};
  CHECK(neuro_sdr_subsample(top, 1, 1, 5, out, 8, &k) == NEURO_USAGE_ERROR);
}

// ---- the docs example --------------------------------------------------------

namespace {

// The ```cpp block under the "## SDRs and encoders" heading of docs/embedding.md.
std::string docs_example() {
  std::ifstream in(std::filesystem::path(NEURO_SOURCE_DIR) / "docs" / "embedding.md");
  std::string line, block;
  bool section = false, inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) section = line == "## SDRs and encoders";
    if (!section) continue;
    if (!inside && line == "```cpp") {
      inside = true;
    } else if (inside && line.rfind("```", 0) == 0) {
      return block;
    } else if (inside) {
      block += line + "\n";
    }
  }
  return block;
}

// Whether the block has a line that starts with `code` and whose comment
// starts with `shows`.
bool shows(const std::string& block, const std::string& code, const std::string& shows) {
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(code, 0) != 0) continue;
    auto c = line.find("// ");
    if (c != std::string::npos && line.compare(c + 3, shows.size(), shows) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("SDR: the example of docs/embedding.md prints what its comments say") {
  // The same statements as the docs block; its comments must be their output.
  std::string block = docs_example();
  REQUIRE(!block.empty());
  neuro::ScalarEncoder speed(0.0, 2.0, 40, 5);
  neuro::Sdr slow = speed.encode(0.5), slower = speed.encode(0.4);
  CHECK(shows(block, "std::cout << slow << \"\\n\";", slow.to_string()));
  CHECK(shows(block, "std::cout << slower << \"\\n\";", slower.to_string()));
  CHECK(shows(block, "std::cout << neuro::overlap(slow, slower)",
              std::to_string(neuro::overlap(slow, slower))));
  neuro::CategoryEncoder colour(3, 4);
  CHECK(shows(block, "std::cout << colour.encode(2)", colour.encode(2).to_string()));
  neuro::RdseEncoder rdse(1000, 20, 0.1, 42);
  CHECK(shows(block, "std::cout << neuro::overlap(rdse.encode(3.14), rdse.encode(3.21))",
              std::to_string(neuro::overlap(rdse.encode(3.14), rdse.encode(3.21)))));
  CHECK(shows(block, "std::cout << neuro::overlap(rdse.encode(3.14), rdse.encode(90.0))",
              std::to_string(neuro::overlap(rdse.encode(3.14), rdse.encode(90.0)))));
  CHECK(shows(block, "std::cout << slow.subsample(2, 7)", slow.subsample(2, 7).to_string()));
  for (const char* code :
       {"neuro::ScalarEncoder speed(0.0, 2.0, 40, 5);",
        "neuro::Sdr slow = speed.encode(0.5), slower = speed.encode(0.4);",
        "neuro::CategoryEncoder colour(3, 4);", "neuro::RdseEncoder rdse(1000, 20, 0.1, 42);",
        "engine.inject_sdr(\"P\", slow);"})
    CHECK_MESSAGE(block.find(code) != std::string::npos, code);
}

TEST_CASE("SDR encoders in the language give the host encoders' codes") {
  // 61 values over [-0.2, 1.2] (some clipped) into 50 neurons with 7 active,
  // one per step through a drive; category codes likewise.
  std::vector<double> xs;
  for (int k = 0; k <= 60; ++k) xs.push_back(-0.2 + 1.4 * k / 60.0);
  std::string table;
  for (double x : xs) table += (table.empty() ? "" : ", ") + fmt::format("{:.17g}", x);
  neuro::Engine e;
  const std::string text = fmt::format(R"(
neuron Bit {{ state act = 0 }}
circuit C {{
  S = Bit[50]
  K = Bit[60]
  drive S.act = scalar_code(table(0.1 ms, [{}]), 0, 1, 7)
  drive K.act = category_code(floor(t / 0.1 ms + 0.5) % 6, 10)
  record act of S
  record act of K
}}
run C for 6.1 ms  dt = 0.1 ms
)",
                                       table);
  REQUIRE(e.load_text(text, "codes.neuro") == neuro::Status::Ok);
  REQUIRE(e.build() == neuro::Status::Ok);
  REQUIRE(e.run_to_end() == neuro::Status::Ok);
  auto active_rows = [&](const char* var) {
    std::vector<double> times, values;
    std::vector<uint32_t> ids;
    REQUIRE(e.trace(var, "", times, ids, values) == neuro::Status::Ok);
    std::vector<std::vector<uint32_t>> rows;
    for (size_t s = 1; s < times.size(); ++s) {  // sample s: the drive of step s − 1
      rows.emplace_back();
      for (size_t k = 0; k < ids.size(); ++k)
        if (values[s * ids.size() + k] != 0) rows.back().push_back(ids[k]);
    }
    return rows;
  };
  auto s_rows = active_rows("S.act"), k_rows = active_rows("K.act");
  REQUIRE(s_rows.size() == xs.size());
  neuro::ScalarEncoder scalar(0, 1, 50, 7, true);
  neuro::CategoryEncoder category(6, 10);
  for (size_t s = 0; s < xs.size(); ++s) {
    INFO("x = " << xs[s]);
    auto want = scalar.encode(xs[s]).active();
    CHECK(s_rows[s] == std::vector<uint32_t>(want.begin(), want.end()));
    auto cat = category.encode(static_cast<uint32_t>(s % 6)).active();
    CHECK(k_rows[s] == std::vector<uint32_t>(cat.begin(), cat.end()));
  }
}
