#include "nn/logistic.h"

#include <cmath>
#include <string>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "engine/error.h"

namespace candor::nn {

namespace {

// Rows of the design matrix x̃ = [x, 1], in double: [N, F + 1].
using Design = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;

// Sums run over fixed chunks of rows combined in chunk order, so the result does not depend on
// the thread count (each chunk is one single-threaded Eigen call inside the parallel loop).
constexpr int64_t kChunkRows = 2048;

int64_t chunks_of(int64_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }

// log(1 + e^z) and σ(z) without overflow for large |z|.
double log1p_exp(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

Design design_matrix(const Tensor& x, const char* who) {
  if (x.dim() != 2) throw ValueError(fmt::format("{}: x must be [N, F], got {} dimensions", who, x.dim()));
  const int64_t n = x.size(0), f = x.size(1);
  const std::vector<double> values = x.to_vector<double>();
  Design d(n, f + 1);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < f; ++j) {
      const double v = values[static_cast<size_t>(i * f + j)];
      if (!std::isfinite(v)) throw ValueError(fmt::format("{}: x[{}, {}] is {}, not a finite number", who, i, j, v));
      d(i, j) = v;
    }
    d(i, f) = 1.0;
  }
  return d;
}

// The objective at β = (w, b), and with `derivatives` its gradient and Hessian:
//   f   = ½‖w‖² + C Σ s_i [log(1 + e^{z_i}) − y_i z_i]
//   ∇f  = (w, 0) + C Σ s_i (σ(z_i) − y_i) x̃_i
//   ∇²f = diag(1, …, 1, 0) + C Σ s_i σ(z_i)(1 − σ(z_i)) x̃_i x̃_iᵀ
struct Evaluation {
  double value = 0;
  Vector gradient;
  Matrix hessian;
};

Evaluation evaluate(const Design& x, const std::vector<double>& y, const std::vector<double>& s, const Vector& beta,
                    double c, bool derivatives) {
  const int64_t n = x.rows(), p = x.cols(), chunks = chunks_of(n);
  std::vector<Evaluation> parts(static_cast<size_t>(chunks));
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t begin = k * kChunkRows, rows = std::min(kChunkRows, n - begin);
    const auto block = x.middleRows(begin, rows);
    const Vector z = block * beta;  // [rows]
    Evaluation& part = parts[static_cast<size_t>(k)];
    Vector residual(rows), curvature(rows);
    for (int64_t i = 0; i < rows; ++i) {
      const auto r = static_cast<size_t>(begin + i);
      part.value += s[r] * (log1p_exp(z(i)) - y[r] * z(i));
      const double q = sigmoid(z(i));
      residual(i) = s[r] * (q - y[r]);
      curvature(i) = s[r] * q * (1 - q);
    }
    if (derivatives) {
      part.gradient = block.transpose() * residual;  // [p]
      part.hessian = Matrix::Zero(p, p);
      part.hessian.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose() * curvature.cwiseSqrt().asDiagonal());
    }
  }
  Evaluation total;
  total.gradient = Vector::Zero(p);
  total.hessian = Matrix::Zero(p, p);
  for (const Evaluation& part : parts) {
    total.value += part.value;
    if (derivatives) {
      total.gradient += part.gradient;
      total.hessian += part.hessian;
    }
  }
  total.value *= c;
  const auto w = beta.head(p - 1);
  total.value += 0.5 * w.squaredNorm();
  if (derivatives) {
    total.gradient *= c;
    total.gradient.head(p - 1) += w;
    total.hessian = total.hessian.selfadjointView<Eigen::Lower>();
    total.hessian *= c;
    total.hessian.diagonal().head(p - 1).array() += 1.0;
  }
  return total;
}

void check_rows(const std::vector<double>& y, const std::vector<double>& weight, int64_t n) {
  if (static_cast<int64_t>(y.size()) != n || (!weight.empty() && static_cast<int64_t>(weight.size()) != n)) {
    throw ValueError(
        fmt::format("logistic regression: {} rows of x, {} labels and {} weights do not match", n, y.size(), weight.size()));
  }
  double positive = 0, negative = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != 0 && y[i] != 1) throw ValueError(fmt::format("logistic regression: label {} at row {} is not 0 or 1", y[i], i));
    const double s = weight.empty() ? 1.0 : weight[i];
    if (!(std::isfinite(s) && s >= 0)) {
      throw ValueError(fmt::format("logistic regression: weight {} at row {} is not a finite number >= 0", s, i));
    }
    (y[i] == 1 ? positive : negative) += s;
  }
  // With one class the unpenalised intercept runs off to infinity: there is no optimum.
  if (positive == 0 || negative == 0) {
    throw ValueError(fmt::format(
        "logistic regression: needs both classes with positive weight (total weight {} on label 1, {} on label 0)",
        positive, negative));
  }
}

}  // namespace

