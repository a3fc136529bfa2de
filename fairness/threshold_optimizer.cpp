#include "fairness/threshold_optimizer.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/feature_rows.h"
#include "fairness/randomized.h"

namespace candor::fairness {

namespace {

constexpr const char* kWho = "threshold optimizer";

// numpy's around(v, 15): v·10^15 rounded half to even, divided back.
double round15(double v) { return std::nearbyint(v * 1e15) / 1e15; }

// The first index of the largest value (pandas' idxmax).
size_t first_argmax(const std::vector<double>& v) {
  size_t best = 0;
  for (size_t k = 1; k < v.size(); ++k) {
    if (v[k] > v[best]) best = k;
  }
  return best;
}

CurveMetric objective_metric(ThresholdObjective o) {
  return o == ThresholdObjective::Accuracy ? CurveMetric::Accuracy : CurveMetric::BalancedAccuracy;
}

void check_inputs(const std::vector<double>& scores, const std::vector<double>& y_true) {
  if (y_true.empty()) {
    throw ValueError(fmt::format("{}: no labels; the objective and both constraints need the true labels of the {} rows",
                                 kWho, scores.size()));
  }
  if (scores.size() != y_true.size()) {
    throw ValueError(fmt::format("{}: {} scores but {} labels", kWho, scores.size(), y_true.size()));
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i])) throw ValueError(fmt::format("{}: score {} at row {} is not finite", kWho, scores[i], i));
    if (y_true[i] != 0.0 && y_true[i] != 1.0) {
      throw ValueError(fmt::format("{}: labels must be 0 or 1, found {} at row {}", kWho, y_true[i], i));
    }
  }
}

}  // namespace

const char* constraint_name(ThresholdConstraint c) {
  return c == ThresholdConstraint::DemographicParity ? "demographic_parity" : "equalized_odds";
}

const char* objective_name(ThresholdObjective o) {
  return o == ThresholdObjective::Accuracy ? "accuracy_score" : "balanced_accuracy_score";
}

ThresholdConstraint parse_threshold_constraint(const std::string& name) {
  if (name == "demographic_parity") return ThresholdConstraint::DemographicParity;
  if (name == "equalized_odds") return ThresholdConstraint::EqualizedOdds;
  throw ValueError(fmt::format("{}: unknown constraint {} (known: demographic_parity, equalized_odds)", kWho,
                               quote_value(name)));
}

ThresholdObjective parse_threshold_objective(const std::string& name) {
  if (name == "accuracy_score") return ThresholdObjective::Accuracy;
  if (name == "balanced_accuracy_score") return ThresholdObjective::BalancedAccuracy;
  throw ValueError(fmt::format("{}: unknown objective {} (known: accuracy_score, balanced_accuracy_score)", kWho,
                               quote_value(name)));
}

void ThresholdOptions::validate() const {
  if (constraint != ThresholdConstraint::DemographicParity && constraint != ThresholdConstraint::EqualizedOdds) {
    throw ValueError(fmt::format("{}: unknown constraint {}", kWho, static_cast<int>(constraint)));
  }
  if (objective != ThresholdObjective::Accuracy && objective != ThresholdObjective::BalancedAccuracy) {
    throw ValueError(fmt::format("{}: unknown objective {}", kWho, static_cast<int>(objective)));
  }
  if (grid_size < 1 || grid_size > 100'000'000) {
    throw ValueError(fmt::format("{}: grid_size must be in [1, 10^8], got {}", kWho, grid_size));
  }
}

double GroupThreshold::probability_of_one(double score) const {
  // Fairlearn's InterpolatedThresholder, term for term. Where a hull runs along the diagonal,
  // y* can fall an ulp below x and p_ignore an ulp above 1; the clamp keeps p a probability.
  const double drawn = p0 * (operation0(score) ? 1.0 : 0.0) + p1 * (operation1(score) ? 1.0 : 0.0);
  return std::clamp(p_ignore * prediction_constant + (1 - p_ignore) * drawn, 0.0, 1.0);
}

const GroupThreshold& ThresholdResult::group(const std::string& name) const {
  for (const GroupThreshold& g : groups) {
    if (g.group == name) return g;
  }
  std::vector<std::string> names;
  for (const GroupThreshold& g : groups) names.push_back(g.group);
  throw ValueError(fmt::format("{}: group {} of \"{}\" was not seen in fitting (fitted groups: {})", kWho,
                               quote_value(name), feature, join_groups(names)));
}

std::vector<double> ThresholdResult::probability_of_one(const std::vector<double>& scores,
                                                        const datasets::SensitiveFeature& feature) const {
  const std::vector<size_t> ids = feature_ids(feature, scores.size(), kWho);
  // Look each of the feature's groups up once, and only when a row needs it.
  std::vector<const GroupThreshold*> by_id(feature.size(), nullptr);
  std::vector<double> out(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) throw ValueError(fmt::format("{}: score NaN at row {}", kWho, i));
    if (by_id[ids[i]] == nullptr) by_id[ids[i]] = &group(feature.groups[ids[i]]);
    out[i] = by_id[ids[i]]->probability_of_one(scores[i]);
  }
  return out;
}

