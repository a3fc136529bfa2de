// The named fairness metrics of Fairlearn and of AIF360, each under its library's definition
// (Fairlearn's fairlearn.metrics, AIF360's ClassificationMetric, as written out below). They
// read a MetricFrame, so weights, intersectional groups and NaN handling are the frame's.
//
// Fairlearn (unsigned, over all groups; `method` as MetricFrame::difference / ratio):
//   demographic_parity_difference / _ratio    selection-rate difference / ratio
//   equalized_odds_difference                 worst_case: max(tpr difference, fpr difference);
//                                             mean: their mean
//   equalized_odds_ratio                      worst_case: min(tpr ratio, fpr ratio); mean: their mean
//   equal_opportunity_difference / _ratio     tpr difference / ratio
// NaN in the equalized-odds combination: worst_case is NaN when either part is NaN (Fairlearn takes
// Python's builtin max over [tpr, fpr], whose answer with a NaN depends on the order); mean skips a
// NaN part as pandas' mean does, and is NaN only when both are.
//
// AIF360 (signed, unprivileged minus privileged): the privileged group is one group of the frame
// and the unprivileged rows are all the others together (AIF360's unprivileged_groups set to the
// complement). Rates are weighted, as AIF360's instance weights.
//   statistical_parity_difference = SR_u − SR_p;   disparate_impact = SR_u / SR_p
//   equal_opportunity_difference  = TPR_u − TPR_p
//   average_odds_difference       = ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)]
//   average_abs_odds_difference   = ½[|FPR_u − FPR_p| + |TPR_u − TPR_p|]
// An undefined rate makes the metric NaN; disparate_impact with SR_p = 0 < SR_u is +inf (IEEE, as
// numpy gives AIF360). Each case appends a line to `warnings` when given.
//
// AIF360's individual-fairness indices on the benefit b_i = ŷ_i − y_i + 1 (unweighted, as AIF360;
// μ = mean b):
//   generalized_entropy_index(α) = 1/(n α(α−1)) Σ [(b_i/μ)^α − 1]       α ∉ {0, 1} (default 2)
//   α = 1: theil_index = (1/n) Σ (b_i/μ) ln(b_i/μ), a term with b_i = 0 counting 0
//   α = 0: mean log deviation −(1/n) Σ ln(b_i/μ) (+inf when some b_i = 0; this is the formula of
//          AIF360's docstring, whose code also divides each term by μ)
// NaN when there are no rows or μ = 0 (every row a false negative).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "fairness/metric_frame.h"

namespace candor::fairness {

enum class Agg { WorstCase, Mean };
const char* agg_name(Agg a);  // "worst_case", "mean"

double demographic_parity_difference(const MetricFrame& frame, Method method = Method::BetweenGroups);
double demographic_parity_ratio(const MetricFrame& frame, Method method = Method::BetweenGroups);
double equalized_odds_difference(const MetricFrame& frame, Method method = Method::BetweenGroups,
                                 Agg agg = Agg::WorstCase);
double equalized_odds_ratio(const MetricFrame& frame, Method method = Method::BetweenGroups,
                            Agg agg = Agg::WorstCase);
double equal_opportunity_difference(const MetricFrame& frame, Method method = Method::BetweenGroups);
double equal_opportunity_ratio(const MetricFrame& frame, Method method = Method::BetweenGroups);

namespace aif360 {

// Weighted confusion counts of the privileged group and of all other rows.
struct Split {
  Confusion privileged, unprivileged;
};
// `privileged` indexes frame.groups(); IndexError when out of range.
Split split(const MetricFrame& frame, size_t privileged);

double statistical_parity_difference(const MetricFrame& frame, size_t privileged,
                                     std::vector<std::string>* warnings = nullptr);
double disparate_impact(const MetricFrame& frame, size_t privileged, std::vector<std::string>* warnings = nullptr);
double equal_opportunity_difference(const MetricFrame& frame, size_t privileged,
                                    std::vector<std::string>* warnings = nullptr);
double average_odds_difference(const MetricFrame& frame, size_t privileged,
                               std::vector<std::string>* warnings = nullptr);
double average_abs_odds_difference(const MetricFrame& frame, size_t privileged,
                                   std::vector<std::string>* warnings = nullptr);

double generalized_entropy_index(const std::vector<double>& y_true, const std::vector<double>& y_pred,
                                 double alpha = 2.0);
double theil_index(const std::vector<double>& y_true, const std::vector<double>& y_pred);

}  // namespace aif360
}  // namespace candor::fairness
