// What the reductions call at every step: a Learner fits a 0/1 classifier to relabelled, reweighted
// rows (the cost-sensitive problem of Agarwal et al. 2018, §3.2), and returns it as a fitted
// Classifier, which predicts 0/1 and writes itself as JSON (so a mixture of them can be stored in
// a run folder and read back).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tensor.h"
#include "nn/logistic.h"

namespace candor::fairness {

class Classifier {
 public:
  virtual ~Classifier() = default;
  // x [N, F] -> N predictions, each 0 or 1.
  virtual std::vector<double> predict(const Tensor& x) const = 0;
  // {"kind": ..., and the fitted state}; classifier_from_json reads the built-in kinds back.
  virtual nlohmann::json to_json() const = 0;
};

// Predicts `value` (0 or 1) for every row: what the reductions use when the relabelled rows are
// all of one class (Fairlearn's DummyClassifier(strategy="constant")). JSON {"kind": "constant",
// "value": v}.
class ConstantClassifier : public Classifier {
 public:
  explicit ConstantClassifier(double value);  // ValueError unless 0 or 1
  double value() const { return value_; }
  std::vector<double> predict(const Tensor& x) const override;
  nlohmann::json to_json() const override;

 private:
  double value_;
};

// nn::LogisticRegression's 0/1 prediction (1 where coef·x + intercept > 0). JSON {"kind":
// "logistic", "coef": [...], "intercept": b}.
class LogisticClassifier : public Classifier {
 public:
  explicit LogisticClassifier(nn::LogisticRegression model) : model_(std::move(model)) {}
  const nn::LogisticRegression& model() const { return model_; }
  std::vector<double> predict(const Tensor& x) const override;
  nlohmann::json to_json() const override;

 private:
  nn::LogisticRegression model_;
};

// A "constant", "logistic" or "mlp" (fairness/mlp_learner.h) classifier from its JSON; ValueError
// naming the kind or the bad field.
std::shared_ptr<const Classifier> classifier_from_json(const nlohmann::json& json);

struct Learner {
  std::string name;
  // Whether fit honours the weights. The reductions only work through weights, so they refuse a
  // learner without them.
  bool takes_weights = true;
  // Fits x [N, F] to 0/1 labels y with non-negative weights (both [N]). Both classes are present
  // with positive weight whenever the reductions call it.
  std::function<std::shared_ptr<const Classifier>(const Tensor& x, const std::vector<double>& y,
                                                  const std::vector<double>& weight)>
      fit;
  // Optional: forgets anything fit carried over from earlier calls (a warm start). The reductions
  // call it first, so two runs with the same learner give the same result.
  std::function<void()> reset;
};

// nn::fit_logistic with `options`, each fit starting from the previous fit's solution (the
// reductions fit many nearby problems; a warm start saves most Newton steps). The first fit after
// reset() starts from options.start.
Learner logistic_learner(nn::LogisticOptions options = {});

// What one call of a reduction's oracle gave: the classifier, and whether it is the constant one
// because the relabelled rows were of one class.
struct OracleFit {
  std::shared_ptr<const Classifier> classifier;
  bool constant = false;
};

// The oracle of the reductions (Fairlearn's _Lagrangian._call_oracle and GridSearch's loop): when
// every row with positive weight has the same label, a ConstantClassifier of that label
// (Fairlearn's DummyClassifier path; it also covers all weights 0, as label 0); otherwise
// learner.fit. `who` names the caller in errors (a learner returning nothing).
OracleFit fit_oracle(const Learner& learner, const Tensor& x, const std::vector<double>& y,
                     const std::vector<double>& weight, const char* who);

// The one line with which the reductions refuse `learner` when it cannot take weights or has no fit.
void check_learner(const Learner& learner, const char* who);

}  // namespace candor::fairness
