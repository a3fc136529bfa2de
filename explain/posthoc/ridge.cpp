#include "explain/posthoc/ridge.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

namespace {

// Solves A v = b in place for symmetric positive definite A (p x p, row-major) by Cholesky,
// A = L L^T. Returns false when a pivot is not positive (A singular to working precision).
bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, size_t p) {
  for (size_t j = 0; j < p; ++j) {
    double d = a[j * p + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * p + k] * a[j * p + k];
    if (!(d > 1e-12 * (1.0 + std::fabs(a[j * p + j])))) return false;
    a[j * p + j] = std::sqrt(d);
    for (size_t i = j + 1; i < p; ++i) {
      double s = a[i * p + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * p + k] * a[j * p + k];
      a[i * p + j] = s / a[j * p + j];
    }
  }
  for (size_t i = 0; i < p; ++i) {  // L u = b
    for (size_t k = 0; k < i; ++k) b[i] -= a[i * p + k] * b[k];
    b[i] /= a[i * p + i];
  }
  for (size_t i = p; i-- > 0;) {  // L^T v = u
    for (size_t k = i + 1; k < p; ++k) b[i] -= a[k * p + i] * b[k];
    b[i] /= a[i * p + i];
  }
  return true;
}

}  // namespace

RidgeFit weighted_ridge(const Matrix& x, const std::vector<double>& y, const std::vector<double>& w, double alpha) {
  if (y.size() != x.rows || w.size() != x.rows) {
    throw ValueError(fmt::format("weighted ridge: {} samples, but {} targets and {} weights", x.rows, y.size(),
                                 w.size()));
  }
  if (!(alpha >= 0.0) || !std::isfinite(alpha)) {
    throw ValueError(fmt::format("weighted ridge: alpha must be finite and >= 0, got {}", alpha));
  }
  double total = 0;
  for (double wi : w) {
    if (!(wi >= 0.0) || !std::isfinite(wi)) {
      throw ValueError(fmt::format("weighted ridge: sample weights must be finite and >= 0, got {}", wi));
    }
    total += wi;
  }
  if (!(total > 0.0)) throw ValueError("weighted ridge: the sample weights sum to 0");
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) throw ValueError(fmt::format("weighted ridge: target {} is {}", i, y[i]));
  }

  const size_t n = x.rows, p = x.cols;
  std::vector<double> x_bar(p, 0.0);
  double y_bar = 0;
  for (size_t i = 0; i < n; ++i) {
    y_bar += w[i] * y[i];
    for (size_t j = 0; j < p; ++j) x_bar[j] += w[i] * x(i, j);
  }
  y_bar /= total;
  for (double& m : x_bar) m /= total;

  std::vector<double> a(p * p, 0.0), beta(p, 0.0);
  std::vector<double> centred(p);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < p; ++j) centred[j] = x(i, j) - x_bar[j];
    for (size_t j = 0; j < p; ++j) {
      beta[j] += w[i] * centred[j] * (y[i] - y_bar);
      for (size_t k = 0; k <= j; ++k) a[j * p + k] += w[i] * centred[j] * centred[k];
    }
  }
  for (size_t j = 0; j < p; ++j) {
    a[j * p + j] += alpha;
    for (size_t k = 0; k < j; ++k) a[k * p + j] = a[j * p + k];
  }
  if (!cholesky_solve(a, beta, p)) {
    throw ValueError(
        "weighted ridge: the system is singular (a column never varies among the weighted samples); use alpha > 0");
  }

  RidgeFit fit{beta, y_bar, 0.0};
  for (size_t j = 0; j < p; ++j) fit.intercept -= x_bar[j] * beta[j];
  double residual = 0, spread = 0;
  for (size_t i = 0; i < n; ++i) {
    double fitted = fit.intercept;
    for (size_t j = 0; j < p; ++j) fitted += x(i, j) * beta[j];
    residual += w[i] * (y[i] - fitted) * (y[i] - fitted);
    spread += w[i] * (y[i] - y_bar) * (y[i] - y_bar);
  }
  // A constant target is fitted exactly (beta = 0, b = y): R^2 = 1, scikit-learn's convention, where
  // rounding in y_bar would otherwise leave 0/0. Elsewhere the clamp only removes rounding.
  const bool constant = std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
  fit.r2 = constant ? 1.0 : std::clamp(1.0 - residual / spread, 0.0, 1.0);
  return fit;
}

}  // namespace candor::explain
