#include "explain/posthoc/permutation.h"

#include <cmath>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "engine/error.h"
#include "explain/posthoc/predict_checked.h"

namespace candor::explain {

namespace {

double checked_score(const Metric& metric, const std::vector<double>& predictions, const std::string& what) {
  const double score = metric(predictions);
  if (!std::isfinite(score)) {
    throw ValueError(fmt::format("permutation importance: the metric returned {} on {}", score, what));
  }
  return score;
}

}  // namespace

PermutationImportance permutation_importance(const Matrix& rows, const std::vector<Player>& players,
                                             const Predictor& predict, const Metric& metric,
                                             const PermutationOptions& options) {
  check_columns(rows, rows.cols, "permutation importance rows");
  check_players(players, rows.cols);
  if (options.n_repeats == 0 || options.n_repeats > 100000) {
    throw ValueError(fmt::format("permutation importance: n_repeats must be in [1, 100000], got {}", options.n_repeats));
  }
  if (!metric) throw ValueError("permutation importance: no metric given");

  PermutationImportance out;
  out.baseline = checked_score(metric, predict_checked(predict, rows, "permutation importance"), "the rows as given");

  const size_t n = rows.rows, repeats = options.n_repeats;
  Generator gen(options.seed);
  std::vector<size_t> order(n);
  Matrix permuted = rows;
  for (const Player& player : players) {
    PlayerImportance imp{player.name, 0.0, 0.0, {}};
    for (size_t k = 0; k < repeats; ++k) {
      std::iota(order.begin(), order.end(), size_t{0});
      for (size_t i = n; i > 1; --i) {  // Fisher-Yates
        const auto j = static_cast<size_t>(random_below(gen.block(gen.reserve(1)), static_cast<int64_t>(i)));
        std::swap(order[i - 1], order[j]);
      }
      for (size_t r = 0; r < n; ++r) {
        for (size_t c : player.columns) permuted(r, c) = rows(order[r], c);
      }
      const double score = checked_score(metric, predict_checked(predict, permuted, "permutation importance"),
                                         fmt::format("player \"{}\" permuted", player.name));
      imp.repeats.push_back(out.baseline - score);
    }
    for (size_t c : player.columns) {  // restore the player's columns for the next one
      for (size_t r = 0; r < n; ++r) permuted(r, c) = rows(r, c);
    }
    for (double v : imp.repeats) imp.mean += v;
    imp.mean /= static_cast<double>(repeats);
    for (double v : imp.repeats) imp.std += (v - imp.mean) * (v - imp.mean);
    imp.std = std::sqrt(imp.std / static_cast<double>(repeats));
    out.players.push_back(std::move(imp));
  }
  return out;
}

}  // namespace candor::explain
