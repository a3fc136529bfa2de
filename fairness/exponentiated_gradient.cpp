#include "fairness/exponentiated_gradient.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/lagrangian.h"
#include "fairness/reduction_input.h"

namespace candor::fairness {

namespace {

// Fairlearn's constants (fairlearn/reductions/_exponentiated_gradient/_constants.py).
constexpr double kPrecision = 1e-8;
constexpr double kAccuracyMul = 0.5;         // ν = 0.5 · std / √N
constexpr double kRegretCheckStart = 5;      // first check of the step size
constexpr double kRegretCheckIncrease = 1.6; // later checks at iterations growing by this factor
constexpr double kShrinkRegret = 0.8;        // shrink η unless the best gap fell below 0.8 × ...
constexpr double kShrinkEta = 0.8;           // ... by this factor
constexpr int64_t kMinIter = 5;              // never stop before this iteration

// λ = B exp(θ) / (1 + Σ exp(θ)), computed with the largest exponent (or 0) factored out.
std::vector<double> multipliers(const std::vector<double>& theta, double B) {
  double top = 0;
  for (double t : theta) top = std::max(top, t);
  double denominator = std::exp(-top);
  for (double t : theta) denominator += std::exp(t - top);
  std::vector<double> lambda(theta.size());
  for (size_t k = 0; k < theta.size(); ++k) lambda[k] = B * std::exp(theta[k] - top) / denominator;
  return lambda;
}

// Sample standard deviation (ddof 1) of |h − y|, as pandas' Series.std.
double std_abs_error(const std::vector<double>& h, const std::vector<double>& y) {
  const double n = static_cast<double>(y.size());
  double mean = 0;
  for (size_t i = 0; i < y.size(); ++i) mean += std::abs(h[i] - y[i]);
  mean /= n;
  double ss = 0;
  for (size_t i = 0; i < y.size(); ++i) ss += (std::abs(h[i] - y[i]) - mean) * (std::abs(h[i] - y[i]) - mean);
  return std::sqrt(ss / (n - 1));
}

nlohmann::json optional_number(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

void ExponentiatedGradientOptions::validate() const {
  constraints.validate();
  if (!(eps > 0) || !std::isfinite(eps)) throw ValueError(fmt::format("ExponentiatedGradient: eps must be finite and > 0, got {}", eps));
  if (max_iter < 1) throw ValueError(fmt::format("ExponentiatedGradient: max_iter must be >= 1, got {}", max_iter));
  if (nu && (!(*nu >= 0) || !std::isfinite(*nu))) {
    throw ValueError(fmt::format("ExponentiatedGradient: nu must be finite and >= 0, got {}", *nu));
  }
  if (!(eta0 > 0) || !std::isfinite(eta0)) throw ValueError(fmt::format("ExponentiatedGradient: eta0 must be finite and > 0, got {}", eta0));
}

nlohmann::json ExponentiatedGradientOptions::to_json() const {
  return {{"constraints", parity_name(constraints.parity)},
          {"difference_bound", constraints.difference_bound},
          {"eps", eps},
          {"max_iter", max_iter},
          {"nu", optional_number(nu)},
          {"eta0", eta0},
          {"run_linprog_step", run_linprog_step}};
}

ExponentiatedGradientResult exponentiated_gradient(const Tensor& x, const std::vector<double>& y,
                                                   const datasets::SensitiveFeature& group, const Learner& learner,
                                                   const ExponentiatedGradientOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const char* who = "ExponentiatedGradient";
  options.validate();
  check_learner(learner, who);
  check_reduction_input(x, y, group, who);
  if (learner.reset) learner.reset();

  const double B = 1 / options.eps;
  Lagrangian lagrangian(x, y, UtilityParity(options.constraints, y, group), learner, B);
  const size_t K = lagrangian.constraints().size();
  const std::vector<double> bound = lagrangian.constraints().bound();
  const double n = static_cast<double>(y.size());

  ExponentiatedGradientResult result;
  std::vector<double> theta(K, 0.0);
  std::vector<double> q_count;                   // Σ_t [h_t = h], over the predictors
  std::vector<double> lambda_sum(K, 0.0);        // Σ_t λ_t
  std::vector<double> gaps_eg, gaps;
  std::vector<std::vector<double>> qs;           // each iteration's Q
  double last_regret_checked = kRegretCheckStart, last_gap = std::numeric_limits<double>::infinity();
  double nu = 0, eta = 0;

  for (int64_t t = 0; t < options.max_iter; ++t) {
    ExponentiatedGradientStep step;
    step.iteration = t;
    step.lambda = multipliers(theta, B);
    for (size_t k = 0; k < K; ++k) lambda_sum[k] += step.lambda[k];
    std::vector<double> lambda_eg(K);
    for (size_t k = 0; k < K; ++k) lambda_eg[k] = lambda_sum[k] / static_cast<double>(t + 1);

    const size_t h = lagrangian.best_h(step.lambda);
    if (t == 0) {
      nu = options.nu ? *options.nu
                      : kAccuracyMul * std_abs_error(lagrangian.predictors()[h]->predict(x), y) / std::sqrt(n);
      eta = options.eta0 / B;
    }
    q_count.resize(lagrangian.predictors().size(), 0.0);
    q_count[h] += 1;
    const std::vector<double> gamma_h = lagrangian.gammas()[h];
    std::vector<double> q_eg = q_count;
    for (double& q : q_eg) q /= static_cast<double>(t + 1);

    const Lagrangian::Gap result_eg = lagrangian.eval_gap(q_eg, lambda_eg, nu);
    step.gap_eg = result_eg.gap();
    step.error = result_eg.error;
    step.max_gamma = *std::max_element(result_eg.gamma.begin(), result_eg.gamma.end());
    gaps_eg.push_back(step.gap_eg);

    double gap_lp = std::numeric_limits<double>::infinity();
    std::vector<double> q_lp;
    if (t > 0 && options.run_linprog_step) {
      const Lagrangian::Saddle& saddle = lagrangian.solve_linprog(nu);
      gap_lp = saddle.gap.gap();
      q_lp = saddle.Q;
      step.gap_lp = gap_lp;
      step.lambda_lp = saddle.lambda;
    }
    if (step.gap_eg < gap_lp) {
      qs.push_back(std::move(q_eg));
      gaps.push_back(step.gap_eg);
    } else {
      qs.push_back(std::move(q_lp));
      gaps.push_back(gap_lp);
      step.from_lp = true;
    }
    step.gap = gaps.back();
    step.h = static_cast<int64_t>(h);
    step.predictors = static_cast<int64_t>(lagrangian.predictors().size());

    const bool done = gaps.back() < nu && t >= kMinIter;
    if (!done) {
      // The step size: shrink it when the best gap has stalled since the last check.
      if (static_cast<double>(t) >= last_regret_checked * kRegretCheckIncrease) {
        const double best_gap = *std::min_element(gaps_eg.begin(), gaps_eg.end());
        if (best_gap > last_gap * kShrinkRegret) eta *= kShrinkEta;
        last_regret_checked = static_cast<double>(t);
        last_gap = best_gap;
      }
      // Exponentiated gradient on λ: θ ascends along the constraint values of h_t.
      for (size_t k = 0; k < K; ++k) theta[k] += eta * (gamma_h[k] - bound[k]);
    }
    step.eta = eta;
    result.trace.push_back(std::move(step));
    if (done) break;
  }

  // The iteration with the smallest gap (the last of those within 1e-8 of it).
  const double min_gap = *std::min_element(gaps.begin(), gaps.end());
  for (size_t t = 0; t < gaps.size(); ++t) {
    if (gaps[t] <= min_gap + kPrecision) result.best_iter = static_cast<int64_t>(t);
  }
  result.best_gap = gaps[static_cast<size_t>(result.best_iter)];
  result.last_iter = static_cast<int64_t>(gaps.size()) - 1;
  result.nu = nu;
  result.B = B;

  const size_t H = lagrangian.predictors().size();
  std::vector<double> weights = qs[static_cast<size_t>(result.best_iter)];
  weights.resize(H, 0.0);
  for (double& w : weights) w = std::max(w, 0.0);  // a simplex basis may leave −1e-17
  result.mixture.predictors = lagrangian.predictors();
  result.mixture.weights = weights;
  result.constraints = lagrangian.constraints().index();
  result.lambdas = lagrangian.lambdas();
  result.errors = lagrangian.errors();
  result.gammas = lagrangian.gammas();
  result.oracle_calls = lagrangian.oracle_calls();
  result.constant_calls = lagrangian.constant_calls();
  result.oracle_seconds = lagrangian.oracle_seconds();

  const Lagrangian::Value on_train = lagrangian.eval(weights, std::vector<double>(K, 0.0));
  result.train_error = on_train.error;
  result.train_gamma = on_train.gamma;
  result.max_violation = -std::numeric_limits<double>::infinity();
  size_t worst = 0;
  for (size_t k = 0; k < K; ++k) {
    if (on_train.gamma[k] - bound[k] > result.max_violation) {
      result.max_violation = on_train.gamma[k] - bound[k];
      worst = k;
    }
  }
  result.converged = result.best_gap < nu;
  // The linear program puts Q on the bound exactly, up to rounding: 1e-8 (Fairlearn's precision).
  result.bound_met = result.max_violation <= kPrecision;
  if (!result.converged) {
    result.warnings.push_back(fmt::format(
        "ExponentiatedGradient did not converge in {} iterations: the smallest duality gap {:.6g} (iteration {}) is not "
        "below nu = {:.6g}; returning the mixture of that iteration, the best found, as Fairlearn does",
        result.last_iter + 1, result.best_gap, result.best_iter, nu));
  }
  if (!result.bound_met) {
    result.warnings.push_back(fmt::format(
        "ExponentiatedGradient: the mixture breaks the bound {:g} on the training rows: {} is {:.6g}, {:.6g} over; "
        "returning it, the best found, as Fairlearn does",
        bound[worst], result.constraints[worst].label(), on_train.gamma[worst], result.max_violation));
  }
  result.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

nlohmann::json ExponentiatedGradientResult::to_json() const {
  nlohmann::json index = nlohmann::json::array();
  for (const ConstraintId& c : constraints) index.push_back(c.label());
  nlohmann::json steps = nlohmann::json::array();
  for (const ExponentiatedGradientStep& s : trace) {
    steps.push_back({{"iteration", s.iteration},
                     {"lambda", s.lambda},
                     {"eta", s.eta},
                     {"h", s.h},
                     {"predictors", s.predictors},
                     {"gap_eg", s.gap_eg},
                     {"gap_lp", optional_number(s.gap_lp)},
                     {"lambda_lp", s.lambda_lp},
                     {"gap", s.gap},
                     {"from_lp", s.from_lp},
                     {"error", s.error},
                     {"max_gamma", s.max_gamma}});
  }
  return {{"mixture", mixture.to_json()},
          {"constraints", index},
          {"lambdas", lambdas},
          {"errors", errors},
          {"gammas", gammas},
          {"trace", steps},
          {"best_iter", best_iter},
          {"last_iter", last_iter},
          {"best_gap", best_gap},
          {"nu", nu},
          {"B", B},
          {"oracle_calls", oracle_calls},
          {"constant_calls", constant_calls},
          {"oracle_seconds", oracle_seconds},
          {"fit_seconds", fit_seconds},
          {"train_error", train_error},
          {"train_gamma", train_gamma},
          {"max_violation", max_violation},
          {"converged", converged},
          {"bound_met", bound_met},
          {"warnings", warnings}};
}

}  // namespace candor::fairness
