#include <cmath>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "explain/posthoc/gradients.h"
#include "posthoc_models.h"

using namespace candor;
using namespace candor::explain;
using candor::explain::testing::normal_rows;
using candor::explain::testing::tanh_network;

namespace {

// Central finite differences of the network's output, the reference for its gradients.
Matrix finite_differences(const Predictor& f, const Matrix& rows) {
  Matrix g(rows.rows, rows.cols);
  const double h = 1e-6;
  for (size_t r = 0; r < rows.rows; ++r) {
    for (size_t c = 0; c < rows.cols; ++c) {
      Matrix plus = rows.take_rows({r}), minus = rows.take_rows({r});
      plus(0, c) += h;
      minus(0, c) -= h;
      g(r, c) = (f(plus)[0] - f(minus)[0]) / (2 * h);
    }
  }
  return g;
}

}  // namespace

TEST_CASE("gradients, saliency and gradient x input agree with finite differences in float64") {
  const auto model = tanh_network(5, 1);
  const Matrix rows = normal_rows(7, 5, 2);
  GradientOptions options;
  options.dtype = kFloat64;
  options.batch = 3;  // three passes, one of them short
  const Matrix g = gradients(model, rows, options);
  const Matrix reference = finite_differences(predictor_of(model, kFloat64), rows);
  const Matrix s = saliency(model, rows, true, options), gx = gradient_times_input(model, rows, options);
  for (size_t i = 0; i < g.values.size(); ++i) {
    CHECK(std::abs(g.values[i] - reference.values[i]) < 1e-7);
    CHECK(s.values[i] == std::abs(g.values[i]));
    CHECK(gx.values[i] == g.values[i] * rows.values[i]);
  }
}

TEST_CASE("integrated gradients: exact for a linear model, complete to 1e-10 with 64 Gauss-Legendre steps") {
  const Matrix rows = normal_rows(10, 4, 3);
  const TensorFunction linear = [](const Tensor& x) {
    return matmul(x, from_vector(std::vector<double>{2.0, -1.0, 0.5, 0.0}, {4, 1}).to(x.dtype()));
  };
  const Background zero{Matrix(1, 4), {1.0}};
  IntegratedGradientsOptions options;
  options.gradient.dtype = kFloat64;
  const IntegratedGradients lin = integrated_gradients(linear, rows, zero, options);
  for (size_t r = 0; r < rows.rows; ++r) {
    CHECK(lin.attributions(r, 0) == doctest::Approx(2.0 * rows(r, 0)).epsilon(1e-12));
    CHECK(lin.attributions(r, 3) == 0.0);
  }
  options.steps = 64;
  const auto network = tanh_network(4, 5);
  const IntegratedGradients ig = integrated_gradients(network, rows, zero, options);
  for (double d : ig.delta) CHECK(std::abs(d) < 1e-10);
  // A coarse left Riemann sum leaves a visible delta: the check above is not vacuous.
  options.rule = QuadratureRule::RiemannLeft;
  options.steps = 4;
  const IntegratedGradients coarse = integrated_gradients(network, rows, zero, options);
  double worst = 0;
  for (double d : coarse.delta) worst = std::max(worst, std::abs(d));
  CHECK(worst > 1e-3);
}

TEST_CASE("integrated gradients over a weighted background: completeness against the weighted mean output") {
  const Matrix rows = normal_rows(3, 4, 6);
  const Matrix data = normal_rows(50, 4, 7);
  Generator gen(1);
  Background background = sample_background(data, 5, gen);
  background.weights = {0.1, 0.2, 0.3, 0.2, 0.2};
  IntegratedGradientsOptions options;
  options.gradient.dtype = kFloat64;
  options.steps = 64;
  const auto network = tanh_network(4, 5);
  const IntegratedGradients ig = integrated_gradients(network, rows, background, options);
  const std::vector<double> fb = predictor_of(network, kFloat64)(background.rows);
  double expected = 0;
  for (size_t k = 0; k < 5; ++k) expected += background.weights[k] * fb[k];
  CHECK(ig.baseline_value == doctest::Approx(expected).epsilon(1e-14));
  for (double d : ig.delta) CHECK(std::abs(d) < 1e-10);
  const Matrix by_player = sum_by_player(ig.attributions, {{"ab", {0, 1}}, {"c", {2}}, {"d", {3}}});
  for (size_t r = 0; r < rows.rows; ++r) {
    CHECK(by_player(r, 0) == ig.attributions(r, 0) + ig.attributions(r, 1));
  }
}

