// The per-group base metrics of a binary classifier, on plain vectors with optional sample weights
// (empty weights mean 1 for every row). Definitions, with w the weights, y the true label, ŷ the
// predicted label, s the score (a probability of the positive class) and W = Σ w:
//   count             rows (not weights, as Fairlearn's `count`)
//   selection_rate    Σ w·[ŷ=1] / W
//   mean_score        Σ w·s / W
//   accuracy          Σ w·[ŷ=y] / W
//   balanced_accuracy (tpr + tnr) / 2
//   tpr, fnr          TP / (TP+FN), FN / (TP+FN)     (TP etc. are weighted counts)
//   fpr, tnr          FP / (FP+TN), TN / (FP+TN)
//   precision (PPV)   TP / (TP+FP);   npv   TN / (TN+FN)
//   roc_auc           P(s+ > s-) with ties counting one half (nn::roc_auc)
//   log_loss          mean of -[y ln p + (1-y) ln(1-p)], p clipped to [1e-15, 1-1e-15] (nn::log_loss)
//   brier             Σ w·(s−y)² / W
//   calibration_error expected calibration error: 10 equal-width bins of the score,
//                     [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (a score of 1 falls in the last bin);
//                     ECE = Σ_b (W_b / W)·|ȳ_b − s̄_b| with ȳ_b, s̄_b the weighted means of y and s
//                     in bin b; empty bins contribute nothing.
// A ratio with an empty denominator (0/0) is NaN and its reason is recorded. This is where candor
// departs from scikit-learn, which Fairlearn calls: scikit-learn's confusion_matrix(normalize=
// "true") turns 0/0 rates into 0, precision_score returns 0 with a warning, and
// balanced_accuracy_score averages the recall of the classes present. candor reports NaN and says
// why: a rate with no rows to measure is undefined, not 0.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace candor::fairness {

enum class Metric {
  Count,
  SelectionRate,
  MeanScore,
  Accuracy,
  BalancedAccuracy,
  Tpr,
  Fpr,
  Tnr,
  Fnr,
  Precision,
  Npv,
  RocAuc,
  LogLoss,
  Brier,
  CalibrationError,
};
inline constexpr size_t kMetricCount = 15;

// Every metric in table order.
const std::array<Metric, kMetricCount>& all_metrics();
// "selection_rate", "tpr", ...: the name used in JSON and tables.
const char* metric_name(Metric m);
// Whether the metric reads the score (mean_score, roc_auc, log_loss, brier, calibration_error).
bool uses_score(Metric m);

// The rows a metric reads: labels and predictions in {0, 1}, an optional score in [0, 1] and
// optional non-negative weights.
struct Predictions {
  std::vector<double> y_true, y_pred;
  std::vector<double> y_score;  // empty: no score metrics
  std::vector<double> weight;   // empty: every row weighs 1

  size_t size() const { return y_true.size(); }
  bool has_score() const { return !y_score.empty(); }
  bool weighted() const { return !weight.empty(); }
  double weight_at(size_t i) const { return weight.empty() ? 1.0 : weight[i]; }
  // Throws ValueError naming the row and value: sizes differ, a label or prediction not 0 or 1,
  // a score outside [0, 1], a negative or non-finite weight.
  void validate() const;
  // The rows `rows` (in that order, repeats allowed).
  Predictions take(const std::vector<size_t>& rows) const;
};

// Weighted confusion counts.
struct Confusion {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  double total() const { return tp + fp + tn + fn; }
  Confusion& operator+=(const Confusion& o);
};
Confusion confusion(const Predictions& data, const std::vector<size_t>& rows);

struct MetricValues {
  std::array<double, kMetricCount> values;  // NaN where undefined (or no score)
  // The metrics that are NaN although they apply, each with the reason ("no rows with y_true = 1").
  std::vector<std::pair<Metric, std::string>> undefined;
  MetricValues();
  double operator[](Metric m) const { return values[static_cast<size_t>(m)]; }
  double& operator[](Metric m) { return values[static_cast<size_t>(m)]; }
};

// Every base metric on the rows `rows` of `data` (score metrics only when data has a score).
// No rows: count 0 and every other metric NaN (with the reason "no rows").
MetricValues compute_metrics(const Predictions& data, const std::vector<size_t>& rows);

// Expected calibration error with `bins` equal-width bins on [0, 1] (see the top of this file).
// NaN when the weights sum to 0.
double expected_calibration_error(const std::vector<double>& y_true, const std::vector<double>& score,
                                  const std::vector<double>& weight = {}, int bins = 10);

}  // namespace candor::fairness
