#include "fairness/mixture.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/randomized.h"

namespace candor::fairness {

void Mixture::validate() const {
  if (predictors.size() != weights.size()) {
    throw ValueError(fmt::format("mixture: {} predictors and {} weights", predictors.size(), weights.size()));
  }
  if (predictors.empty()) throw ValueError("mixture: no predictors");
  double total = 0;
  for (size_t t = 0; t < weights.size(); ++t) {
    if (!(weights[t] >= 0) || !std::isfinite(weights[t])) {
      throw ValueError(fmt::format("mixture: weight {} of predictor {} is not a finite number >= 0", weights[t], t));
    }
    if (!predictors[t]) throw ValueError(fmt::format("mixture: predictor {} is missing", t));
    total += weights[t];
  }
  if (std::abs(total - 1) > 1e-6) throw ValueError(fmt::format("mixture: the weights sum to {}, not 1", total));
}

std::vector<double> Mixture::probability_of_one(const Tensor& x) const {
  validate();
  std::vector<double> p;
  for (size_t t = 0; t < predictors.size(); ++t) {
    if (weights[t] == 0) continue;
    const std::vector<double> h = predictors[t]->predict(x);
    if (p.empty()) p.assign(h.size(), 0.0);
    for (size_t i = 0; i < h.size(); ++i) p[i] += weights[t] * h[i];
  }
  for (double& v : p) v = std::clamp(v, 0.0, 1.0);
  return p;
}

std::vector<double> Mixture::predict(const Tensor& x, uint64_t seed) const {
  return sample_predictions(probability_of_one(x), seed);
}

nlohmann::json Mixture::to_json() const {
  nlohmann::json out = {{"weights", weights}, {"predictors", nlohmann::json::array()}};
  for (const auto& h : predictors) out["predictors"].push_back(h->to_json());
  return out;
}

Mixture Mixture::from_json(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("weights") || !json.contains("predictors") || !json.at("weights").is_array() ||
      !json.at("predictors").is_array()) {
    throw ValueError("mixture JSON: expected an object with arrays \"weights\" and \"predictors\"");
  }
  Mixture m;
  for (const nlohmann::json& w : json.at("weights")) {
    if (!w.is_number()) throw ValueError(fmt::format("mixture JSON: weight {} is not a number", w.dump()));
    m.weights.push_back(w.get<double>());
  }
  for (const nlohmann::json& h : json.at("predictors")) m.predictors.push_back(classifier_from_json(h));
  m.validate();
  return m;
}

}  // namespace candor::fairness
