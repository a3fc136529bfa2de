// The Lagrangian game of the reductions approach (Agarwal, Beygelzimer, Dudík, Langford & Wallach,
// ICML 2018, §3), as Fairlearn's _Lagrangian plays it. For a randomised classifier Q (weights over
// the predictors found so far) and multipliers λ >= 0 with ‖λ‖₁ <= B:
//   L(Q, λ) = err(Q) + λ'·(γ(Q) − ĉ)        λ' = project_lambda(λ) (moments.h)
// The Q-player's best response to λ is one classifier minimising err(h) + λ·γ(h): a weighted
// classification handed to the learner (§3.2). The λ-player's best response to Q puts all of B on
// the most violated constraint, or nothing when none is violated:
//   L_high(Q) = err(Q) + B · max(0, max_k(γ_k(Q) − ĉ_k))
// and L_low(λ) = min_h L(h, λ) is approached by best responses to λ scaled by 1, 2, 5 and 10. The
// duality gap max(L − L_low, L_high − L) measures how far (Q, λ) is from the saddle point; the
// reductions stop when it falls below ν (Theorem 1 bounds error and violation by it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/tensor.h"
#include "fairness/learner.h"
#include "fairness/moments.h"

namespace candor::fairness {

// The classification the learner is asked to solve for the best response to λ.
struct BestResponseProblem {
  std::vector<double> y;       // [N] 1 where the signed weight s_i > 0
  std::vector<double> weight;  // [N] |s_i|, scaled to sum to N (as Fairlearn's _call_oracle)
};

class Lagrangian {
 public:
  // B bounds ‖λ‖₁ (ExponentiatedGradient's 1/eps). The learner is checked (check_learner).
  Lagrangian(Tensor x, std::vector<double> y, UtilityParity constraints, Learner learner, double B);

  // s = (2y − 1) + constraints.signed_weights(λ), y' = [s > 0], w = N |s| / Σ|s|.
  BestResponseProblem best_response_problem(const std::vector<double>& lambda) const;

  // Calls the learner on best_response_problem(λ) (a constant classifier when y' is of one class)
  // and keeps the new h when err(h) + λ·γ(h) beats every kept predictor's by more than 1e-8.
  // Returns the index of the best kept predictor for λ (the new one, or an earlier one).
  size_t best_h(const std::vector<double>& lambda);

  struct Value {
    double L = 0, L_high = 0, error = 0;
    std::vector<double> gamma;  // [K]
  };
  // L(Q, λ) and L_high(Q) for Q: weights over predictors() (a shorter Q weighs the rest 0).
  Value eval(const std::vector<double>& Q, const std::vector<double>& lambda) const;

  struct Gap {
    double L = 0, L_low = 0, L_high = 0, error = 0;
    std::vector<double> gamma;  // [K] γ(Q)
    double gap() const;         // max(L − L_low, L_high − L)
  };
  // The duality gap of (Q, λ̂): L_low is the least L(h, λ̂) over best responses h to m·λ̂ for
  // m = 1, 2, 5, 10, stopping as soon as the gap exceeds ν + 1e-8 (each a learner call).
  Gap eval_gap(const std::vector<double>& Q, const std::vector<double>& lambda_hat, double nu);

  // The saddle point of L over the mixtures of predictors() and {λ >= 0, ‖λ‖₁ <= B}, as two linear
  // programs (both as Fairlearn's solve_linprog poses them to scipy's linprog):
  //   primal:  min_{Q >= 0, ζ >= 0}  err·Q + B ζ   s.t.  Σ_t Q_t (γ_t − ĉ) − ζ <= 0,  Σ_t Q_t = 1
  //   dual:    max_{λ >= 0, μ}      μ             s.t.  μ <= err_t + λ·(γ_t − ĉ) ∀t,  Σ λ <= B
  // i.e. min_Q max_λ L and max_λ min_h L. Cached until a predictor is added. `solved` is false when
  // the solver failed (it should not): the caller then ignores this step.
  struct Saddle {
    std::vector<double> Q, lambda;
    Gap gap;
    bool solved = false;
  };
  const Saddle& solve_linprog(double nu);

  const UtilityParity& constraints() const { return constraints_; }
  const ErrorRate& objective() const { return objective_; }
  double B() const { return B_; }
  size_t rows() const { return y_.size(); }
  const Tensor& x() const { return x_; }
  const std::vector<double>& y() const { return y_; }
  // The kept predictors, each with its training error, γ, and the λ it answered.
  const std::vector<std::shared_ptr<const Classifier>>& predictors() const { return predictors_; }
  const std::vector<double>& errors() const { return errors_; }
  const std::vector<std::vector<double>>& gammas() const { return gammas_; }
  const std::vector<std::vector<double>>& lambdas() const { return lambdas_; }
  int64_t oracle_calls() const { return oracle_calls_; }
  int64_t constant_calls() const { return constant_calls_; }  // of them, constant classifiers
  double oracle_seconds() const { return oracle_seconds_; }   // time spent in the learner

 private:
  Tensor x_;
  std::vector<double> y_;
  UtilityParity constraints_;
  ErrorRate objective_;
  Learner learner_;
  double B_;
  std::vector<std::shared_ptr<const Classifier>> predictors_;
  std::vector<double> errors_;
  std::vector<std::vector<double>> gammas_, lambdas_;
  int64_t oracle_calls_ = 0, constant_calls_ = 0;
  double oracle_seconds_ = 0;
  size_t linprog_predictors_ = 0;
  Saddle linprog_;
};

}  // namespace candor::fairness
