#include "fairness/learner.h"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/mlp_learner.h"

namespace candor::fairness {

ConstantClassifier::ConstantClassifier(double value) : value_(value) {
  if (value != 0 && value != 1) throw ValueError(fmt::format("constant classifier: value {} is not 0 or 1", value));
}

std::vector<double> ConstantClassifier::predict(const Tensor& x) const {
  if (x.dim() != 2) throw ValueError(fmt::format("constant classifier: x must be [N, F], got {} dimensions", x.dim()));
  return std::vector<double>(static_cast<size_t>(x.size(0)), value_);
}

nlohmann::json ConstantClassifier::to_json() const { return {{"kind", "constant"}, {"value", value_}}; }

std::vector<double> LogisticClassifier::predict(const Tensor& x) const { return model_.predict(x); }

nlohmann::json LogisticClassifier::to_json() const {
  return {{"kind", "logistic"}, {"coef", model_.coef}, {"intercept", model_.intercept}};
}

namespace {

double finite_number(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || !json.at(key).is_number()) {
    throw ValueError(fmt::format("classifier JSON: \"{}\" must be a number", key));
  }
  const double v = json.at(key).get<double>();
  if (!std::isfinite(v)) throw ValueError(fmt::format("classifier JSON: \"{}\" is {}, not finite", key, v));
  return v;
}

}  // namespace

std::shared_ptr<const Classifier> classifier_from_json(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("kind") || !json.at("kind").is_string()) {
    throw ValueError("classifier JSON: expected an object with a string \"kind\"");
  }
  const std::string kind = json.at("kind").get<std::string>();
  if (kind == "constant") return std::make_shared<ConstantClassifier>(finite_number(json, "value"));
  if (kind == "logistic") {
    nn::LogisticRegression model;
    model.intercept = finite_number(json, "intercept");
    if (!json.contains("coef") || !json.at("coef").is_array()) {
      throw ValueError("classifier JSON: \"coef\" must be an array of numbers");
    }
    for (const nlohmann::json& v : json.at("coef")) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        throw ValueError(fmt::format("classifier JSON: \"coef\" holds {}, not a finite number", v.dump()));
      }
      model.coef.push_back(v.get<double>());
    }
    return std::make_shared<LogisticClassifier>(std::move(model));
  }
  if (kind == "mlp") return MlpClassifier::from_json(json);
  throw ValueError(fmt::format("classifier JSON: unknown kind {} (known: constant, logistic, mlp)", quote_value(kind)));
}

Learner logistic_learner(nn::LogisticOptions options) {
  options.validate();
  // The previous solution (coef then intercept), shared by the copies of this Learner.
  auto start = std::make_shared<std::vector<double>>(options.start);
  Learner learner;
  learner.name = fmt::format("logistic regression (C={:g})", options.C);
  learner.takes_weights = true;
  learner.fit = [options, start](const Tensor& x, const std::vector<double>& y, const std::vector<double>& weight) {
    nn::LogisticOptions o = options;
    // Start where the last fit ended, unless that was on another number of features.
    const bool fits = x.dim() == 2 && static_cast<int64_t>(start->size()) == x.size(1) + 1;
    o.start = fits ? *start : std::vector<double>{};
    nn::LogisticRegression model = nn::fit_logistic(x, y, weight, o);
    start->assign(model.coef.begin(), model.coef.end());
    start->push_back(model.intercept);
    return std::make_shared<LogisticClassifier>(std::move(model));
  };
  learner.reset = [options, start] { *start = options.start; };
  return learner;
}

void check_learner(const Learner& learner, const char* who) {
  if (!learner.takes_weights) {
    throw ValueError(fmt::format("{}: the learner {} cannot take sample weights, and the reductions pose every step "
                                 "as a reweighted classification (Agarwal et al. 2018, §3.2)",
                                 who, quote_value(learner.name)));
  }
  if (!learner.fit) throw ValueError(fmt::format("{}: the learner {} has no fit function", who, quote_value(learner.name)));
}

OracleFit fit_oracle(const Learner& learner, const Tensor& x, const std::vector<double>& y,
                     const std::vector<double>& weight, const char* who) {
  double positive = 0, negative = 0;
  for (size_t i = 0; i < y.size(); ++i) (y[i] == 1 ? positive : negative) += weight[i];
  if (positive == 0 || negative == 0) return {std::make_shared<ConstantClassifier>(positive > 0 ? 1.0 : 0.0), true};
  std::shared_ptr<const Classifier> fitted = learner.fit(x, y, weight);
  if (!fitted) throw ValueError(fmt::format("{}: the learner {} returned no classifier", who, quote_value(learner.name)));
  return {std::move(fitted), false};
}

}  // namespace candor::fairness
