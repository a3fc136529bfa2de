// Adversarial debiasing (Zhang, Lemoine & Mitchell 2018, "Mitigating Unwanted Biases with
// Adversarial Learning"), as Fairlearn's AdversarialFairnessClassifier trains it.
//
// A predictor P maps x to a logit; an adversary A reads the predictor's probability p = σ(P(x))
// (and, for equalised odds, the true label y too) and tries to recover the sensitive group. Each
// step the adversary descends its own loss L_A, while the predictor's weights W move along
//     ∇_W L_P − proj_{∇_W L_A} ∇_W L_P − α ∇_W L_A                          (Zhang et al., §3)
// per parameter tensor: the projection removes the part of the task gradient that would help the
// adversary, and the last term actively hurts it. Both models use Adam. At the equilibrium p
// carries no information about the group (demographic parity) or none beyond y (equalised odds).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "datasets/encoder.h"
#include "datasets/sensitive.h"
#include "nn/module.h"

namespace candor::fairness {

enum class AdversaryConstraint { DemographicParity, EqualizedOdds };

struct AdversarialOptions {
  AdversaryConstraint constraint = AdversaryConstraint::DemographicParity;
  // Hidden widths (ReLU between layers); empty is a linear model: logistic regression for the
  // predictor, as Fairlearn's default predictor_model=[]. Weights are Xavier-uniform, biases 0.
  std::vector<int64_t> predictor_hidden;
  std::vector<int64_t> adversary_hidden;
  double alpha = 1.0;           // weight of −∇_W L_A in the predictor's step
  double learning_rate = 1e-3;  // Adam, both models
  int64_t epochs = 1;
  int64_t batch_size = 32;
  bool shuffle = false;  // reshuffle the rows every epoch (seeded)
  uint64_t seed = 0;     // initial weights and the shuffles
  void validate() const;  // ValueError naming the option
};

struct AdversarialEpoch {
  int64_t epoch = 0;
  double predictor_loss = 0, adversary_loss = 0;  // mean over the epoch's batches
};

struct AdversarialResult {
  std::shared_ptr<nn::Module> predictor;  // x [N, F] -> logits [N, 1]; a make_mlp Sequential
  std::shared_ptr<nn::Module> adversary;  // [N, 1] (or [N, 2] with y) -> group logits
  std::vector<AdversarialEpoch> history;
};

// The predictor's step direction for one parameter tensor: g_P − (u·g_P) u − α g_A with
// u = g_A / (‖g_A‖ + tiny). Orthogonal to g_A when α = 0.
Tensor adversarial_direction(const Tensor& predictor_grad, const Tensor& adversary_grad, double alpha);

// Trains on the rows of `train` (x, y; sample weights are not used, as in Fairlearn) against
// `group` (its ids [N]; two groups: one logistic output, more: a softmax over the groups).
// ValueError for bad options, a group with another number of rows, fewer than two groups, or
// labels of one class.
AdversarialResult fit_adversarial(const datasets::Encoded& train, const datasets::SensitiveFeature& group,
                                  const AdversarialOptions& options);

}  // namespace candor::fairness