TEST_CASE("Gauss-Legendre nodes integrate polynomials of degree 2n - 1 exactly") {
  const Quadrature q = quadrature(QuadratureRule::GaussLegendre, 5);
  double sum = 0, integral_x9 = 0;
  for (size_t i = 0; i < 5; ++i) {
    sum += q.weights[i];
    integral_x9 += q.weights[i] * std::pow(q.points[i], 9);
    CHECK((q.points[i] > 0 && q.points[i] < 1));
  }
  CHECK(sum == doctest::Approx(1.0).epsilon(1e-15));
  CHECK(integral_x9 == doctest::Approx(0.1).epsilon(1e-14));
  CHECK(quadrature_rule("riemann_trapezoid") == QuadratureRule::RiemannTrapezoid);
  CHECK_THROWS_AS(quadrature_rule("simpson"), ValueError);
  CHECK_THROWS_AS(quadrature(QuadratureRule::RiemannTrapezoid, 1), ValueError);
}

TEST_CASE("SmoothGrad is seeded and tends to the gradient as the noise vanishes") {
  const auto network = tanh_network(3, 2);
  const Matrix rows = normal_rows(2, 3, 4);
  SmoothGradOptions options;
  options.gradient.dtype = kFloat64;
  options.samples = 20;
  options.seed = 3;
  CHECK(smoothgrad(network, rows, options).values == smoothgrad(network, rows, options).values);
  options.stdev = 0;
  const Matrix plain = gradients(network, rows, options.gradient);
  const Matrix noiseless = smoothgrad(network, rows, options);
  for (size_t i = 0; i < plain.values.size(); ++i) CHECK(noiseless.values[i] == doctest::Approx(plain.values[i]));
}

TEST_CASE("gradient attribution refuses a model without a gradient and outputs of the wrong shape") {
  const Matrix rows = normal_rows(2, 3, 4);
  const TensorFunction constant = [](const Tensor& x) { return from_vector(std::vector<double>(static_cast<size_t>(x.size(0)), 1.0), {x.size(0)}); };
  CHECK_THROWS_WITH_AS(gradients(constant, rows),
                       "this model's output has no gradient with respect to its input (it is not a differentiable "
                       "network): use a model-agnostic explainer such as Shapley values",
                       ValueError);
  const TensorFunction wide = [](const Tensor& x) { return x * 2.0; };
  CHECK_THROWS_AS(gradients(wide, rows), ShapeError);
  const Background narrow{Matrix(1, 2), {1.0}};
  CHECK_THROWS_AS(integrated_gradients(tanh_network(3, 1), rows, narrow), ValueError);
}

TEST_CASE("integrated gradients do not depend on the batch (to rounding), and refuse absurd sizes") {
  const auto network = tanh_network(4, 5);
  const Matrix rows = normal_rows(3, 4, 6);
  Generator gen(2);
  const Background background = sample_background(normal_rows(40, 4, 7), 6, gen);
  IntegratedGradientsOptions options;
  options.steps = 16;
  options.gradient.dtype = kFloat64;
  const IntegratedGradients whole = integrated_gradients(network, rows, background, options);
  options.gradient.batch = 7;  // 96 path points per row in 14 passes, the last one short
  const IntegratedGradients pieces = integrated_gradients(network, rows, background, options);
  for (size_t i = 0; i < whole.attributions.values.size(); ++i) {
    CHECK(pieces.attributions.values[i] == doctest::Approx(whole.attributions.values[i]).epsilon(1e-12));
  }
  for (size_t r = 0; r < rows.rows; ++r) CHECK(std::abs(pieces.delta[r] - whole.delta[r]) < 1e-12);
  options.steps = kMaxQuadratureSteps + 1;
  CHECK_THROWS_WITH_AS(integrated_gradients(network, rows, background, options),
                       doctest::Contains("the number of steps must be in [1, 10000]"), ValueError);
  SmoothGradOptions noisy;
  noisy.samples = 1000000;
  CHECK_THROWS_AS(smoothgrad(network, rows, noisy), ValueError);
  CHECK_THROWS_AS(smoothgrad(network, Matrix(0, 4)), ValueError);
}
