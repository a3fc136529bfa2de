#include "fairness/mlp_learner.h"

#include <cmath>

#include <fmt/format.h>

#include "datasets/encoder.h"
#include "engine/engine.h"
#include "nn/scoring.h"

namespace candor::fairness {

nlohmann::json parameters_to_json(const nn::Module& model) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, p] : model.named_parameters()) {
    out[name] = {{"shape", p.shape()}, {"values", p.to_vector<double>()}};
  }
  return out;
}

void parameters_from_json(nn::Module& model, const nlohmann::json& json) {
  if (!json.is_object()) throw ValueError("parameters JSON: expected an object of named parameters");
  std::map<std::string, Tensor> state;
  for (const auto& [name, p] : model.named_parameters()) {
    if (!json.contains(name)) throw ValueError(fmt::format("parameters JSON: no parameter {}", quote_value(name)));
    const nlohmann::json& entry = json.at(name);
    if (!entry.is_object() || !entry.contains("values") || !entry.at("values").is_array()) {
      throw ValueError(fmt::format("parameters JSON: {} needs an array \"values\"", quote_value(name)));
    }
    std::vector<float> values;
    for (const nlohmann::json& v : entry.at("values")) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        throw ValueError(fmt::format("parameters JSON: {} holds {}, not a finite number", quote_value(name), v.dump()));
      }
      values.push_back(v.get<float>());
    }
    if (static_cast<int64_t>(values.size()) != p.numel()) {
      throw ValueError(fmt::format("parameters JSON: {} has {} values, the model's {} holds {}", quote_value(name),
                                   values.size(), format_shape(p.shape()), p.numel()));
    }
    state[name] = from_vector(values, p.shape());
  }
  if (json.size() != state.size()) {
    for (const auto& [name, entry] : json.items()) {
      if (!state.count(name)) throw ValueError(fmt::format("parameters JSON: unknown parameter {}", quote_value(name)));
    }
  }
  model.load_state_dict(state);
}

MlpClassifier::MlpClassifier(std::shared_ptr<nn::Module> model, int64_t features, nn::MlpOptions options)
    : model_(std::move(model)), features_(features), options_(std::move(options)) {}

std::vector<double> MlpClassifier::predict(const Tensor& x) const {
  if (x.dim() != 2 || x.size(1) != features_) {
    throw ValueError(fmt::format("mlp classifier: x must be [N, {}], got {}", features_, format_shape(x.shape())));
  }
  std::vector<double> p = nn::predict_proba(*model_, x);
  for (double& v : p) v = v > 0.5 ? 1.0 : 0.0;
  return p;
}

nlohmann::json MlpClassifier::to_json() const {
  return {{"kind", "mlp"},
          {"features", features_},
          {"hidden", options_.hidden},
          {"activation", options_.activation},
          {"parameters", parameters_to_json(*model_)}};
}

std::shared_ptr<const MlpClassifier> MlpClassifier::from_json(const nlohmann::json& json) {
  try {
    nn::MlpOptions options;
    options.hidden = json.at("hidden").get<std::vector<int64_t>>();
    options.activation = json.at("activation").get<std::string>();
    const int64_t features = json.at("features").get<int64_t>();
    Generator gen(0);
    std::shared_ptr<nn::Module> model = nn::make_mlp(features, 1, options, gen);  // checks the sizes
    parameters_from_json(*model, json.at("parameters"));
    model->eval();
    return std::make_shared<MlpClassifier>(model, features, options);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("classifier JSON: an mlp needs features, hidden, activation and parameters ({})",
                                 e.what()));
  }
}

Learner mlp_learner(nn::MlpOptions mlp, nn::TrainOptions training) {
  training.progress = false;
  training.validate();
  Generator probe(0);
  nn::make_mlp(1, 1, mlp, probe);  // refuses bad widths, dropout or activation now, not at the first fit
  Learner learner;
  learner.name = fmt::format("mlp ({})", fmt::join(mlp.hidden, ","));
  learner.takes_weights = true;
  learner.fit = [mlp, training](const Tensor& x, const std::vector<double>& y, const std::vector<double>& weight) {
    datasets::Encoded rows;
    rows.x = x;
    rows.y = from_vector(std::vector<float>(y.begin(), y.end()), {x.size(0)});
    rows.weight = from_vector(std::vector<float>(weight.begin(), weight.end()), {x.size(0)});
    Generator gen(training.seed);
    std::shared_ptr<nn::Module> model = nn::make_mlp(x.size(1), 1, mlp, gen);
    nn::train_classifier(*model, rows, rows, training);
    model->eval();
    return std::make_shared<MlpClassifier>(model, x.size(1), mlp);
  };
  return learner;
}

}  // namespace candor::fairness
