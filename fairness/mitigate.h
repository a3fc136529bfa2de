// Every mitigation behind one call, on encoded rows: what `candor mitigate` runs, and what a lab
// calls to put the methods side by side. Each method starts from the same base learner (a logistic
// regression, or an MLP) and the result says, per test row, the probability that the mitigated
// classifier predicts 1, beside the same for the base learner unmitigated:
//   reweighing           the base learner refitted with Kamiran & Calders' weights (fairness/reweighing.h)
//   correlation-remover  the base learner on features decorrelated from the sensitive columns
//                        (fairness/correlation_remover.h)
//   expgrad, gridsearch  the reductions of Agarwal et al., refitting the base learner at every step
//                        (fairness/exponentiated_gradient.h, fairness/grid_search.h)
//   threshold            group-specific randomised thresholds on the base learner's scores
//                        (fairness/threshold_optimizer.h)
//   adversarial          a predictor trained against an adversary (fairness/adversarial.h)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "fairness/adversarial.h"
#include "fairness/exponentiated_gradient.h"
#include "fairness/grid_search.h"
#include "fairness/threshold_optimizer.h"
#include "nn/classifier.h"
#include "nn/layers.h"
#include "nn/logistic.h"

namespace candor::fairness {

enum class MitigationMethod { Reweighing, CorrelationRemover, ExponentiatedGradient, GridSearch, Threshold, Adversarial };

// "reweighing", "correlation-remover", "expgrad", "gridsearch", "threshold", "adversarial".
const char* method_name(MitigationMethod m);
MitigationMethod parse_method(const std::string& name);  // ValueError listing the names

struct MitigationOptions {
  MitigationMethod method = MitigationMethod::ExponentiatedGradient;
  // dp, eo, tpr or fpr (the reductions take all four; threshold and adversarial dp and eo; the
  // pre-processing methods none: they ignore it).
  std::string constraint = "dp";
  std::string sensitive;  // the sensitive feature; empty: the data's first
  // The base learner: "logistic" (fit_logistic with `logistic`) or "mlp" (make_mlp with `mlp`,
  // trained by nn::train_classifier with `training`; the reductions refit it at every step).
  std::string learner = "logistic";
  nn::LogisticOptions logistic;
  nn::MlpOptions mlp;
  nn::TrainOptions training;
  double difference_bound = 0.01;            // reductions
  ExponentiatedGradientOptions expgrad;      // its constraints are set from constraint and difference_bound
  GridSearchOptions grid;                    // likewise
  ThresholdOptions threshold;                // its constraint is set from constraint
  AdversarialOptions adversarial;            // likewise
  double alpha = 1.0;                        // correlation remover
  uint64_t seed = 0;                         // MLP initialisation and shuffles, adversarial
  void validate() const;                     // ValueError naming the option
  std::string summary() const;               // e.g. "expgrad dp eps=0.01 bound=0.01"
  nlohmann::json to_json() const;
};

struct MitigationResult {
  std::string feature;                    // the sensitive feature used
  std::vector<double> before_test;        // P(ŷ = 1) per test row: the base learner, unmitigated
  std::vector<double> after_test;         // the same for the mitigated classifier
  bool randomised = false;                // after_test holds probabilities, not 0/1 labels
  // What predicts, for the run folder: the mixture, the thresholds with the base model's state,
  // the factors or the remover with the refitted model's state.
  nlohmann::json state;
  // Set when the mitigated classifier is one network over the encoded features (reweighing,
  // adversarial): it is saved as an ordinary checkpoint, so eval and predict read it.
  std::shared_ptr<nn::Module> module;
  nlohmann::json details;                 // convergence and counts, per method
  std::vector<std::string> warnings;      // one line each (a bound not met, ...)
  double fit_seconds = 0;                 // the mitigation alone, base fit excluded
};

// Fits on `train` (and `validation`, for an MLP's early stopping), scores `test`. ValueError for
// bad options, an unknown sensitive feature, or what the method refuses (one line each).
MitigationResult mitigate(const datasets::Encoder& encoder, const datasets::Encoded& train,
                          const datasets::Encoded& validation, const datasets::Encoded& test,
                          const MitigationOptions& options);

}  // namespace candor::fairness
