// Scoring a binary classifier: its probabilities on encoded rows, the predicted labels and the
// task metrics, the same way for every model kind and every command.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "nn/module.h"

namespace candor::nn {

struct Scores {
  std::vector<double> y;       // true labels 0/1 (empty for unlabelled rows)
  std::vector<double> score;   // predicted probability of 1
  std::vector<double> weight;  // sample weights
};

// P(y = 1 | x) = sigmoid(model(x)) for every row of x, in eval mode without recording a graph,
// `chunk` rows at a time so that a transformer's activations stay small.
std::vector<double> predict_proba(Module& model, const Tensor& x, int64_t chunk = 1024);
// The same through any forward function x -> logits [N, 1] (e.g. a head on cached features); the
// caller sets eval mode.
std::vector<double> predict_proba(const std::function<Tensor(const Tensor&)>& forward, const Tensor& x,
                                  int64_t chunk = 1024);
// The same on encoded rows, with their labels (when the rows have them) and weights.
Scores score(Module& model, const datasets::Encoded& data);
// Predicted labels: 1 where score >= threshold.
std::vector<double> thresholded(const std::vector<double>& score, double threshold = 0.5);
// accuracy (at the 0.5 threshold), roc_auc and log_loss, weighted; ValueError without labels.
std::map<std::string, double> task_metrics(const Scores& scores);

}  // namespace candor::nn
