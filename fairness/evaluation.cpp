#include "fairness/evaluation.h"

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

}  // namespace candor::fairness
