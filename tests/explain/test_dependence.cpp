// Partial dependence and ICE on additive models, where both are known in closed form, the grids
// for numbers and categories, row weights, and bad input.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "explain/posthoc/dependence.h"

using namespace candor;
using namespace candor::explain;

namespace {

double g(double x) { return std::sin(2 * x); }
double h(double x) { return x * x + 0.3 * x; }

// Columns: x0, x1 ~ N(0, 1), x2 = a small integer, 3..5 a one-hot category.
Matrix make_rows(size_t n) {
  Generator gen(8);
  Matrix m(n, 6);
  for (size_t r = 0; r < n; ++r) {
    m(r, 0) = standard_normal(gen);
    m(r, 1) = standard_normal(gen);
    m(r, 2) = static_cast<double>(r % 3);
    m(r, 3 + (r * 7) % 3) = 1.0;
  }
  return m;
}

const double kCategory[3] = {0.5, -1.0, 2.0};

// f = g(x0) + h(x1) + category effect: additive in every player.
std::vector<double> additive(const Matrix& x) {
  std::vector<double> out(x.rows);
  for (size_t r = 0; r < x.rows; ++r) {
    out[r] = g(x(r, 0)) + h(x(r, 1));
    for (size_t k = 0; k < 3; ++k) out[r] += kCategory[k] * x(r, 3 + k);
  }
  return out;
}

}  // namespace

TEST_CASE("partial dependence: an additive model's PD is g(grid) + mean of the rest, ICE curves are parallel") {
  const Matrix rows = make_rows(500);
  size_t calls = 0;
  const Dependence d = partial_dependence(rows, {"x0", {0}}, [&](const Matrix& x) {
    ++calls;
    return additive(x);
  });
  REQUIRE(d.grid.rows == 20);
  REQUIRE(d.grid.cols == 1);
  CHECK(calls == 20);
  double rest = 0;  // mean over rows of everything but g(x0)
  const std::vector<double> full = additive(rows);
  for (size_t r = 0; r < rows.rows; ++r) rest += (full[r] - g(rows(r, 0))) / static_cast<double>(rows.rows);
  for (size_t k = 0; k < 20; ++k) {
    CHECK(std::fabs(d.average[k] - (g(d.grid(k, 0)) + rest)) <= 1e-12);
    for (size_t r = 0; r < rows.rows; ++r) {
      CHECK(std::fabs((d.ice(r, k) - d.ice(r, 0)) - (d.ice(0, k) - d.ice(0, 0))) <= 1e-12);
    }
  }
}

TEST_CASE("partial dependence: a number's grid runs evenly from its 5th to its 95th percentile") {
  // Values 0, 1, ..., 100: the 5th and 95th percentiles are 5 and 95; 20 points step by 90 / 19.
  Matrix rows(101, 1);
  for (size_t r = 0; r < 101; ++r) rows(r, 0) = static_cast<double>(100 - r);
  const Predictor identity = [](const Matrix& x) { return x.values; };
  const Dependence d = partial_dependence(rows, {"x", {0}}, identity);
  REQUIRE(d.grid.rows == 20);
  for (size_t k = 0; k < 20; ++k) {
    CHECK(d.grid(k, 0) == doctest::Approx(5.0 + 90.0 * static_cast<double>(k) / 19.0));
    CHECK(d.average[k] == doctest::Approx(d.grid(k, 0)));
  }
  CHECK(d.grid(19, 0) == 95.0);
  DependenceOptions o;
  o.grid_resolution = 5;
  o.lower_percentile = 0.0;
  o.upper_percentile = 1.0;
  const Dependence wide = partial_dependence(rows, {"x", {0}}, identity, o);
  CHECK(wide.grid.values == std::vector<double>{0.0, 25.0, 50.0, 75.0, 100.0});
}

