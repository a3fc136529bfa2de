// Per-group bootstrap intervals: for every group of a MetricFrame, the stratified percentile
// interval (fairness/bootstrap.h) of its selection_rate, tpr, fpr and accuracy.
//
// The strata are the frame's non-empty groups in group order, exactly as the audit's aggregate
// intervals use them (fairness/report.h), so for the same seed and replicate count the per-group
// intervals come from the very same resamples. Within a replicate, group g's value is its base
// metric (fairness/base_metrics.h) on the rows drawn for its stratum. An empty group, or a rate
// whose denominator is 0 in every replicate (a group with no positives for tpr), has a NaN
// interval; replicates where a rate is undefined are counted in Interval::undefined.
#pragma once

#include <array>
#include <vector>

#include "fairness/bootstrap.h"
#include "fairness/metric_frame.h"

namespace candor::fairness {

struct GroupIntervals {
  static constexpr std::array<Metric, 4> kMetrics = {Metric::SelectionRate, Metric::Tpr, Metric::Fpr, Metric::Accuracy};
  // by_group[g][k]: group g's interval of kMetrics[k]; empty when the bootstrap is off (0 replicates).
  std::vector<std::array<Interval, kMetrics.size()>> by_group;

  // Group g's interval of m; ValueError for a metric outside kMetrics or a group out of range.
  const Interval& at(size_t group, Metric m) const;
};

GroupIntervals group_intervals(const MetricFrame& frame, const BootstrapOptions& options);

}  // namespace candor::fairness
