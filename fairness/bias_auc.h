// Bias AUCs for scored classifiers (Borkan et al. 2019, "Nuanced Metrics for Measuring Unintended
// Bias with Real Data for Text Classification"). For a subgroup s, with the background the rows of
// every other group:
//   subgroup AUC: ROC AUC on the rows of s only
//   BPSN AUC (background positive, subgroup negative): on background y=1 rows ∪ subgroup y=0 rows
//   BNSP AUC (background negative, subgroup positive): on background y=0 rows ∪ subgroup y=1 rows
// ROC AUC is nn::roc_auc (ties count one half, weighted). A set lacking positives or negatives
// gives NaN and a warning naming the group and the AUC.
#pragma once

#include <string>
#include <vector>

#include "fairness/metric_frame.h"

namespace candor::fairness {

struct BiasAuc {
  double subgroup, bpsn, bnsp;
};

// One entry per group of the frame; ValueError when the frame has no scores.
std::vector<BiasAuc> bias_aucs(const MetricFrame& frame, std::vector<std::string>* warnings = nullptr);

}  // namespace candor::fairness
