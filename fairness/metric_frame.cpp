#include "fairness/metric_frame.h"

#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void record(std::vector<std::string>& warnings, const std::string& who, const MetricValues& values) {
  for (const auto& [metric, why] : values.undefined) {
    warnings.push_back(fmt::format("{}: {} is NaN ({})", who, metric_name(metric), why));
  }
}
}  // namespace

const char* method_name(Method m) { return m == Method::BetweenGroups ? "between_groups" : "to_overall"; }

MetricFrame::MetricFrame(Predictions data, Groups groups) : data_(std::move(data)), groups_(std::move(groups)) {
  data_.validate();
  if (groups_.rows() != data_.size()) {
    throw ValueError(fmt::format("metric frame: {} rows of predictions but {} rows of sensitive features",
                                 data_.size(), groups_.rows()));
  }
  members_ = groups_.members();
  std::vector<size_t> all(data_.size());
  std::iota(all.begin(), all.end(), size_t{0});
  overall_ = compute_metrics(data_, all);
  overall_confusion_ = fairness::confusion(data_, all);
  record(warnings_, "overall", overall_);
  for (size_t g = 0; g < groups_.size(); ++g) {
    by_group_.push_back(compute_metrics(data_, members_[g]));
    confusion_.push_back(fairness::confusion(data_, members_[g]));
    std::string who = fmt::format("group \"{}\"", groups_.labels[g]);
    if (members_[g].empty()) {
      warnings_.push_back(fmt::format("{}: no rows (an empty intersection), every metric is NaN", who));
    } else {
      record(warnings_, who, by_group_.back());
    }
  }
}

MetricFrame::MetricFrame(const std::vector<double>& y_true, const std::vector<double>& y_pred,
                         const std::vector<std::vector<std::string>>& sensitive, const std::vector<double>& y_score,
                         const std::vector<double>& weight, const std::vector<std::string>& names)
    : MetricFrame(Predictions{y_true, y_pred, y_score, weight}, make_groups(sensitive, names, true)) {}

std::vector<double> MetricFrame::by_group(Metric m) const {
  std::vector<double> out;
  for (const MetricValues& v : by_group_) out.push_back(v[m]);
  return out;
}

double MetricFrame::group_min(Metric m) const {
  double best = kNaN;
  for (const MetricValues& v : by_group_) {
    if (!std::isnan(v[m]) && (std::isnan(best) || v[m] < best)) best = v[m];
  }
  return best;
}

double MetricFrame::group_max(Metric m) const {
  double best = kNaN;
  for (const MetricValues& v : by_group_) {
    if (!std::isnan(v[m]) && (std::isnan(best) || v[m] > best)) best = v[m];
  }
  return best;
}

double MetricFrame::difference(Metric m, Method method) const {
  if (method == Method::BetweenGroups) return group_max(m) - group_min(m);
  double o = overall(m), worst = kNaN;
  for (const MetricValues& v : by_group_) {
    double d = std::abs(v[m] - o);
    if (!std::isnan(d) && (std::isnan(worst) || d > worst)) worst = d;
  }
  return worst;
}

double MetricFrame::ratio(Metric m, Method method) const {
  if (method == Method::BetweenGroups) return group_min(m) / group_max(m);
  double o = overall(m), worst = kNaN;
  for (const MetricValues& v : by_group_) {
    double r = v[m] / o;
    if (r > 1) r = 1 / r;  // min(m_g/o, o/m_g) for non-negative metrics
    if (!std::isnan(r) && (std::isnan(worst) || r < worst)) worst = r;
  }
  return worst;
}

}  // namespace candor::fairness
