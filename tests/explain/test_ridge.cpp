// The weighted ridge behind LIME's surrogate, against fits worked by hand.
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "explain/posthoc/ridge.h"

using namespace candor;
using namespace candor::explain;

namespace {
Matrix column(std::vector<double> v) {
  Matrix m(v.size(), 1);
  m.values = std::move(v);
  return m;
}
}  // namespace

TEST_CASE("ridge: least squares at alpha 0, shrinkage of the slope only at alpha 1") {
  const Matrix x = column({0, 1, 2, 3});
  const std::vector<double> y = {1, 3, 5, 7}, ones(4, 1.0);
  const RidgeFit exact = weighted_ridge(x, y, ones, 0.0);
  CHECK(exact.coefficients[0] == doctest::Approx(2.0));
  CHECK(exact.intercept == doctest::Approx(1.0));
  CHECK(exact.r2 == doctest::Approx(1.0));
  // Centred x = (-1.5, -0.5, 0.5, 1.5): sum xc^2 = 5, sum xc yc = 10, so beta = 10 / (5 + 1) and
  // the unpenalised intercept is y_bar - x_bar beta = 4 - 1.5 * 5 / 3 = 1.5.
  const RidgeFit shrunk = weighted_ridge(x, y, ones, 1.0);
  CHECK(shrunk.coefficients[0] == doctest::Approx(5.0 / 3.0));
  CHECK(shrunk.intercept == doctest::Approx(1.5));
  CHECK(shrunk.r2 < 1.0);
  CHECK(shrunk.r2 > 0.9);
}

TEST_CASE("ridge: zero-weight samples do not count") {
  const RidgeFit fit = weighted_ridge(column({0, 1, 2, 3}), {100, -7, 5, 9}, {0, 0, 1, 1}, 0.0);
  CHECK(fit.coefficients[0] == doctest::Approx(4.0));
  CHECK(fit.intercept == doctest::Approx(-3.0));
  CHECK(fit.r2 == doctest::Approx(1.0));
}

TEST_CASE("ridge: bad input is a ValueError") {
  const Matrix x = column({1, 1, 1});
  CHECK_THROWS_WITH_AS(weighted_ridge(x, {1, 2, 3}, {1, 1, 1}, 0.0), doctest::Contains("singular"), ValueError);
  CHECK(weighted_ridge(x, {1, 2, 3}, {1, 1, 1}, 1.0).coefficients[0] == 0.0);  // alpha > 0: always solvable
  CHECK_THROWS_WITH_AS(weighted_ridge(x, {1, 2}, {1, 1, 1}, 1.0), doctest::Contains("3 samples, but 2 targets"),
                       ValueError);
  CHECK_THROWS_WITH_AS(weighted_ridge(x, {1, 2, 3}, {1, -1, 1}, 1.0), doctest::Contains("weights must be finite"),
                       ValueError);
  CHECK_THROWS_WITH_AS(weighted_ridge(x, {1, 2, 3}, {0, 0, 0}, 1.0), doctest::Contains("sum to 0"), ValueError);
  CHECK_THROWS_WITH_AS(weighted_ridge(x, {1, 2, 3}, {1, 1, 1}, -1.0), doctest::Contains("alpha must be"), ValueError);
}
