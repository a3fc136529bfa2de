// ExponentiatedGradient: Algorithm 1 of Agarwal, Beygelzimer, Dudík, Langford & Wallach, "A
// Reductions Approach to Fair Classification" (ICML 2018), as Fairlearn's ExponentiatedGradient runs
// it. It finds a randomised classifier Q minimising the error rate subject to a parity constraint
// γ(Q) <= ĉ by playing the Lagrangian game of fairness/lagrangian.h:
//   θ_0 = 0;  for t = 0, 1, ..., max_iter − 1:
//     λ_t = B exp(θ_t) / (1 + Σ_k exp(θ_t,k))      (B = 1/eps; the extra 1 is the slack of ‖λ‖₁ <= B)
//     h_t = best response to λ_t (one learner call on reweighted rows)
//     Q̂_t = uniform over h_0..h_t,   λ̂_t = mean of λ_0..λ_t
//     the duality gap of (Q̂_t, λ̂_t); and, with run_linprog_step, of the saddle point of L over
//       the predictors found so far (a linear program); keep whichever gap is smaller
//     stop when that gap < ν and t >= 5
//     θ_{t+1} = θ_t + η (γ(h_t) − ĉ)                 (exponentiated gradient ascent on λ)
// with η = eta0/B shrunk by 0.8 whenever, checked at iterations growing by a factor 1.6 from 5,
// the best gap so far has not fallen below 0.8 of its previous value (Fairlearn's schedule). The
// answer is the Q of the iteration with the smallest gap (the last of those within 1e-8).
//
// ν, unless given: 0.5 · std(|h_0(x) − y|) / √N with the sample standard deviation (ddof 1), the
// statistical resolution of the training error.
//
// When the gap does not fall below ν within max_iter iterations, or Q breaks the bound on the
// training rows, Fairlearn returns the best Q found without a word; candor returns the same Q and
// says so in `warnings` (and in `converged`, `bound_met`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"
#include "engine/tensor.h"
#include "fairness/learner.h"
#include "fairness/mixture.h"
#include "fairness/moments.h"

namespace candor::fairness {

struct ExponentiatedGradientOptions {
  ParityConstraint constraints;  // DemographicParity with difference_bound 0.01 (Fairlearn's default)
  double eps = 0.01;             // B = 1/eps bounds ‖λ‖₁
  int64_t max_iter = 50;
  std::optional<double> nu;      // the duality-gap tolerance; unset: computed as above
  double eta0 = 2.0;             // initial step η = eta0/B
  bool run_linprog_step = true;
  void validate() const;         // ValueError naming the option
  nlohmann::json to_json() const;
};

// One iteration, for a reader following the game.
struct ExponentiatedGradientStep {
  int64_t iteration = 0;
  std::vector<double> lambda;     // λ_t [K]
  double eta = 0;                 // the step used after this iteration
  int64_t h = 0;                  // index of the best response h_t among the predictors
  int64_t predictors = 0;         // predictors found so far
  double gap_eg = 0;              // duality gap of (Q̂_t, λ̂_t)
  std::optional<double> gap_lp;   // of the linear program's saddle point (none at t = 0 or without it)
  std::vector<double> lambda_lp;  // the linear program's λ (empty when none)
  double gap = 0;                 // the smaller: this iteration's Q
  bool from_lp = false;
  double error = 0;               // err(Q̂_t) on the training rows
  double max_gamma = 0;           // max_k γ_k(Q̂_t)
};

struct ExponentiatedGradientResult {
  Mixture mixture;                            // Fairlearn's predictors_ and weights_
  std::vector<ConstraintId> constraints;      // the index of γ and λ [K]
  std::vector<std::vector<double>> lambdas;   // per predictor, the λ it answered (lambda_vecs_)
  std::vector<double> errors;                 // per predictor, training error
  std::vector<std::vector<double>> gammas;    // per predictor, γ [K] on the training rows
  std::vector<ExponentiatedGradientStep> trace;
  int64_t best_iter = 0, last_iter = 0;
  double best_gap = 0, nu = 0, B = 0;
  int64_t oracle_calls = 0;                   // learner calls, constant classifiers included
  int64_t constant_calls = 0;                 // of them, the constant classifier (n_oracle_calls_dummy_returned_)
  double oracle_seconds = 0, fit_seconds = 0;
  // Q on the training rows: error, γ, and the largest γ_k − ĉ_k (<= 0 when the bound holds).
  double train_error = 0;
  std::vector<double> train_gamma;
  double max_violation = 0;
  bool converged = false;  // best_gap < ν
  bool bound_met = false;  // max_violation <= 1e-8
  std::vector<std::string> warnings;  // one line each: not converged, bound not met

  std::vector<double> probability_of_one(const Tensor& x) const { return mixture.probability_of_one(x); }
  std::vector<double> predict(const Tensor& x, uint64_t seed) const { return mixture.predict(x, seed); }
  nlohmann::json to_json() const;  // everything above, the predictors' fitted state included
};

// Fits on x [N, F] (finite), 0/1 labels y [N] and the sensitive feature `group` ([N] ids). ValueError,
// one line, for bad options, sizes, labels, non-finite features, a learner that cannot take weights,
// a constraint with an event no row has, or fewer than two groups with rows.
ExponentiatedGradientResult exponentiated_gradient(const Tensor& x, const std::vector<double>& y,
                                                   const datasets::SensitiveFeature& group, const Learner& learner,
                                                   const ExponentiatedGradientOptions& options = {});

}  // namespace candor::fairness
