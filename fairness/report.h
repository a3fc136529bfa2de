// The audit report: every fairness number candor reports about a set of predictions, as one JSON
// object. `candor audit` prints and writes it; `candor finetune` stores one per split "before" and
// "after".
//
// Shape (NaN and ±inf are written as null; every {value, ci_low, ci_high} interval comes from the
// stratified bootstrap of fairness/bootstrap.h, null when the bootstrap is off):
// {
//   "rows": N, "weighted": bool, "has_score": bool,
//   "bootstrap": {"replicates": B, "confidence": 0.95, "seed": S, "method": "percentile",
//                 "stratified_by": "group"},
//   "features": ["sex", "race", "sex|race"],            // section order: each column, then their
//                                                       // intersection when there are several
//   "sensitive_features": {
//     "sex": {
//       "features": ["sex"], "groups": ["Female", "Male"],   // table order
//       "by_group": {"Female": {"count": .., "selection_rate": .., ...}, ...},
//       "by_group_intervals": {"Female": {"selection_rate": {"ci_low": x, "ci_high": x}, "tpr": ..,
//                              "fpr": .., "accuracy": ..}, ...},  // fairness/group_intervals.h
//       "overall": {"count": .., ...},                      // "weight" (Σw) too when weighted;
//                                                           // score metrics only with scores
//       "aggregates": {"selection_rate": {"group_min": x, "group_max": x,
//                        "difference": I, "ratio": I, "difference_to_overall": I,
//                        "ratio_to_overall": I}, ...},      // every metric but count
//       "fairlearn": {"method": "between_groups", "demographic_parity_difference": I,
//                     "demographic_parity_ratio": I, "equalized_odds_difference": I (worst case),
//                     "equalized_odds_difference_mean": I, "equalized_odds_ratio": I,
//                     "equalized_odds_ratio_mean": I, "equal_opportunity_difference": I,
//                     "equal_opportunity_ratio": I},
//       "aif360": {"privileged": "Male" or null, "statistical_parity_difference": I,
//                  "disparate_impact": I, "equal_opportunity_difference": I,
//                  "average_odds_difference": I, "average_abs_odds_difference": I,  // privileged only
//                  "theil_index": I, "generalized_entropy_index": I + {"alpha": 2}},
//       "bias_auc": {"Female": {"subgroup_auc": x, "bpsn_auc": x, "bnsp_auc": x}, ...},  // scores only
//       "warnings": ["group \"Female\": tpr is NaN (0/0: no rows with y_true = 1)", ...]
//     }, ...
//   }
// }
// where I = {"value": x, "ci_low": x, "ci_high": x}. The intersection section lists every
// combination of observed values, so empty intersections appear with count 0, NaN metrics and a
// warning (Fairlearn's MetricFrame does the same).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fairness/bootstrap.h"
#include "fairness/metric_frame.h"

namespace candor::fairness {

struct AuditInput {
  std::vector<double> y_true, y_pred;  // 0/1
  std::vector<double> y_score;         // optional probabilities in [0, 1]
  std::vector<double> weight;          // optional sample weights >= 0
  std::vector<std::string> sensitive_names;         // {"sex", "race"}
  std::vector<std::vector<std::string>> sensitive;  // sensitive[f][row]
};

struct AuditOptions {
  Method method = Method::BetweenGroups;  // for the Fairlearn named metrics
  // AIF360's privileged group, one entry per sensitive feature: "Male" (used by every section that
  // has a group of that name) or "sex=Male" (that section only; "sex|race=Male|White" for the
  // intersection). The intersection's privileged group defaults to the join of its columns' ones.
  // Without one, a section reports AIF360's Theil and generalised entropy indices only.
  std::vector<std::string> privileged;
  bool intersectional = true;  // with several sensitive columns, add their intersection section
  double ge_alpha = 2.0;       // α of the generalised entropy index
  BootstrapOptions bootstrap;
};

// ValueError for bad input: sizes that differ, labels that are not 0/1, no rows, no sensitive
// column, a sensitive feature with a single group ("fairness needs >= 2 groups"), a privileged
// value that names no group.
nlohmann::json audit_json(const AuditInput& input, const AuditOptions& options);

}  // namespace candor::fairness
