// A randomised classifier Q: a distribution over deterministic classifiers h_1..h_T with weights
// Q(h_t) >= 0 summing to 1, as ExponentiatedGradient returns it (Agarwal et al. 2018, §3: the
// reductions optimise over such mixtures; Fairlearn's predictors_ and weights_). Row x is
// predicted 1 with probability Σ_t Q(h_t) h_t(x).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "fairness/learner.h"

namespace candor::fairness {

struct Mixture {
  std::vector<std::shared_ptr<const Classifier>> predictors;  // [T]
  std::vector<double> weights;                                // [T], Q(h_t)

  // Σ_t Q(h_t) h_t(x) per row of x [N, F] (Fairlearn's _pmf_predict[:, 1]); classifiers of weight 0
  // are not evaluated. Clipped to [0, 1] against rounding in the weights.
  std::vector<double> probability_of_one(const Tensor& x) const;
  // One seeded draw per row (fairness::sample_predictions): the same seed, the same predictions.
  std::vector<double> predict(const Tensor& x, uint64_t seed) const;

  // {"weights": [...], "predictors": [classifier JSON, ...]}; from_json reads the built-in kinds.
  nlohmann::json to_json() const;
  static Mixture from_json(const nlohmann::json& json);
  // ValueError unless sizes match, weights are finite and >= 0 and sum to 1 (within 1e-6).
  void validate() const;
};

}  // namespace candor::fairness
