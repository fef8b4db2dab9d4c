// The exponential every backend uses (ir/exp.h) against glibc's `exp`,
// which is correctly rounded in all but rare cases, and against `expl`
// (64-bit significand) for the true error.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "interpreter/exp_lanes.h"
#include "numeric/exp.h"

namespace {

int64_t ulps_apart(double a, double b) {
  if (a == b) return 0;
  int64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x > y ? x - y : y - x;  // both positive: the bit patterns are ordered
}

}  // namespace

TEST_CASE("exp: within 1 ulp of glibc and below 1 ulp of the true value over 10^7 arguments") {
  std::mt19937_64 gen(7);
  // The whole finite range, the range models use, and around 0.
  std::uniform_real_distribution<double> all(-745.2, 709.78), model(-40, 40), small(-1, 1);
  int64_t worst_glibc = 0, differ = 0;
  long double worst_true = 0;
  const int n = 2500000;
  auto check = [&](double x) {
    const double a = neuro::num::exp(x), b = std::exp(x);
    const int64_t u = ulps_apart(a, b);
    worst_glibc = std::max(worst_glibc, u);
    differ += u != 0;
    if (b >= std::numeric_limits<double>::min()) {  // normal results: error in ulps of b
      const long double ulp = std::nextafter(b, INFINITY) - b;
      worst_true = std::max(worst_true, std::fabs(static_cast<long double>(a) - expl(x)) / ulp);
    }
  };
  for (int k = 0; k < n; ++k) {
    check(all(gen));
    check(model(gen));
    check(small(gen));
    check(small(gen) * 1e-3);
  }
  MESSAGE("max |exp - glibc| = " << worst_glibc << " ulp; " << differ << " of " << 4 * n
                                 << " differ; max error against expl = "
                                 << static_cast<double>(worst_true) << " ulp");
  CHECK(worst_glibc <= 1);
  CHECK(worst_true < 1.0);
}

TEST_CASE("exp: special values") {
  using neuro::num::exp;
  CHECK(exp(0.0) == 1.0);
  CHECK(exp(-0.0) == 1.0);
  CHECK(exp(1e-300) == 1.0);
  CHECK(exp(-INFINITY) == 0.0);
  CHECK(exp(INFINITY) == INFINITY);
  CHECK(exp(710.0) == INFINITY);
  CHECK(exp(1e308) == INFINITY);
  CHECK(exp(-746.0) == 0.0);
  CHECK(exp(-1e308) == 0.0);
  CHECK(std::isnan(exp(NAN)));
  CHECK(exp(709.78) == std::exp(709.78));                 // the largest results
  CHECK(exp(-745.1) == std::exp(-745.1));                 // the smallest subnormal
  CHECK(ulps_apart(exp(-720.0), std::exp(-720.0)) <= 1);  // subnormal, rounded once
  CHECK(ulps_apart(exp(std::log(2.0)), 2.0) <= 1);
}

TEST_CASE("exp: the vectorised loop gives the scalar function's bits") {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> d(-800, 800);
  std::vector<double> x(10007), y(x.size());
  for (auto& v : x) v = d(gen);
  x[5] = NAN;
  x[6] = INFINITY;
  x[7] = -INFINITY;
  x[8] = -0.0;
  neuro::interp::exp_lanes(y.data(), x.data(), x.size());
  size_t same = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double s = neuro::num::exp(x[i]);
    same += std::memcmp(&s, &y[i], 8) == 0;
  }
  CHECK(same == x.size());
}
