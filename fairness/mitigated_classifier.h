// A mitigation read back from the state fairness::mitigate returned (a run folder's
// mitigation.json): what predicts on new encoded rows, as `candor predict` uses it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "fairness/correlation_remover.h"
#include "fairness/mitigate.h"
#include "fairness/mixture.h"
#include "fairness/threshold_optimizer.h"

namespace candor::fairness {

class MitigatedClassifier {
 public:
  // `feature`: the sensitive feature it was fitted for (the thresholds read the rows' groups of
  // it). ValueError naming what is missing or malformed in `state`.
  MitigatedClassifier(MitigationMethod method, const nlohmann::json& state, std::string feature);

  MitigationMethod method() const { return method_; }
  // Whether probability_of_one holds probabilities (expgrad, threshold) or 0/1 labels.
  bool randomised() const;
  // P(ŷ = 1) per row of rows.x [N, F]; for the thresholds, rows.sensitive must hold `feature`
  // (DataError naming it otherwise).
  std::vector<double> probability_of_one(const datasets::Encoded& rows) const;

 private:
  MitigationMethod method_;
  std::string feature_;
  std::shared_ptr<nn::Module> model_;               // the (refitted) base network, when there is one
  std::optional<CorrelationRemover> remover_;       // correlation-remover: applied before model_
  std::optional<ThresholdResult> thresholds_;       // threshold: on model_'s scores
  std::optional<Mixture> mixture_;                  // expgrad
  std::shared_ptr<const Classifier> best_;          // gridsearch
};

// The base network a mitigation's state describes ({"learner", "features", "hidden",
// "activation", "parameters"}), rebuilt with its weights, in eval mode.
std::shared_ptr<nn::Module> network_from_json(const nlohmann::json& json);

}  // namespace candor::fairness
