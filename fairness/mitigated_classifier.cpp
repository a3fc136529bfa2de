#include "fairness/mitigated_classifier.h"

#include <fmt/format.h>

#include "datasets/sensitive.h"
#include "engine/engine.h"
#include "fairness/learner.h"
#include "fairness/mlp_learner.h"
#include "nn/layers.h"
#include "nn/scoring.h"

namespace candor::fairness {

namespace {

const nlohmann::json& field(const nlohmann::json& json, const char* key, const char* what) {
  if (!json.is_object() || !json.contains(key)) {
    throw ValueError(fmt::format("mitigation state: {} has no \"{}\"", what, key));
  }
  return json.at(key);
}

std::vector<double> hard(std::vector<double> p) {
  for (double& v : p) v = v > 0.5 ? 1.0 : 0.0;
  return p;
}

}  // namespace

std::shared_ptr<nn::Module> network_from_json(const nlohmann::json& json) {
  try {
    nn::MlpOptions options;
    options.hidden = json.at("hidden").get<std::vector<int64_t>>();
    options.activation = json.at("activation").get<std::string>();
    Generator gen(0);
    std::shared_ptr<nn::Module> model = nn::make_mlp(json.at("features").get<int64_t>(), 1, options, gen);
    parameters_from_json(*model, json.at("parameters"));
    model->eval();
    return model;
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("mitigation state: the model needs features, hidden, activation and parameters ({})",
                                 e.what()));
  }
}

MitigatedClassifier::MitigatedClassifier(MitigationMethod method, const nlohmann::json& state, std::string feature)
    : method_(method), feature_(std::move(feature)) {
  const char* what = method_name(method);
  switch (method) {
    case MitigationMethod::Reweighing:
    case MitigationMethod::Adversarial:
      model_ = network_from_json(field(state, "model", what));
      break;
    case MitigationMethod::CorrelationRemover:
      remover_ = CorrelationRemover::from_json(field(state, "correlation_remover", what));
      model_ = network_from_json(field(state, "model", what));
      break;
    case MitigationMethod::Threshold:
      thresholds_ = ThresholdResult::from_json(field(state, "thresholds", what));
      model_ = network_from_json(field(state, "model", what));
      break;
    case MitigationMethod::ExponentiatedGradient:
      mixture_ = Mixture::from_json(field(state, "mixture", what));
      break;
    case MitigationMethod::GridSearch: {
      const nlohmann::json& predictors = field(state, "predictors", what);
      const nlohmann::json& best = field(state, "best_idx", what);
      if (!predictors.is_array() || !best.is_number_unsigned() || best.get<size_t>() >= predictors.size()) {
        throw ValueError("mitigation state: gridsearch's best_idx does not name one of its predictors");
      }
      best_ = classifier_from_json(predictors.at(best.get<size_t>()));
      break;
    }
  }
}

bool MitigatedClassifier::randomised() const {
  return method_ == MitigationMethod::ExponentiatedGradient || method_ == MitigationMethod::Threshold;
}

std::vector<double> MitigatedClassifier::probability_of_one(const datasets::Encoded& rows) const {
  switch (method_) {
    case MitigationMethod::Reweighing:
    case MitigationMethod::Adversarial:
      return hard(nn::predict_proba(*model_, rows.x));
    case MitigationMethod::CorrelationRemover:
      return hard(nn::predict_proba(*model_, remover_->transform(rows.x)));
    case MitigationMethod::Threshold:
      return thresholds_->probability_of_one(nn::predict_proba(*model_, rows.x),
                                             datasets::find_feature(rows.sensitive, feature_));
    case MitigationMethod::ExponentiatedGradient:
      return mixture_->probability_of_one(rows.x);
    case MitigationMethod::GridSearch:
      return best_->predict(rows.x);
  }
  return {};
}

}  // namespace candor::fairness
