// Sparse-representation theory against the reference values of
// Ahmad & Hawkins (2016), as listed in shared/reference/models.md.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "tests/unit/shell.h"

#include <cmath>

#include "numeric/theory.h"

using namespace neuro::num;

TEST_CASE("theory: false match, false negative and union size match the published values") {
  CHECK(false_match(300, 64, 24, 12) ==
        doctest::Approx(1.09461662333690e-3).epsilon(1e-10).scale(0));
  CHECK(false_match(4000, 128, 24, 12) == doctest::Approx(1.3432394e-12).epsilon(1e-7).scale(0));
  CHECK(false_negative(128, 30, 8, 64) ==
        doctest::Approx(7.35429456875121e-4).epsilon(1e-10).scale(0));
}

TEST_CASE("theory: limits and exact small cases") {
  // θ = 0: every pattern matches. θ > s: none can.
  CHECK(false_match(100, 10, 5, 0) == doctest::Approx(1.0).epsilon(1e-12).scale(0));
  CHECK(false_match(100, 10, 5, 6) == 0.0);
  // n = 4, a = 2, s = 2, θ = 2: the pattern must be exactly the segment's: 1/C(4,2).
  CHECK(false_match(4, 2, 2, 2) == doctest::Approx(1.0 / 6).epsilon(1e-14).scale(0));
  // No noise: a full segment never misses (θ ≤ s).
  CHECK(false_negative(20, 10, 5, 0) == 0.0);
  // Terms far below the smallest double still give the right answer.
  double tiny = false_match(100000, 64, 64, 64);  // = 1 / C(100000, 64)
  CHECK(tiny > 0);
  CHECK(std::log(tiny) ==
        doctest::Approx(-(std::lgamma(100001) - std::lgamma(65) - std::lgamma(100000 - 64 + 1)))
            .epsilon(1e-12)
            .scale(0));
  CHECK(union_size(2048, 40, 1) == doctest::Approx(40).epsilon(1e-12).scale(0));
  CHECK(union_size(2048, 40, 0) == 0);
  CHECK(std::isnan(false_match(10, 20, 5, 2)));  // a > n: no such pattern
}

TEST_CASE("examples/effect_of_n: the table and plot of P_fp against n hold the published values") {
  auto svg = std::filesystem::temp_directory_path() / "neuro_effect_of_n_test.svg";
  auto r = neuro::testing::run_shell(std::string(NEURO_EFFECT_OF_N) + " " + svg.string());
  REQUIRE(r.status == 0);
  // Rows: n, P(a=64), P(a=128), P(a=256).
  std::istringstream in(r.out);
  std::string line;
  std::map<int, std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    double n, a, b, c;
    if (ls >> n >> a >> b >> c) rows[static_cast<int>(n)] = {a, b, c};
  }
  REQUIRE(rows.count(300));
  REQUIRE(rows.count(4000));
  // models.md §1 (printed to 7 significant digits).
  CHECK(rows[300][0] == doctest::Approx(1.09461662333690e-3).epsilon(1e-6).scale(0));
  CHECK(rows[4000][1] == doctest::Approx(1.3432394e-12).epsilon(1e-6).scale(0));
  // More cells, fewer false matches; more active cells, more.
  for (auto it = rows.begin(); std::next(it) != rows.end(); ++it)
    for (int k = 0; k < 3; ++k) CHECK(std::next(it)->second[k] < it->second[k]);
  for (auto& [n, p] : rows) CHECK((p[0] < p[1] && p[1] < p[2]));
  std::string text = neuro::testing::slurp(svg);
  size_t paths = 0;
  for (size_t at = text.find("<path"); at != std::string::npos; at = text.find("<path", at + 1))
    ++paths;
  CHECK(paths == 3);
  std::filesystem::remove(svg);
}
