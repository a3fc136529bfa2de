// Fitting an EBM: binning, outer bags boosted in parallel (mains, FAST pair selection, pairs),
// post-processing (reference sections 1-6). The defaults are InterpretML 0.7.8's
// ExplainableBoostingClassifier defaults; FitOptions::regressor() gives its regressor defaults.
//
// Determinism: every bag's work is a pure function of its seed (drawn from `seed`) and runs on one
// thread; the bags run in parallel (OpenMP, `threads`) and are combined in bag order, so the model
// is bit-identical for any thread count. (Splitting one bag's rows across threads was measured:
// per-step synchronisation cost more than it saved on the 2-core machine.)
//
// Input handling (anything else throws EbmError):
//  - features: every column of the table, numeric -> continuous, categorical -> nominal (or
//    `nominal`). NaN / missing cells go to the missing bin; +-inf are extreme values.
//    A constant or all-missing column is kept and ends up with an all-zero term (nothing to learn).
//  - labels: log loss needs 0/1 labels with both classes present; rmse finite numbers.
//  - weights: empty, or one finite non-negative weight per row with a positive sum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/table.h"
#include "explain/ebm/model.h"

namespace candor::explain::ebm {

struct FitProgress {
  std::string stage;  // "mains" or "pairs"
  size_t bag = 0;     // the bag that just finished
  size_t done = 0;    // bags finished in this stage
  size_t bags = 0;
};

struct FitOptions {
  Objective objective = Objective::LogLoss;
  size_t max_bins = 1024;
  size_t max_interaction_bins = 64;
  // Pairs picked by FAST: `interactions` pairs if set, else ceil(interactions_factor * features).
  double interactions_factor = 3.0;
  std::optional<size_t> interactions;
  // Explicit pairs (feature names): skips FAST when non-empty.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::string> nominal;      // numeric columns to treat as nominal
  std::map<std::string, int> monotone;   // continuous feature -> +1 (increasing) / -1 (decreasing)
  double validation_size = 0.15;         // fraction (< 1) or row count (>= 1) per bag
  size_t outer_bags = 14;
  double learning_rate = 0.015;
  double greedy_ratio = 10.0;
  double cyclic_progress = 0.0;
  size_t smoothing_rounds = 75;
  size_t interaction_smoothing_rounds = 75;
  size_t max_rounds = 50000;
  size_t early_stopping_rounds = 100;
  double early_stopping_tolerance = 1e-5;
  size_t min_samples_leaf = 4;
  double min_hessian = 1e-4;
  double gain_scale = 5.0;
  size_t min_cat_samples = 10;
  double cat_smooth = 10.0;
  size_t max_leaves = 2;
  size_t intercept_rounds = 100;  // final intercept calibration (log loss)
  double intercept_learning_rate = 0.25;
  size_t max_pair_cells = size_t{1} << 20;  // FAST skips larger pair tensors
  uint64_t seed = 42;
  int threads = 0;  // 0: OpenMP's default
  std::function<void(const FitProgress&)> progress;  // called once per finished bag and stage

  static FitOptions classifier() { return {}; }
  static FitOptions regressor();
};

// Fits on every column of `features` with labels `y` (and optional per-row weights).
Model fit(const datasets::Table& features, const std::vector<double>& y,
          const FitOptions& options = {}, const std::vector<double>& weights = {});

// Fits on a typed table with its schema: the label (0/1 through the schema's positive labels for
// log loss, the numeric column for rmse), the weight column if the schema names one, and every
// other column as a feature (sensitive columns only when sensitive_as_features).
Model fit(const datasets::Table& table, const datasets::Schema& schema,
          const FitOptions& options = {});

// The features, labels and weights `fit(table, schema)` uses.
datasets::Table feature_table(const datasets::Table& table, const datasets::Schema& schema);
std::vector<double> labels(const datasets::Table& table, const datasets::Schema& schema,
                           Objective objective);
std::vector<double> weights(const datasets::Table& table, const datasets::Schema& schema);

}  // namespace candor::explain::ebm
