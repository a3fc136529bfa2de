// A fitted EBM: the binned features, one score tensor per term, and the intercept. The model is
// its own explanation: a row's logit (or regression prediction) is
//   intercept + sum over terms of scores[cell of the row in that term]
// (reference section 7). Terms are mains in feature order, then pairs in lexicographic order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "datasets/table.h"
#include "explain/ebm/binning.h"
#include "explain/ebm/objective.h"

namespace candor::explain::ebm {

struct Term {
  std::vector<size_t> features;  // indexes into Model::features: 1 (main) or 2 (pair)
  std::string name;              // "age" or "age & sex"
  std::vector<size_t> shape;     // bins per feature (main or pair level), missing and unseen included
  std::vector<double> scores;    // row-major over shape (the first feature's bin slowest)
  std::vector<double> standard_deviations;   // across outer bags
  std::vector<double> bin_weights;           // weighted training rows per cell
  std::vector<std::vector<double>> bagged_scores;  // per outer bag

  BinLevel level() const { return features.size() == 1 ? BinLevel::Main : BinLevel::Pair; }
};

class Model {
 public:
  Objective objective = Objective::LogLoss;
  std::vector<FeatureBins> features;
  std::vector<Term> terms;
  double intercept = 0;
  std::vector<double> bagged_intercepts;
  std::vector<double> bag_weights;  // training weight of each outer bag
  std::vector<std::vector<size_t>> best_iterations;  // [stage][bag]: boosting steps taken

  // EbmError naming the first feature column `table` lacks.
  void check_table(const datasets::Table& table) const;
  // [term][row]: each row's cell in each term's tensor.
  std::vector<std::vector<uint32_t>> cells(const datasets::Table& table) const;

  // Per row: the logit (log loss) or the prediction (rmse), summed in term order.
  std::vector<double> decision_function(const datasets::Table& table) const;
  // P(y = 1) per row (log loss only).
  std::vector<double> predict_proba(const datasets::Table& table) const;
  // Class 0/1 (threshold 0.5) or the regression prediction.
  std::vector<double> predict(const datasets::Table& table) const;

  // Editing (reference: InterpretML issues #421, #460). Neither touches the intercept: call
  // recalibrate_intercept afterwards to restore calibration on training data.
  size_t term_index(const std::string& name) const;  // EbmError when absent
  void remove_term(size_t index);
  void zero_term(size_t index);  // scores, bagged scores and deviations set to 0
  // Removes the feature's main term and every pair that contains it.
  void remove_feature_terms(const std::string& feature);
  // Log loss: Newton steps on the intercept alone (rounds at learning_rate) over the given rows;
  // rmse: intercept += weighted mean residual. The shift is added to every bagged intercept too.
  void recalibrate_intercept(const datasets::Table& table, const std::vector<double>& y,
                             const std::vector<double>& weights = {}, size_t rounds = 100,
                             double learning_rate = 0.25);
};

// The link's inverse: sigmoid for log loss, identity for rmse.
double inverse_link(Objective objective, double score);

}  // namespace candor::explain::ebm
