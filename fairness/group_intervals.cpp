#include "fairness/group_intervals.h"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

const Interval& GroupIntervals::at(size_t group, Metric m) const {
  const auto* found = std::find(kMetrics.begin(), kMetrics.end(), m);
  if (found == kMetrics.end()) {
    throw ValueError(fmt::format("group intervals: {} has no per-group interval", metric_name(m)));
  }
  if (group >= by_group.size()) {
    throw ValueError(fmt::format("group intervals: group {} is out of range ({} groups)", group, by_group.size()));
  }
  return by_group[group][static_cast<size_t>(found - kMetrics.begin())];
}

GroupIntervals group_intervals(const MetricFrame& frame, const BootstrapOptions& options) {
  // The rates need no score: leaving it out keeps compute_metrics to the confusion counts.
  const Predictions& data = frame.data();
  const Predictions labels{data.y_true, data.y_pred, {}, data.weight};
  std::vector<std::vector<size_t>> strata;
  for (size_t g = 0; g < frame.size(); ++g) {
    if (!frame.members(g).empty()) strata.push_back(frame.members(g));
  }
  const std::vector<Interval> flat = bootstrap_intervals(
      strata,
      [&](const std::vector<size_t>& rows) {
        // bootstrap_rows lays the strata end to end: group g's draws are the next members(g).size() rows.
        std::vector<double> values;
        values.reserve(frame.size() * GroupIntervals::kMetrics.size());
        auto next = rows.begin();
        for (size_t g = 0; g < frame.size(); ++g) {
          const std::vector<size_t> drawn(next, next + static_cast<std::ptrdiff_t>(frame.members(g).size()));
          next += static_cast<std::ptrdiff_t>(drawn.size());
          const MetricValues v = compute_metrics(labels, drawn);
          for (Metric m : GroupIntervals::kMetrics) values.push_back(v[m]);
        }
        return values;
      },
      options);
  GroupIntervals out;
  if (flat.empty()) return out;
  out.by_group.resize(frame.size());
  for (size_t g = 0; g < frame.size(); ++g) {
    for (size_t k = 0; k < GroupIntervals::kMetrics.size(); ++k) {
      out.by_group[g][k] = flat[g * GroupIntervals::kMetrics.size() + k];
    }
  }
  return out;
}

}  // namespace candor::fairness
