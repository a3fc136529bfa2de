// Post-processing by group-specific randomised thresholds (Hardt, Price & Srebro 2016, "Equality
// of Opportunity in Supervised Learning"), computed as Fairlearn's ThresholdOptimizer computes it,
// on the scores of an already fitted model.
//
// Per group g (fairness/tradeoff_curve.h): the points of every threshold rule, their upper convex
// hull, and that hull read on the grid x_k = k / grid_size. Then, with n_g the group's rows:
//   demographic parity: x is the selection rate and y the objective (accuracy or balanced
//     accuracy) of the group. Every group can be brought to any common selection rate x, so the
//     optimizer takes   k* = argmax_k Σ_g (n_g / n) · y_g(x_k)   (Hardt et al.'s construction
//     applied to selection rates, as Fairlearn does; each group's objective weighs by its share).
//   equalized odds: x is the FPR and y the TPR. A common (FPR, TPR) = (x, y) is reachable by every
//     group iff y <= min_g y_g(x), since a group can mix its hull point with the diagonal (Hardt
//     et al.: the intersection of the groups' ROC regions). With P, N the positive and negative
//     rows overall,
//       TP = P·min_g y_g(x_k), FN = P − TP, FP = N·x_k, TN = N − FP,
//     the objective of those counts is rounded to 15 decimals (as Fairlearn, so that equal values
//     computed along different paths tie) and k* is its argmax.
// The first grid point attaining the maximum wins. Group g then predicts 1 with probability
//   p(s) = p0·[op0(s)] + p1·[op1(s)]                         (the two hull vertices around x_k*)
// and under equalized odds that draw is replaced, with probability p_ignore, by a coin that says
// 1 with probability x_k*:
//   p(s) = p_ignore·x_k* + (1 − p_ignore)·(p0·[op0(s)] + p1·[op1(s)]),
//   p_ignore = (y_g − y*) / (y_g − x_k*)  (0 when y_g = x_k*),  y* = min_g y_g(x_k*),
// which moves the group's TPR from y_g down to y* and keeps its FPR at x_k*.
//
// A group whose rows have one label only has no curve (its FPR or TPR is 0/0): fitting refuses it,
// as Fairlearn does ("Degenerate labels"). The result is a randomised classifier: its expected
// metrics come from probability_of_one and fairness::expected_predictions, a draw from predict.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"
#include "fairness/tradeoff_curve.h"

namespace candor::fairness {

enum class ThresholdConstraint { DemographicParity, EqualizedOdds };
enum class ThresholdObjective { Accuracy, BalancedAccuracy };

// Fairlearn's names: "demographic_parity", "equalized_odds"; "accuracy_score",
// "balanced_accuracy_score". The parsers throw ValueError listing the known names.
const char* constraint_name(ThresholdConstraint c);
const char* objective_name(ThresholdObjective o);
ThresholdConstraint parse_threshold_constraint(const std::string& name);
ThresholdObjective parse_threshold_objective(const std::string& name);

struct ThresholdOptions {
  ThresholdConstraint constraint = ThresholdConstraint::DemographicParity;
  ThresholdObjective objective = ThresholdObjective::Accuracy;
  int64_t grid_size = 1000;  // grid points x_k = k / grid_size, k = 0..grid_size
  bool flip = false;         // also consider the reversed rules "score < t" (Fairlearn's flip)
  void validate() const;     // ValueError naming the option: grid_size outside [1, 10^8]
};

// One group's randomised thresholder.
struct GroupThreshold {
  std::string group;
  int64_t rows = 0, positives = 0;  // training rows of the group, and those with label 1
  std::vector<CurvePoint> hull;     // the upper convex hull of its trade-off points
  double x = 0, y = 0;              // its hull read at the chosen x (y before p_ignore)
  ThresholdOperation operation0, operation1;
  double p0 = 1, p1 = 0;
  double p_ignore = 0;              // equalized odds only (0 under demographic parity)
  double prediction_constant = 0;   // the coin's P(1) when the draw is ignored (x under EO)
  // P(ŷ = 1) for a score of this group (the formula at the top of this file, clamped to [0, 1]
  // against rounding).
  double probability_of_one(double score) const;
};

struct ThresholdResult {
  ThresholdOptions options;
  std::string feature;               // the sensitive feature's name
  std::vector<GroupThreshold> groups;  // the groups seen in fitting, sorted by name
  double x = 0;          // the chosen grid x: the common selection rate (DP) or FPR (EO)
  double y = 0;          // EO: the common TPR min_g y_g(x); DP: the objective, as `objective`
  double objective = 0;  // the objective at the chosen point (training rows)

  // The group called `name`; ValueError naming it and the fitted groups when there is none.
  const GroupThreshold& group(const std::string& name) const;
  // Per row, P(ŷ = 1) (Fairlearn's _pmf_predict). ValueError for a row whose group was not seen in
  // fitting, a NaN score, or sizes that differ.
  std::vector<double> probability_of_one(const std::vector<double>& scores, const datasets::SensitiveFeature& group) const;
  // One seeded draw of the randomised classifier (fairness::sample_predictions).
  std::vector<double> predict(const std::vector<double>& scores, const datasets::SensitiveFeature& group,
                              uint64_t seed) const;

  // Everything, hulls included, for a run folder; ±∞ thresholds are written "inf" / "-inf".
  // from_json(to_json()) predicts exactly as the original; bad JSON throws ValueError.
  nlohmann::json to_json() const;
  static ThresholdResult from_json(const nlohmann::json& json);
};

// Fits on the scores of a model (e.g. predict_proba on the training rows), their 0/1 labels and
// the rows' groups. ValueError, in one line naming the values, for: bad options, no labels, sizes
// that differ, a label not 0/1, a NaN or infinite score, fewer than two groups with rows, or a
// group whose rows all have the same label.
ThresholdResult fit_threshold_optimizer(const std::vector<double>& scores, const std::vector<double>& y_true,
                                        const datasets::SensitiveFeature& group, const ThresholdOptions& options = {});

}  // namespace candor::fairness
