// Reweighing (Kamiran & Calders 2012, "Data preprocessing techniques for classification without
// discrimination"), as AIF360's Reweighing computes it, generalised from a privileged and an
// unprivileged group to any number of groups.
//
// Each (group a, label y) cell gets the factor "expected over observed" probability
//   f(a, y) = P(a)·P(y) / P(a, y) = (W_y · W_a) / (W · W_ay)
// with W the total input weight (row counts when unweighted), W_a that of group a, W_y that of
// label y and W_ay that of the cell. A row's new weight is its input weight times f(a, y)
// (AIF360 multiplies the instance weights). In the reweighted data every group then has the
// overall label rate, and the total weight stays W:
//   Σ_{i∈a, y_i=1} w_i f / Σ_{i∈a} w_i f = W_a1·f(a,1) / (W_a0·f(a,0) + W_a1·f(a,1))
//                                        = (W_1 W_a / W) / (W_0 W_a / W + W_1 W_a / W) = W_1 / W.
//
// An empty cell (a group with rows of one label only, or whose rows of one label weigh 0) makes
// that impossible: no factor changes a group's label rate of 0 or 1. AIF360 divides by W_ay = 0
// there (an infinite or NaN factor that touches no row) and returns weights that leave the group
// at its rate; candor refuses instead, with a ValueError naming the group, the label and the
// counts, so that a user merges or drops the group knowingly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"

namespace candor::fairness {

struct ReweighingCell {
  std::string group;
  int label = 0;
  int64_t rows = 0;   // fitted rows in the cell
  double weight = 0;  // W_ay: their input weight
  double factor = 1;  // f(a, y)
};

struct Reweighing {
  std::string feature;                // the sensitive feature's name
  double total = 0;                   // W
  std::vector<ReweighingCell> cells;  // per group seen in fitting (by name), label 0 then label 1
  std::vector<double> weights;        // the fitted rows' new weights: input weight · f(a, y)

  // f(group, label); ValueError for a group not seen in fitting or a label not 0/1.
  double factor(const std::string& group, int label) const;
  // The new weights of other rows with the fitted factors (same checks as fit_reweighing, and
  // a group not seen in fitting is a ValueError).
  std::vector<double> apply(const std::vector<double>& y_true, const datasets::SensitiveFeature& group,
                            const std::vector<double>& weight = {}) const;

  // The factor table (not the per-row weights) for a run folder; from_json(to_json()) applies
  // the same factors. Bad JSON throws ValueError.
  nlohmann::json to_json() const;
  static Reweighing from_json(const nlohmann::json& json);
};

// Fits the factors on 0/1 labels, the rows' groups and optional non-negative weights (empty:
// every row weighs 1). ValueError for no rows, sizes that differ, a label not 0/1, a negative or
// non-finite weight, a total weight of 0, or an empty cell (see above).
Reweighing fit_reweighing(const std::vector<double>& y_true, const datasets::SensitiveFeature& group,
                          const std::vector<double>& weight = {});

}  // namespace candor::fairness
