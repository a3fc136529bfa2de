// An MLP as a learner of the reductions (fairness/learner.h): make_mlp trained by
// nn::train_classifier on the reweighted rows the reductions pose (its loss weights each row), with
// the same seed at every fit so that a run repeats. Its fitted weights go into the mixture's JSON.
#pragma once

#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>

#include "fairness/learner.h"
#include "nn/classifier.h"
#include "nn/layers.h"

namespace candor::fairness {

// A network's parameters as {name: {"shape": [...], "values": [...]}} (meant for small models: a
// mixture holds one per predictor), and back into a model of the same architecture (strict; a
// ValueError names a missing, unknown or misshapen parameter or a non-finite value).
nlohmann::json parameters_to_json(const nn::Module& model);
void parameters_from_json(nn::Module& model, const nlohmann::json& json);

// σ(MLP(x)) > 0.5. JSON {"kind": "mlp", "features": F, "hidden": [...], "activation": ...,
// "parameters": {...}}; classifier_from_json reads it back.
class MlpClassifier : public Classifier {
 public:
  MlpClassifier(std::shared_ptr<nn::Module> model, int64_t features, nn::MlpOptions options);
  std::vector<double> predict(const Tensor& x) const override;
  nlohmann::json to_json() const override;
  static std::shared_ptr<const MlpClassifier> from_json(const nlohmann::json& json);

 private:
  std::shared_ptr<nn::Module> model_;
  int64_t features_;
  nn::MlpOptions options_;
};

// Each fit builds make_mlp(F, 1, mlp) from Generator(training.seed) and trains it on the rows with
// their weights (the training rows also serve as its validation rows: the reductions hold none
// out). ValueError for bad options.
Learner mlp_learner(nn::MlpOptions mlp, nn::TrainOptions training);

}  // namespace candor::fairness
