// MetricFrame: every base metric (fairness/base_metrics.h) per group and overall, with Fairlearn's
// MetricFrame aggregations. G is the set of groups, m_g a group's value, o the overall value:
//   group_min = min_g m_g, group_max = max_g m_g
//   difference(between_groups) = max_g m_g − min_g m_g;   difference(to_overall) = max_g |m_g − o|
//   ratio(between_groups) = min_g m_g / max_g m_g;      ratio(to_overall) = min_g min(m_g/o, o/m_g)
//
// NaN (an empty group, or a rate whose denominator is 0 in that group) follows Fairlearn, whose
// aggregations are pandas reductions with skipna: a NaN group is left out of min, max, difference
// and ratio, and an aggregation is NaN only when every group is NaN (or, to_overall, when the
// overall value is NaN). Divisions are IEEE, as numpy's: ratio(between_groups) with max 0 is
// 0/0 = NaN; to_overall, m_g = 0 against o > 0 gives the ratio 0. Each NaN a group or the overall
// row holds is recorded once in warnings(), naming the group, the metric and the reason (Fairlearn
// emits a warning at the same point).
#pragma once

#include <string>
#include <vector>

#include "fairness/base_metrics.h"
#include "fairness/groups.h"

namespace candor::fairness {

enum class Method { BetweenGroups, ToOverall };
const char* method_name(Method m);  // "between_groups", "to_overall"

class MetricFrame {
 public:
  // Validates `data` (Predictions::validate) and that groups cover its rows.
  MetricFrame(Predictions data, Groups groups);
  // From vectors: sensitive[f][row], sensitive feature names optional; the groups are every
  // combination of observed values (Fairlearn's by_group index), empty ones included.
  MetricFrame(const std::vector<double>& y_true, const std::vector<double>& y_pred,
              const std::vector<std::vector<std::string>>& sensitive, const std::vector<double>& y_score = {},
              const std::vector<double>& weight = {}, const std::vector<std::string>& names = {});

  const Predictions& data() const { return data_; }
  const Groups& groups() const { return groups_; }
  size_t size() const { return groups_.size(); }  // number of groups, empty ones included

  const MetricValues& overall() const { return overall_; }
  const MetricValues& by_group(size_t g) const { return by_group_.at(g); }
  double overall(Metric m) const { return overall_[m]; }
  double by_group(Metric m, size_t g) const { return by_group_.at(g)[m]; }
  std::vector<double> by_group(Metric m) const;
  // The rows of group g (empty for an empty group).
  const std::vector<size_t>& members(size_t g) const { return members_.at(g); }
  const Confusion& confusion(size_t g) const { return confusion_.at(g); }
  const Confusion& overall_confusion() const { return overall_confusion_; }

  double group_min(Metric m) const;
  double group_max(Metric m) const;
  double difference(Metric m, Method method = Method::BetweenGroups) const;
  double ratio(Metric m, Method method = Method::BetweenGroups) const;

  // One line per NaN: `group "Female|Black": tpr is NaN (0/0: no rows with y_true = 1)`.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Predictions data_;
  Groups groups_;
  std::vector<std::vector<size_t>> members_;
  MetricValues overall_;
  std::vector<MetricValues> by_group_;
  Confusion overall_confusion_;
  std::vector<Confusion> confusion_;
  std::vector<std::string> warnings_;
};

}  // namespace candor::fairness