TEST_CASE("partial dependence: few distinct values, or a categorical player, give its values as the grid") {
  const Matrix rows = make_rows(300);
  const Dependence few = partial_dependence(rows, {"x2", {2}}, additive);
  CHECK(few.grid.values == std::vector<double>{0.0, 1.0, 2.0});
  const Dependence cat = partial_dependence(rows, {"c", {3, 4, 5}}, additive);
  REQUIRE(cat.grid.rows == 3);
  REQUIRE(cat.grid.cols == 3);
  for (size_t k = 0; k < 3; ++k) {
    for (size_t j = 0; j < 3; ++j) CHECK(cat.grid(k, j) == (j == k ? 1.0 : 0.0));
  }
  double rest = 0;
  for (size_t r = 0; r < rows.rows; ++r) rest += (g(rows(r, 0)) + h(rows(r, 1))) / static_cast<double>(rows.rows);
  for (size_t k = 0; k < 3; ++k) CHECK(cat.average[k] == doctest::Approx(kCategory[k] + rest).epsilon(1e-12));
  DependenceOptions o;
  o.categorical = true;
  o.grid_resolution = 2;  // a categorical one-column player keeps all its codes regardless
  CHECK(partial_dependence(rows, {"x2", {2}}, additive, o).grid.values == std::vector<double>{0.0, 1.0, 2.0});
}

TEST_CASE("partial dependence: row weights average the ICE curves") {
  const Matrix rows = make_rows(200);
  DependenceOptions o;
  o.weights.assign(200, 0.0);
  std::vector<size_t> kept;
  for (size_t r = 0; r < 200; r += 2) {
    o.weights[r] = 3.0;
    kept.push_back(r);
  }
  const Dependence weighted = partial_dependence(rows, {"c", {3, 4, 5}}, additive, o);
  const Dependence half = partial_dependence(rows.take_rows(kept), {"c", {3, 4, 5}}, additive);
  for (size_t k = 0; k < 3; ++k) CHECK(std::fabs(weighted.average[k] - half.average[k]) <= 1e-12);
}

TEST_CASE("partial dependence: bad input is a ValueError that names the problem") {
  const Matrix rows = make_rows(50);
  const Predictor f = additive;
  CHECK_THROWS_WITH_AS(partial_dependence(rows, {"x9", {9}}, f), doctest::Contains("names column 9"), ValueError);
  DependenceOptions o;
  o.grid_resolution = 1;
  CHECK_THROWS_WITH_AS(partial_dependence(rows, {"x0", {0}}, f, o),
                       doctest::Contains("grid_resolution must be in [2, 100000], got 1"), ValueError);
  o = {};
  o.weights = {1.0, 2.0};
  CHECK_THROWS_WITH_AS(partial_dependence(rows, {"x0", {0}}, f, o), doctest::Contains("2 weights for 50 rows"),
                       ValueError);
  o = {};
  o.lower_percentile = 0.9;
  o.upper_percentile = 0.1;
  CHECK_THROWS_WITH_AS(partial_dependence(rows, {"x0", {0}}, f, o), doctest::Contains("0 <= lower < upper <= 1"),
                       ValueError);
  CHECK_THROWS_WITH_AS(partial_dependence(Matrix(0, 6), {"x0", {0}}, f), doctest::Contains("has no rows"), ValueError);
}

TEST_CASE("partial dependence of a spike (both percentiles on one value) spans the whole range") {
  Matrix spike(100, 1);  // 97 zeros and 3 other values: both percentiles are 0
  for (size_t r = 0; r < 3; ++r) spike(r, 0) = static_cast<double>(r + 1);
  DependenceOptions o;
  o.grid_resolution = 3;
  const Dependence d = partial_dependence(spike, {"s", {0}}, [](const Matrix& x) { return x.values; }, o);
  REQUIRE(d.grid.rows == 3);
  CHECK(d.grid(0, 0) == 0.0);
  CHECK(d.grid(1, 0) == 1.5);
  CHECK(d.grid(2, 0) == 3.0);
}
