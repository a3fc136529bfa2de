// Methods side by side on the same test rows: the table `candor compare` prints and the points of
// its Pareto plot. Each method is given as the probability that it predicts 1 on every test row
// (0 or 1 for a deterministic classifier; the mixing probability for a randomised one, as
// Fairlearn's ExponentiatedGradient and ThresholdOptimizer return), so every figure is the
// expected value over the method's randomness (fairness/randomized.h):
//   accuracy           Σ [y=1]·p + [y=0]·(1−p), over the rows
//   balanced_accuracy  (TPR + TNR) / 2
//   dpd                max − min over the groups of the selection rate Σ p / n_g
//                      (Fairlearn's demographic_parity_difference)
//   eod                the larger of the TPR and FPR ranges over the groups
//                      (Fairlearn's equalized_odds_difference)
// with stratified percentile-bootstrap intervals (fairness/bootstrap.h).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fairness/bootstrap.h"
#include "fairness/groups.h"

namespace candor::fairness {

struct MethodOutcome {
  std::string name;    // the label in the table and on the plot (usually the run folder's name)
  std::string method;  // what produced it, e.g. "train logistic", "expgrad dp eps=0.01"
  std::vector<double> y_true, p_one;  // per test row
  Groups groups;                      // the rows' groups (one sensitive feature or an intersection)
  double fit_seconds = NAN;           // NaN when the run did not record it
};

struct Estimate {
  double value = NAN;
  Interval interval{NAN, NAN, 0};
};

struct ComparisonRow {
  std::string name, method;
  int64_t rows = 0;
  Estimate accuracy, balanced_accuracy, dpd, eod;
  double fit_seconds = NAN;
};

// One row per outcome, in the given order. ValueError when an outcome's sizes differ, a label is
// not 0/1, a p is outside [0, 1], or it has fewer than two groups.
std::vector<ComparisonRow> compare_methods(const std::vector<MethodOutcome>& outcomes, const BootstrapOptions& bootstrap);

nlohmann::json to_json(const std::vector<ComparisonRow>& rows);

// The rows as a fixed-width text table (value and interval for each figure).
std::string format_table(const std::vector<ComparisonRow>& rows);

}  // namespace candor::fairness
