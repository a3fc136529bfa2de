#include "fairness/evaluation.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "fairness/named_metrics.h"

namespace candor::fairness {

AuditInput audit_input(const nn::Scores& s, const std::vector<datasets::SensitiveFeature>& sensitive) {
  AuditInput input;
  input.y_true = s.y;
  input.y_pred = nn::thresholded(s.score);
  input.y_score = s.score;
  input.weight = s.weight;
  for (const datasets::SensitiveFeature& f : sensitive) {
    input.sensitive_names.push_back(f.name);
    input.sensitive.push_back(f.values());
  }
  return input;
}

nlohmann::json evaluate_split(const nn::Scores& scores, const std::vector<datasets::SensitiveFeature>& sensitive,
                              const AuditOptions& options) {
  options.bootstrap.validate();  // before the task metrics, so a bad option fails without any work
  nlohmann::json section = nn::task_metrics(scores);
  if (sensitive.empty()) return section;
  AuditOptions o = options;
  o.intersectional = false;
  section["fairness"] = audit_json(audit_input(scores, sensitive), o);
  return section;
}

MetricFrame metric_frame(const nn::Scores& scores, const std::vector<datasets::SensitiveFeature>& features) {
  return MetricFrame(Predictions{scores.y, nn::thresholded(scores.score), scores.score, scores.weight}, groups_of(features));
}

double measured_gap(Gap gap, const nn::Scores& scores, const datasets::SensitiveFeature& feature) {
  MetricFrame frame(Predictions{scores.y, nn::thresholded(scores.score), {}, scores.weight}, groups_of({feature}));
  switch (gap) {
    case Gap::DemographicParity: return demographic_parity_difference(frame);
    case Gap::EqualOpportunity: return equal_opportunity_difference(frame);
    case Gap::EqualizedOdds: return equalized_odds_difference(frame);
  }
  return NAN;
}

namespace {

struct PartPrecision {
  double standard_error = NAN;
  std::string smallest;
};

// The standard error of the gap over the rows whose label is `label` (-1: every row).
PartPrecision part_precision(const nn::Scores& scores, const datasets::SensitiveFeature& feature, int label) {
  const std::vector<int64_t> ids = feature.ids.to_vector<int64_t>();
  const size_t groups = feature.size();
  std::vector<double> w(groups, 0.0), w2(groups, 0.0), positive(groups, 0.0);
  std::vector<size_t> rows(groups, 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (label >= 0 && scores.y[i] != label) continue;
    const auto g = static_cast<size_t>(ids[i]);
    const double wi = scores.weight.empty() ? 1.0 : scores.weight[i];
    w[g] += wi;
    w2[g] += wi * wi;
    positive[g] += scores.score[i] >= 0.5 ? wi : 0.0;
    rows[g] += 1;
  }
  std::optional<size_t> high, low;
  for (size_t g = 0; g < groups; ++g) {
    if (!(w[g] > 0)) continue;
    const double rate = positive[g] / w[g];
    if (!high || rate > positive[*high] / w[*high]) high = g;
    if (!low || rate <= positive[*low] / w[*low]) low = g;  // <=: equal rates still name two groups
  }
  PartPrecision p;
  if (!high) return p;
  auto variance = [&](size_t g) {
    const double n = w[g] * w[g] / w2[g];
    const double rate = std::clamp(positive[g] / w[g], 1.0 / (n + 1), n / (n + 1));
    return rate * (1 - rate) / n;
  };
  p.standard_error = std::sqrt(variance(*high) + (*low != *high ? variance(*low) : 0.0));
  const size_t smaller = rows[*high] <= rows[*low] ? *high : *low;
  p.smallest = fmt::format("{} ({} row{}{})", feature.groups[smaller], rows[smaller], rows[smaller] == 1 ? "" : "s",
                           label < 0 ? "" : fmt::format(" with label {}", label));
  return p;
}

}  // namespace

GapPrecision measured_gap_precision(Gap gap, const nn::Scores& scores, const datasets::SensitiveFeature& feature) {
  PartPrecision part = part_precision(scores, feature, gap == Gap::DemographicParity ? -1 : 1);
  if (gap == Gap::EqualizedOdds) {
    PartPrecision negatives = part_precision(scores, feature, 0);
    // Both parts must be within a bound: the less precise one decides how well it can be checked.
    if (std::isnan(part.standard_error) || negatives.standard_error > part.standard_error) part = negatives;
  }
  return {part.standard_error, part.smallest};
}

}  // namespace candor::fairness