std::vector<double> ThresholdResult::predict(const std::vector<double>& scores, const datasets::SensitiveFeature& feature,
                                             uint64_t seed) const {
  return sample_predictions(probability_of_one(scores, feature), seed);
}

ThresholdResult fit_threshold_optimizer(const std::vector<double>& scores, const std::vector<double>& y_true,
                                        const datasets::SensitiveFeature& feature, const ThresholdOptions& options) {
  options.validate();
  check_inputs(scores, y_true);
  const std::vector<size_t> ids = feature_ids(feature, scores.size(), kWho);
  const std::vector<size_t> present = groups_by_name(feature, ids);
  if (present.size() < 2) {
    throw ValueError(fmt::format("{}: \"{}\" has {} group with rows ({}); equalising across groups needs at least two",
                                 kWho, feature.name, present.size(), join_groups({feature.groups[present.at(0)]})));
  }
  for (size_t k = 1; k < present.size(); ++k) {
    if (feature.groups[present[k]] == feature.groups[present[k - 1]]) {
      throw ValueError(fmt::format("{}: two groups of \"{}\" are both named {}", kWho, feature.name,
                                   quote_value(feature.groups[present[k]])));
    }
  }
  const bool dp = options.constraint == ThresholdConstraint::DemographicParity;
  // DP: (selection rate, objective); EO: (FPR, TPR).
  const CurveMetric x_metric = dp ? CurveMetric::SelectionRate : CurveMetric::FalsePositiveRate;
  const CurveMetric y_metric = dp ? objective_metric(options.objective) : CurveMetric::TruePositiveRate;
  const std::vector<double> grid = unit_grid(options.grid_size);
  const double n = static_cast<double>(scores.size());

  ThresholdResult result;
  result.options = options;
  result.feature = feature.name;
  std::vector<std::vector<GridPoint>> curves;
  for (size_t g : present) {
    std::vector<double> s, y;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == g) {
        s.push_back(scores[i]);
        y.push_back(y_true[i]);
      }
    }
    GroupThreshold gt;
    gt.group = feature.groups[g];
    gt.rows = static_cast<int64_t>(s.size());
    gt.positives = static_cast<int64_t>(std::count(y.begin(), y.end(), 1.0));
    if (gt.positives == 0 || gt.positives == gt.rows) {
      throw ValueError(fmt::format("{}: group {} of \"{}\" has only label {} ({} rows); its curve needs both labels",
                                   kWho, quote_value(gt.group), feature.name, gt.positives == 0 ? 0 : 1, gt.rows));
    }
    gt.hull = upper_hull(tradeoff_points(s, y, x_metric, y_metric, options.flip));
    curves.push_back(interpolate_hull(gt.hull, grid));
    result.groups.push_back(std::move(gt));
  }

  size_t best = 0;
  if (dp) {
    // Σ_g (n_g / n) · y_g(x_k), summed over the groups in name order.
    std::vector<double> overall(grid.size(), 0.0);
    for (size_t g = 0; g < curves.size(); ++g) {
      const double share = static_cast<double>(result.groups[g].rows) / n;
      for (size_t k = 0; k < grid.size(); ++k) overall[k] += share * curves[g][k].y;
    }
    best = first_argmax(overall);
    result.objective = result.y = overall[best];
  } else {
    // TPR reachable by every group at FPR x_k: min_g y_g(x_k); the objective of the counts it implies.
    double positives = 0;
    for (const GroupThreshold& g : result.groups) positives += static_cast<double>(g.positives);
    const double negatives = n - positives;
    std::vector<double> y_min(grid.size()), value(grid.size());
    for (size_t k = 0; k < grid.size(); ++k) {
      y_min[k] = curves[0][k].y;
      for (size_t g = 1; g < curves.size(); ++g) y_min[k] = std::min(y_min[k], curves[g][k].y);
      const double tp = positives * y_min[k], fp = negatives * grid[k];
      const double tn = negatives * (1.0 - grid[k]), fn = positives * (1.0 - y_min[k]);
      value[k] = round15(curve_metric(objective_metric(options.objective), tp, fp, tn, fn));
    }
    best = first_argmax(value);
    result.objective = value[best];
    result.y = y_min[best];
  }
  result.x = grid[best];

  for (size_t g = 0; g < curves.size(); ++g) {
    GroupThreshold& gt = result.groups[g];
    const GridPoint& at = curves[g][best];
    gt.x = at.x;
    gt.y = at.y;
    gt.p0 = at.p0;
    gt.p1 = at.p1;
    gt.operation0 = gt.hull[at.vertex].operation;
    gt.operation1 = gt.hull[at.vertex + 1].operation;
    if (!dp) {
      // Mix with the diagonal point (x, x) to bring the TPR from y_g down to y* (header).
      // In [0, 1] as y_g >= y* >= x; clamped, as rounding can put y* an ulp below x on a diagonal hull.
      gt.p_ignore = at.y == at.x ? 0.0 : std::clamp((at.y - result.y) / (at.y - at.x), 0.0, 1.0);
      gt.prediction_constant = result.x;
    }
  }
  return result;
}

}  // namespace candor::fairness
