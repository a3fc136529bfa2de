// LIME for tabular rows (Ribeiro, Singh & Guestrin, "Why should I trust you?", KDD 2016), set up
// as the `lime` package's tabular explainer is by default: quartile-discretised numbers, an
// exponential kernel of width 0.75 sqrt(#features), and a ridge surrogate (alpha = 1).
//
// Around one instance x, LIME explains the model f by a linear model in binary features z:
//  - each player j has an interpretable value: its training-quartile bin for a number (one column),
//    its category for a categorical (the one-hot columns, or one column of codes);
//  - sample 0 is x itself; every other sample takes, for each player independently, that player's
//    columns from a training row drawn uniformly. So a player's bin or category appears with its
//    training frequency (what `lime` draws), and a number inside its bin is a real training value
//    (where `lime` draws from a normal truncated to the bin). Columns in no player keep x's values;
//  - z_j = 1 when the sample's bin / category of player j is x's, so x is z = (1, ..., 1);
//  - weight pi(z) = sqrt(exp(-d^2 / width^2)), d = |z - 1| (euclidean): `lime`'s kernel;
//  - the coefficients of a weighted ridge fit of f(sample) on z (ridge.h) are the explanation: how
//    much f changes when player j leaves x's bin / category, around x.
// Unlike `lime`'s explain_instance(num_features = 10), every player is kept (no feature selection).
// Randomness: one Generator seeded with options.seed per explain call, so a seed gives the same
// explanation on any machine and any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "explain/posthoc/inputs.h"

namespace candor::explain {

// The samples of one explanation go to the model in one batch: at most this many.
inline constexpr size_t kMaxLimeSamples = 1000000;

struct LimeOptions {
  size_t num_samples = 5000;  // including the instance itself; at least 2
  double kernel_width = 0;    // 0: 0.75 * sqrt(number of players)
  double ridge_alpha = 1;     // >= 0; the intercept is not penalised
  uint64_t seed = 0;
};

// How a player reads in the descriptions ("age <= 28.00", "workclass = Private"). Optional: by
// default a one-column player is a number shown in encoded units and a categorical one-hot player
// names its category by position ("workclass = category 2").
struct PlayerDisplay {
  // A one-column player of category codes (an ordinal-encoded categorical), not a number. A player
  // with several columns is always categorical (one-hot).
  bool categorical = false;
  // Number: encoded value -> raw value, increasing (e.g. x * std + mean). Empty: encoded units.
  std::function<double(double)> to_raw;
  // Categorical: category names, one per column (one-hot) or per code 0, 1, ... (one column).
  std::vector<std::string> categories;
};
// Displays for players_of(encoder), in its order: raw units and category names.
std::vector<PlayerDisplay> displays_of(const datasets::Encoder& encoder);

struct LimeExplanation {
  std::vector<double> coefficients;       // per player
  std::vector<std::string> descriptions;  // per player: the instance's bin or category
  double intercept = 0;
  double local_prediction = 0;  // the surrogate at the instance: intercept + sum of coefficients
  double model_prediction = 0;  // f(instance)
  double score = 0;             // weighted R^2 of the surrogate on the samples, in [0, 1]
  // The neighbourhood: z per sample (num_samples x players, 0/1), its kernel weight and f there.
  // Row 0 is the instance (z all ones, weight 1).
  Matrix interpretable;
  std::vector<double> weights, predictions;
};

class LimeTabular {
 public:
  // `training`: encoded rows whose distribution the samples follow (quartiles, category
  // frequencies). `displays`: empty, or one per player. ValueError on bad rows, players, displays
  // or options.
  LimeTabular(Matrix training, std::vector<Player> players, LimeOptions options = {},
              std::vector<PlayerDisplay> displays = {});

  // Explains predict at rows' row `row`, with one predictor call on all samples. ValueError when
  // rows' width differs from the training rows', `row` is out of range, or the model's outputs
  // are not one finite number per sample.
  LimeExplanation explain(const Matrix& rows, size_t row, const Predictor& predict) const;

  const std::vector<Player>& players() const { return players_; }
  // Quartile edges (unique, ascending, encoded units) of a numeric player; empty for a categorical.
  const std::vector<double>& edges(size_t player) const { return edges_.at(player); }

 private:
  bool categorical(size_t player) const;
  bool same_value(size_t player, const double* a, const double* b) const;
  std::string describe(size_t player, const double* row) const;

  Matrix training_;
  std::vector<Player> players_;
  LimeOptions options_;
  std::vector<PlayerDisplay> displays_;
  std::vector<std::vector<double>> edges_;
};

}  // namespace candor::explain
