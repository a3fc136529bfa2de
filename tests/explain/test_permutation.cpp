// Permutation importance on a linear model with known importances, an ignored feature (exactly
// 0), one-hot players shuffled as a whole, seeds, and bad input.
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "explain/posthoc/permutation.h"

using namespace candor;
using namespace candor::explain;

namespace {

// Column j ~ N(0, scale_j^2); y = w . x exactly.
struct Linear {
  std::vector<double> w = {1.0, 3.0, -2.0, 0.0};
  std::vector<double> scale = {4.0, 0.5, 1.0, 1.0};
  Matrix rows;
  std::vector<double> y;
  Linear() : rows(2000, 4) {
    Generator gen(21);
    for (size_t r = 0; r < rows.rows; ++r) {
      for (size_t c = 0; c < 4; ++c) rows(r, c) = scale[c] * standard_normal(gen);
    }
    y = predictor()(rows);
  }
  Predictor predictor() const {
    return [w = w](const Matrix& x) {
      std::vector<double> out(x.rows, 0.0);
      for (size_t r = 0; r < x.rows; ++r) {
        for (size_t c = 0; c < x.cols; ++c) out[r] += w[c] * x(r, c);
      }
      return out;
    };
  }
  // Minus the mean squared error: higher is better, 0 at the baseline.
  Metric neg_mse() const {
    return [y = y](const std::vector<double>& p) {
      double s = 0;
      for (size_t i = 0; i < p.size(); ++i) s += (p[i] - y[i]) * (p[i] - y[i]);
      return -s / static_cast<double>(p.size());
    };
  }
};

const std::vector<Player> kPlayers = one_player_per_column({"x0", "x1", "x2", "x3"});

}  // namespace

TEST_CASE("permutation importance: a linear model ranks players by |w_j| std(x_j); an ignored one is 0") {
  const Linear m;
  const PermutationImportance imp = permutation_importance(m.rows, kPlayers, m.predictor(), m.neg_mse());
  CHECK(imp.baseline == 0.0);
  REQUIRE(imp.players.size() == 4);
  // Shuffling x_j adds w_j (x_j - x_pi(j)) to each prediction: the MSE grows by about
  // 2 w_j^2 var(x_j) = 32, 4.5, 8, 0. |w| alone would rank x1 first.
  const std::vector<double> expected = {32.0, 4.5, 8.0, 0.0};
  for (size_t j = 0; j < 3; ++j) CHECK(imp.players[j].mean == doctest::Approx(expected[j]).epsilon(0.15));
  CHECK(imp.players[0].mean > imp.players[2].mean);
  CHECK(imp.players[2].mean > imp.players[1].mean);
  CHECK(imp.players[1].mean > imp.players[3].mean);
  CHECK(imp.players[3].mean == 0.0);
  CHECK(imp.players[3].std == 0.0);
  CHECK(imp.players[3].repeats == std::vector<double>(5, 0.0));
  for (const PlayerImportance& p : imp.players) {
    REQUIRE(p.repeats.size() == 5);
    double mean = 0, var = 0;
    for (double v : p.repeats) mean += v / 5;
    for (double v : p.repeats) var += (v - mean) * (v - mean) / 5;  // ddof 0
    CHECK(p.mean == doctest::Approx(mean));
    CHECK(p.std == doctest::Approx(std::sqrt(var)));
  }
  CHECK(imp.players[0].name == "x0");
  CHECK(imp.players[0].std > 0.0);
}

TEST_CASE("permutation importance: the same seed gives the same numbers, another seed others") {
  const Linear m;
  PermutationOptions o;
  o.seed = 3;
  o.n_repeats = 3;
  const auto a = permutation_importance(m.rows, kPlayers, m.predictor(), m.neg_mse(), o);
  const auto b = permutation_importance(m.rows, kPlayers, m.predictor(), m.neg_mse(), o);
  for (size_t j = 0; j < 4; ++j) CHECK(a.players[j].repeats == b.players[j].repeats);
  o.seed = 4;
  const auto c = permutation_importance(m.rows, kPlayers, m.predictor(), m.neg_mse(), o);
  CHECK(a.players[0].repeats != c.players[0].repeats);
}

TEST_CASE("permutation importance: a one-hot player's columns move together, other columns stay") {
  // Columns 0..2: one-hot category; column 3: a row id. Every batch the model sees must still hold
  // exactly one category per row, with column 3 untouched.
  Matrix rows(60, 4);
  for (size_t r = 0; r < rows.rows; ++r) {
    rows(r, r % 3) = 1.0;
    rows(r, 3) = static_cast<double>(r);
  }
  bool valid = true;
  size_t calls = 0;
  const Predictor f = [&](const Matrix& x) {
    ++calls;
    std::vector<double> out(x.rows);
    for (size_t r = 0; r < x.rows; ++r) {
      valid = valid && x(r, 0) + x(r, 1) + x(r, 2) == 1.0 && x(r, 3) == static_cast<double>(r);
      out[r] = x(r, 0) - x(r, 2);
    }
    return out;
  };
  const Metric mean = [](const std::vector<double>& p) { return std::accumulate(p.begin(), p.end(), 0.0); };
  PermutationOptions o;
  o.n_repeats = 4;
  const auto imp = permutation_importance(rows, {{"c", {0, 1, 2}}}, f, mean, o);
  CHECK(valid);
  CHECK(calls == 1 + 4);
  // A permutation keeps every row's category, only reorders them: the sum is unchanged.
  CHECK(imp.players[0].repeats == std::vector<double>(4, 0.0));
}

TEST_CASE("permutation importance: bad input is a ValueError that names the problem") {
  const Linear m;
  PermutationOptions o;
  o.n_repeats = 0;
  CHECK_THROWS_WITH_AS(permutation_importance(m.rows, kPlayers, m.predictor(), m.neg_mse(), o),
                       doctest::Contains("n_repeats must be in [1, 100000], got 0"), ValueError);
  const Metric nan = [](const std::vector<double>&) { return std::nan(""); };
  CHECK_THROWS_WITH_AS(permutation_importance(m.rows, kPlayers, m.predictor(), nan),
                       doctest::Contains("the metric returned nan"), ValueError);
  CHECK_THROWS_WITH_AS(permutation_importance(m.rows, {{"x9", {9}}}, m.predictor(), m.neg_mse()),
                       doctest::Contains("names column 9, but the rows have 4 columns"), ValueError);
  CHECK_THROWS_WITH_AS(permutation_importance(Matrix(0, 4), kPlayers, m.predictor(), m.neg_mse()),
                       doctest::Contains("has no rows"), ValueError);
  CHECK_THROWS_WITH_AS(permutation_importance(m.rows, kPlayers, m.predictor(), Metric{}),
                       doctest::Contains("no metric"), ValueError);
}
