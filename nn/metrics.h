// Task metrics on plain vectors: accuracy, ROC AUC, log loss. Weights are optional (empty means 1).
#pragma once

#include <vector>

namespace candor::nn {

// Fraction of rows whose predicted label equals the true label (labels 0/1).
double accuracy(const std::vector<double>& y_true, const std::vector<double>& y_pred,
                const std::vector<double>& weight = {});
// Area under the ROC curve of scores against 0/1 labels: the probability that a random positive
// scores above a random negative, ties counting one half (Mann-Whitney U / (n_pos n_neg)).
// NaN when one class is absent, as scikit-learn warns; ValueError for a NaN score (±inf are ordered
// like any other score).
double roc_auc(const std::vector<double>& y_true, const std::vector<double>& score,
               const std::vector<double>& weight = {});
// Mean of -[y log p + (1 - y) log(1 - p)], with p clipped to [1e-15, 1 - 1e-15] as scikit-learn.
double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob,
                const std::vector<double>& weight = {});

}  // namespace candor::nn
