// Permutation feature importance (Breiman, "Random forests", 2001; model-agnostic form: Fisher,
// Rudin & Dominici, "All models are wrong, but many are useful", JMLR 2019), as scikit-learn's
// permutation_importance computes it: shuffle one player's columns across the rows (jointly, so a
// one-hot row stays one category), score the model again, and report how much the score dropped.
//   importance_{j,k} = metric(f(X)) - metric(f(X with player j's columns permuted, repeat k))
// A player the model ignores scores 0 exactly. Shuffles are Fisher-Yates with draws from a
// Generator seeded with options.seed (one draw sequence: players in order, repeats in order), so a
// seed gives the same numbers on any machine and thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "explain/posthoc/inputs.h"

namespace candor::explain {

// Scores a model's outputs on the rows, higher is better (accuracy, AUC, minus a loss); the caller
// closes over the labels. It must return a finite number.
using Metric = std::function<double(const std::vector<double>& predictions)>;

struct PermutationOptions {
  size_t n_repeats = 5;  // shuffles per player, at least 1
  uint64_t seed = 0;
};

struct PlayerImportance {
  std::string name;
  double mean = 0;
  double std = 0;               // population standard deviation over repeats (ddof 0, as sklearn)
  std::vector<double> repeats;  // importance per repeat
};

struct PermutationImportance {
  double baseline = 0;                   // the metric on the unpermuted rows
  std::vector<PlayerImportance> players;  // in the order of the players given
};

// One predictor call for the baseline and one per player and repeat, each on a batch shaped like
// `rows`, so a model whose float rounding depends on the batch size still gives an ignored player
// exactly 0.
// ValueError on empty rows, bad players, n_repeats 0, a model output that is not one finite number
// per row, or a metric that returns a value that is not finite.
PermutationImportance permutation_importance(const Matrix& rows, const std::vector<Player>& players,
                                             const Predictor& predict, const Metric& metric,
                                             const PermutationOptions& options = {});

}  // namespace candor::explain
