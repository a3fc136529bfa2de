// Where a gap between groups' mean scores comes from. Shapley values add up per row to
// f(x) - base_value, and the base value is the same for every row, so for groups A and B
//   mean_A f - mean_B f = sum_j (mean_A phi_j - mean_B phi_j)
// exactly: the gap splits into one contribution per feature (the difference of the groups' mean
// Shapley values; Lundberg, "Explaining quantitative measures of fairness", 2020). With scores
// that are probabilities this is the demographic parity difference of the scores, in the sense of
// a gap in mean predicted probability between the highest and the lowest scored group.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"
#include "explain/posthoc/shapley.h"

namespace candor::explain {

struct FeatureContribution {
  std::string player;
  double contribution = 0;  // mean phi over the high group - mean phi over the low group
};

struct GapAttribution {
  std::string sensitive;                 // the sensitive column
  std::string high_group, low_group;     // the groups with the highest and the lowest mean score
  double high_mean = 0, low_mean = 0;    // their weighted mean scores
  double gap = 0;                        // high_mean - low_mean
  size_t high_rows = 0, low_rows = 0;
  std::vector<FeatureContribution> contributions;  // largest |contribution| first
  double residual = 0;                   // sum of contributions - gap (rounding only)
};

// `shapley` explains the rows whose groups `groups` gives (one id per row); `weights` are row
// weights (empty: all 1). ValueError when the ids do not match the rows or fewer than two groups
// have rows.
GapAttribution attribute_gap(const ShapleyResult& shapley, const datasets::SensitiveFeature& groups,
                             const std::vector<double>& weights = {});

// "the gap in mean score between Male (0.254) and Female (0.081), 0.173, comes from:
//  relationship +0.070, marital-status +0.052, ..." with the `top` largest contributions.
std::string describe(const GapAttribution& attribution, size_t top = 6);
nlohmann::json to_json(const GapAttribution& attribution);

}  // namespace candor::explain
