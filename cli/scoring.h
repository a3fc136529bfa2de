// Scores a binary classifier on encoded data and reports the task metrics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "nn/module.h"

namespace candor::cli {

struct Scores {
  std::vector<double> y;       // true labels, 0/1
  std::vector<double> score;   // predicted probability of 1
  std::vector<double> weight;  // sample weights
};

// P(y = 1) = sigmoid(model(x)), in eval mode without recording a graph.
Scores score_model(nn::Module& model, const datasets::Encoded& data);
// accuracy (threshold 0.5), roc_auc, log_loss.
std::map<std::string, double> task_metrics(const Scores& scores);

}  // namespace candor::cli