void LogisticOptions::validate() const {
  if (!(C > 0) || !std::isfinite(C)) throw ValueError(fmt::format("logistic regression: C must be finite and > 0, got {:g}", C));
  if (max_iter < 1) throw ValueError(fmt::format("logistic regression: max_iter must be >= 1, got {}", max_iter));
  if (!(tol > 0) || !std::isfinite(tol)) throw ValueError(fmt::format("logistic regression: tol must be finite and > 0, got {:g}", tol));
}

LogisticRegression fit_logistic(const Tensor& x, const std::vector<double>& y, const std::vector<double>& weight,
                                const LogisticOptions& options) {
  options.validate();
  const Design design = design_matrix(x, "logistic regression");
  const int64_t n = design.rows(), p = design.cols();
  check_rows(y, weight, n);
  const std::vector<double> s = weight.empty() ? std::vector<double>(static_cast<size_t>(n), 1.0) : weight;
  double total_weight = 0;
  for (double v : s) total_weight += v;

  Vector beta = Vector::Zero(p);
  if (!options.start.empty()) {
    if (static_cast<int64_t>(options.start.size()) != p) {
      throw ValueError(fmt::format("logistic regression: a start of {} values for {} features (expected F + 1 = {})",
                                   options.start.size(), p - 1, p));
    }
    beta = Eigen::Map<const Vector>(options.start.data(), p);
  }

  LogisticRegression model;
  Evaluation at = evaluate(design, y, s, beta, options.C, true);
  const double stop = options.tol * options.C * total_weight;
  while (at.gradient.cwiseAbs().maxCoeff() > stop && model.iterations < options.max_iter) {
    // Newton direction H d = −∇f (H is positive definite: the identity on w, and Σ s σ(1−σ) > 0
    // on b), then backtracking until the objective decreases enough (Armijo, c = 1e-4).
    const Vector direction = at.hessian.ldlt().solve(-at.gradient);
    const double slope = at.gradient.dot(direction);
    double step = 1;
    Evaluation next;
    for (int halvings = 0;; ++halvings) {
      next = evaluate(design, y, s, beta + step * direction, options.C, false);
      if (next.value <= at.value + 1e-4 * step * slope || halvings == 30) break;
      step /= 2;
    }
    ++model.iterations;
    // No decrease along a descent direction: the optimum, as far as doubles can tell (on tens of
    // thousands of rows the gradient's rounding can stay above a tight tol).
    if (next.value >= at.value) break;
    beta += step * direction;
    at = evaluate(design, y, s, beta, options.C, true);
  }
  model.coef.assign(beta.data(), beta.data() + p - 1);
  model.intercept = beta(p - 1);
  return model;
}

std::vector<double> LogisticRegression::decision_function(const Tensor& x) const {
  const Design design = design_matrix(x, "logistic regression predict");
  if (design.cols() != static_cast<int64_t>(coef.size()) + 1) {
    throw ValueError(fmt::format("logistic regression predict: x has {} features, the model {}", design.cols() - 1, coef.size()));
  }
  Vector beta(design.cols());
  for (size_t j = 0; j < coef.size(); ++j) beta(static_cast<int64_t>(j)) = coef[j];
  beta(design.cols() - 1) = intercept;
  std::vector<double> z(static_cast<size_t>(design.rows()));
  const int64_t chunks = chunks_of(design.rows());
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t begin = k * kChunkRows, rows = std::min(kChunkRows, design.rows() - begin);
    Eigen::Map<Vector>(z.data() + begin, rows) = design.middleRows(begin, rows) * beta;
  }
  return z;
}

std::vector<double> LogisticRegression::predict_proba(const Tensor& x) const {
  std::vector<double> out = decision_function(x);
  for (double& z : out) z = sigmoid(z);
  return out;
}

std::vector<double> LogisticRegression::predict(const Tensor& x) const {
  std::vector<double> out = decision_function(x);
  for (double& z : out) z = z > 0 ? 1.0 : 0.0;
  return out;
}

}  // namespace candor::nn
