#include "fairness/lagrangian.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/linear_program.h"

namespace candor::fairness {

namespace {

constexpr double kPrecision = 1e-8;  // Fairlearn's _PRECISION

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

}  // namespace

Lagrangian::Lagrangian(Tensor x, std::vector<double> y, UtilityParity constraints, Learner learner, double B)
    : x_(std::move(x)),
      y_(std::move(y)),
      constraints_(std::move(constraints)),
      objective_(y_),
      learner_(std::move(learner)),
      B_(B) {
  check_learner(learner_, "ExponentiatedGradient");
  if (constraints_.rows() != y_.size()) {
    throw ValueError(fmt::format("ExponentiatedGradient: {} labels for {} rows of constraints", y_.size(), constraints_.rows()));
  }
}

BestResponseProblem Lagrangian::best_response_problem(const std::vector<double>& lambda) const {
  std::vector<double> s = objective_.signed_weights();
  const std::vector<double> c = constraints_.signed_weights(lambda);
  BestResponseProblem out;
  out.y.resize(s.size());
  out.weight.resize(s.size());
  double total = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    s[i] += c[i];
    out.y[i] = s[i] > 0 ? 1.0 : 0.0;
    out.weight[i] = std::abs(s[i]);
    total += out.weight[i];
  }
  // Scaled to sum to N: the same problem, on the scale a learner with a fixed penalty expects.
  if (total > 0) {
    const double scale = static_cast<double>(s.size()) / total;
    for (double& w : out.weight) w *= scale;
  }
  return out;
}

size_t Lagrangian::best_h(const std::vector<double>& lambda) {
  const BestResponseProblem problem = best_response_problem(lambda);
  const auto start = std::chrono::steady_clock::now();
  OracleFit fit = fit_oracle(learner_, x_, problem.y, problem.weight, "ExponentiatedGradient");
  oracle_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++oracle_calls_;
  if (fit.constant) ++constant_calls_;

  const std::vector<double> predictions = fit.classifier->predict(x_);
  const double h_error = objective_.gamma(predictions);
  std::vector<double> h_gamma = constraints_.gamma(predictions);
  const double h_value = h_error + dot(h_gamma, lambda);

  // The best kept predictor for λ (the first of equal ones).
  size_t best = predictors_.size();
  double best_value = std::numeric_limits<double>::infinity();
  for (size_t t = 0; t < predictors_.size(); ++t) {
    const double value = errors_[t] + dot(gammas_[t], lambda);
    if (value < best_value) {
      best_value = value;
      best = t;
    }
  }
  if (h_value < best_value - kPrecision) {
    predictors_.push_back(std::move(fit.classifier));
    errors_.push_back(h_error);
    gammas_.push_back(std::move(h_gamma));
    lambdas_.push_back(lambda);
    best = predictors_.size() - 1;
  }
  return best;
}

Lagrangian::Value Lagrangian::eval(const std::vector<double>& Q, const std::vector<double>& lambda) const {
  const size_t K = constraints_.size();
  Value v;
  v.gamma.assign(K, 0.0);
  for (size_t t = 0; t < Q.size(); ++t) {
    if (Q[t] == 0) continue;
    v.error += Q[t] * errors_[t];
    for (size_t k = 0; k < K; ++k) v.gamma[k] += Q[t] * gammas_[t][k];
  }
  const std::vector<double> projected = constraints_.project_lambda(lambda);
  const std::vector<double> bound = constraints_.bound();
  double penalty = 0, max_violation = -std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < K; ++k) {
    penalty += projected[k] * (v.gamma[k] - bound[k]);
    max_violation = std::max(max_violation, v.gamma[k] - bound[k]);
  }
  v.L = v.error + penalty;
  v.L_high = max_violation <= 0 ? v.error : v.error + B_ * max_violation;
  return v;
}

double Lagrangian::Gap::gap() const { return std::max(L - L_low, L_high - L); }

Lagrangian::Gap Lagrangian::eval_gap(const std::vector<double>& Q, const std::vector<double>& lambda_hat, double nu) {
  const Value v = eval(Q, lambda_hat);
  Gap result{v.L, v.L, v.L_high, v.error, v.gamma};
  for (double mul : {1.0, 2.0, 5.0, 10.0}) {
    std::vector<double> scaled = lambda_hat;
    for (double& l : scaled) l *= mul;
    const size_t h = best_h(scaled);
    std::vector<double> pure(h + 1, 0.0);
    pure[h] = 1.0;
    result.L_low = std::min(result.L_low, eval(pure, lambda_hat).L);
    if (result.gap() > nu + kPrecision) break;
  }
  return result;
}

const Lagrangian::Saddle& Lagrangian::solve_linprog(double nu) {
  const size_t H = predictors_.size(), K = constraints_.size();
  if (linprog_predictors_ == H) return linprog_;
  const std::vector<double> bound = constraints_.bound();

  // Primal over (Q_1..Q_H, ζ).
  LinearProgram primal;
  primal.c = errors_;
  primal.c.push_back(B_);
  for (size_t k = 0; k < K; ++k) {
    std::vector<double> row(H + 1);
    for (size_t t = 0; t < H; ++t) row[t] = gammas_[t][k] - bound[k];
    row[H] = -1.0;
    primal.a_ub.push_back(std::move(row));
    primal.b_ub.push_back(0.0);
  }
  std::vector<double> ones(H + 1, 1.0);
  ones[H] = 0.0;
  primal.a_eq.push_back(std::move(ones));
  primal.b_eq.push_back(1.0);

  // Dual over (λ_1..λ_K, μ), minimising −μ.
  LinearProgram dual;
  dual.c.assign(K + 1, 0.0);
  dual.c[K] = -1.0;
  for (size_t t = 0; t < H; ++t) {
    std::vector<double> row(K + 1);
    for (size_t k = 0; k < K; ++k) row[k] = -(gammas_[t][k] - bound[k]);
    row[K] = 1.0;
    dual.a_ub.push_back(std::move(row));
    dual.b_ub.push_back(errors_[t]);
  }
  std::vector<double> budget(K + 1, 1.0);
  budget[K] = 0.0;
  dual.a_ub.push_back(std::move(budget));
  dual.b_ub.push_back(B_);
  dual.free.assign(K + 1, false);
  dual.free[K] = true;

  const LpSolution p = solve_linear_program(primal), d = solve_linear_program(dual);
  linprog_predictors_ = H;
  linprog_ = Saddle{};
  if (p.status != LpStatus::Optimal || d.status != LpStatus::Optimal) {
    const double inf = std::numeric_limits<double>::infinity();
    linprog_.gap = Gap{0.0, -inf, inf, 0.0, {}};  // gap() = +inf: never chosen
    return linprog_;
  }
  linprog_.Q.assign(p.x.begin(), p.x.begin() + static_cast<std::ptrdiff_t>(H));
  linprog_.lambda.assign(d.x.begin(), d.x.begin() + static_cast<std::ptrdiff_t>(K));
  linprog_.solved = true;
  // eval_gap may add predictors; the cache stays keyed on the count the programs saw.
  Saddle solved = linprog_;
  solved.gap = eval_gap(solved.Q, solved.lambda, nu);
  linprog_ = std::move(solved);
  return linprog_;
}

}  // namespace candor::fairness
