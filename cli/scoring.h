// Scores a binary classifier on encoded data and reports the task metrics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "datasets/table.h"
#include "nn/module.h"

namespace candor::cli {

struct Scores {
  std::vector<double> y;       // true labels, 0/1
  std::vector<double> score;   // predicted probability of 1
  std::vector<double> weight;  // sample weights
};

// P(y = 1) = sigmoid(model(x)), in eval mode without recording a graph, 1024 rows at a time.
Scores score_model(nn::Module& model, const datasets::Encoded& data);
// accuracy (threshold 0.5), roc_auc, log_loss.
std::map<std::string, double> task_metrics(const Scores& scores);
// Predicted labels: score >= 0.5.
std::vector<double> thresholded(const std::vector<double>& score);
// The values of the sensitive columns `names` on the encoded rows of `table` (sensitive[f][row]).
std::vector<std::vector<std::string>> sensitive_values(const datasets::Table& table,
                                                       const std::vector<std::string>& names,
                                                       const std::vector<size_t>& kept_rows);
// One split's report: the task metrics plus "fairness", candor audit's JSON for every sensitive
// column (with `bootstrap` resamples for the intervals).
nlohmann::json split_report(const Scores& scores, const std::vector<std::string>& names,
                            const std::vector<std::vector<std::string>>& sensitive, int64_t bootstrap,
                            uint64_t seed);

}  // namespace candor::cli
