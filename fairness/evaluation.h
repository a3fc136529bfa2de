// What candor reports about a classifier on one split: the task metrics and the fairness audit of
// each sensitive feature, from the model's scores and the encoded sensitive features; and the
// hard gap a constraint is judged by.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"
#include "fairness/metric_frame.h"
#include "fairness/penalty.h"
#include "fairness/report.h"
#include "nn/scoring.h"

namespace candor::fairness {

// The audit's input: labels, predictions at the 0.5 threshold, scores, weights and the features'
// group names per row.
AuditInput audit_input(const nn::Scores& scores, const std::vector<datasets::SensitiveFeature>& sensitive);

// A MetricFrame of the scores thresholded at 0.5, grouped by the features (their intersection
// when there are several): what a lab reads per-group rates from.
MetricFrame metric_frame(const nn::Scores& scores, const std::vector<datasets::SensitiveFeature>& features);

// nn::task_metrics plus "fairness": audit_json of every feature (no intersection section).
nlohmann::json evaluate_split(const nn::Scores& scores, const std::vector<datasets::SensitiveFeature>& sensitive,
                              const AuditOptions& options);

// The measured gap between the feature's groups, Fairlearn's difference on predictions at the 0.5
// threshold: demographic parity, equal opportunity or equalized odds (worst case). 0 when only
// one group has rows; NaN when a rate it needs is undefined in every group.
double measured_gap(Gap gap, const nn::Scores& scores, const datasets::SensitiveFeature& feature);

// How precisely these rows measure that gap: the binomial standard error of the difference between
// the two groups that set it (the highest and lowest rate; for equalized odds, of the TPR or FPR
// part whose error is larger, since a bound holds for both), sqrt(r1 (1 - r1) / n1 + r2 (1 - r2) / n2), with Kish's effective sizes
// n = (sum w)^2 / sum w^2 for weighted rows. `rows` says which group and how many rows (in words),
// for a message. A rate of 0 or 1 gives no error, so a gap of 0 on few rows is not called precise:
// the rate is taken as at least 1 / (n + 1) from either end. NaN when the gap is.
struct GapPrecision {
  double standard_error = 0;
  std::string smallest;  // the two groups' smaller one, e.g. "<25 (163 rows)" or "Female (590 rows with label 1)"
};
GapPrecision measured_gap_precision(Gap gap, const nn::Scores& scores, const datasets::SensitiveFeature& feature);

}  // namespace candor::fairness
