#include <cmath>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "engine/error.h"
#include "explain/posthoc/shapley.h"
#include "posthoc_models.h"

using namespace candor;
using namespace candor::explain;
using candor::explain::testing::linear;
using candor::explain::testing::normal_rows;
using candor::explain::testing::with_interactions;

namespace {

double max_difference(const Matrix& a, const Matrix& b) {
  double d = 0;
  for (size_t i = 0; i < a.values.size(); ++i) d = std::max(d, std::abs(a.values[i] - b.values[i]));
  return d;
}

std::vector<Player> grouped_players() {  // 6 columns: a one-hot-like pair of columns is one player
  return {{"a", {0}}, {"b", {1, 2}}, {"c", {3}}, {"d", {4}}, {"e", {5}}};
}

}  // namespace

TEST_CASE("exact Shapley values of a linear model are w_j (x_j - E[x_j]), players summing their columns") {
  const Matrix data = normal_rows(200, 6, 1);
  Generator gen(7);
  const Background background = sample_background(data, 40, gen);
  const std::vector<double> w{1.5, -2.0, 0.5, 3.0, -0.25, 0.0};
  const Matrix rows = data.take_rows({0, 5, 17});
  const ShapleyResult r = exact_shapley(rows, grouped_players(), background, linear(w, 0.3));
  CHECK(r.method == "exact");
  CHECK(r.coalitions == 32);
  const auto players = grouped_players();
  for (size_t i = 0; i < rows.rows; ++i) {
    double sum = 0;
    for (size_t j = 0; j < players.size(); ++j) {
      double expected = 0;
      for (size_t c : players[j].columns) {
        double mean = 0;
        for (size_t b = 0; b < background.rows.rows; ++b) mean += background.weights[b] * background.rows(b, c);
        expected += w[c] * (rows(i, c) - mean);
      }
      CHECK(std::abs(r.values(i, j) - expected) < 1e-9);
      sum += r.values(i, j);
    }
    CHECK(std::abs(sum - (r.prediction[i] - r.base_value)) < 1e-12);  // efficiency
  }
  CHECK(r.values(0, 4) == 0.0);  // a column the model ignores gets nothing
}

TEST_CASE("KernelSHAP is exact when its budget covers every coalition") {
  const Matrix data = normal_rows(100, 7, 2);
  Generator gen(3);
  const Background background = sample_background(data, 10, gen);
  const std::vector<Player> players = one_player_per_column({"x0", "x1", "x2", "x3", "x4", "x5", "x6"});
  const Predictor f = with_interactions({1, -1, 0.5, 2, 0, -0.5, 1});
  const Matrix rows = data.take_rows({1, 2});
  const ShapleyResult exact = exact_shapley(rows, players, background, f);
  ShapleyOptions options;
  options.coalitions = 126;  // 2^7 - 2
  const ShapleyResult kernel = kernel_shap(rows, players, background, f, options);
  CHECK(kernel.coalitions == 128);
  CHECK(max_difference(exact.values, kernel.values) < 1e-10);
}

TEST_CASE("KernelSHAP's sampled estimate converges to the exact values as the budget grows") {
  const size_t m = 16;
  const Matrix data = normal_rows(50, m, 4);
  Generator gen(5);
  const Background background = sample_background(data, 4, gen);
  std::vector<std::string> names;
  std::vector<double> w;
  for (size_t c = 0; c < m; ++c) {
    names.push_back(fmt::format("x{}", c));
    w.push_back(std::cos(static_cast<double>(c)));
  }
  const auto players = one_player_per_column(names);
  const Predictor f = with_interactions(w);
  const Matrix rows = data.take_rows({0, 1, 2});
  const ShapleyResult exact = exact_shapley(rows, players, background, f);
  double previous = 1e300;
  for (size_t budget : {64, 512, 4096, 32768}) {
    ShapleyOptions options;
    options.coalitions = budget;
    options.seed = 11;
    const ShapleyResult kernel = kernel_shap(rows, players, background, f, options);
    CHECK(kernel.method == "kernel");
    for (size_t i = 0; i < rows.rows; ++i) {  // efficiency holds for every budget
      double sum = 0;
      for (size_t j = 0; j < m; ++j) sum += kernel.values(i, j);
      CHECK(std::abs(sum - (exact.prediction[i] - exact.base_value)) < 1e-10);
    }
    const double error = max_difference(exact.values, kernel.values);
    MESSAGE("budget " << budget << ": max error " << error);
    CHECK(error < previous);
    previous = error;
  }
  CHECK(previous < 0.002);
}

TEST_CASE("KernelSHAP is seeded: the same seed gives the same values, another seed others") {
  const Matrix data = normal_rows(50, 16, 6);
  Generator gen(5);
  const Background background = sample_background(data, 4, gen);
  std::vector<std::string> names;
  for (size_t c = 0; c < 16; ++c) names.push_back(fmt::format("x{}", c));
  const auto players = one_player_per_column(names);
  const Predictor f = with_interactions(std::vector<double>(16, 1.0));
  const Matrix rows = data.take_rows({3});
  ShapleyOptions options;
  options.coalitions = 200;
  options.seed = 1;
  const ShapleyResult a = kernel_shap(rows, players, background, f, options);
  const ShapleyResult b = kernel_shap(rows, players, background, f, options);
  options.seed = 2;
  const ShapleyResult c = kernel_shap(rows, players, background, f, options);
  CHECK(a.values.values == b.values.values);
  CHECK(a.values.values != c.values.values);
}

TEST_CASE("shapley_values switches from exact to KernelSHAP above max_exact_players") {
  const Matrix data = normal_rows(30, 5, 8);
  Generator gen(1);
  const Background background = sample_background(data, 5, gen);
  const auto players = one_player_per_column({"a", "b", "c", "d", "e"});
  ShapleyOptions options;
  options.max_exact_players = 4;
  options.coalitions = 20;
  CHECK(shapley_values(data.take_rows({0}), players, background, linear({1, 1, 1, 1, 1}, 0), options).method ==
        "kernel");
  options.max_exact_players = 5;
  CHECK(shapley_values(data.take_rows({0}), players, background, linear({1, 1, 1, 1, 1}, 0), options).method ==
        "exact");
}

TEST_CASE("k-means background: weights sum to 1, one-hot columns stay 0/1, seeded") {
  Matrix data = normal_rows(300, 4, 9);
  for (size_t r = 0; r < data.rows; ++r) {
    data(r, 2) = r % 3 == 0 ? 1.0 : 0.0;
    data(r, 3) = 1.0 - data(r, 2);
  }
  Generator a(4), b(4);
  const Background ka = kmeans_background(data, 10, a), kb = kmeans_background(data, 10, b);
  CHECK(ka.rows.values == kb.rows.values);
  CHECK(ka.rows.rows == 10);
  double total = 0;
  for (double w : ka.weights) total += w;
  CHECK(total == doctest::Approx(1.0));
  for (size_t j = 0; j < ka.rows.rows; ++j) {
    CHECK((ka.rows(j, 2) == 0.0 || ka.rows(j, 2) == 1.0));
    CHECK(ka.rows(j, 2) + ka.rows(j, 3) == 1.0);
  }
}

TEST_CASE("Shapley values refuse a background with other columns, bad weights and a model giving too few outputs") {
  const Matrix data = normal_rows(20, 3, 1);
  const auto players = one_player_per_column({"a", "b", "c"});
  Generator gen(1);
  const Background good = sample_background(data, 5, gen);
  const Background narrow = sample_background(normal_rows(20, 2, 1), 5, gen);
  CHECK_THROWS_WITH_AS(exact_shapley(data.take_rows({0}), players, narrow, linear({1, 1, 1}, 0)),
                       "the background has 2 columns, but the model reads 3", ValueError);
  Background negative = good;
  negative.weights[0] = -1;
  CHECK_THROWS_AS(exact_shapley(data.take_rows({0}), players, negative, linear({1, 1, 1}, 0)), ValueError);
  const Predictor short_model = [](const Matrix& m) { return std::vector<double>(m.rows - 1, 0.0); };
  CHECK_THROWS_AS(exact_shapley(data.take_rows({0}), players, good, short_model), ValueError);
  CHECK_THROWS_WITH_AS(data.take_rows({20}), "row 20 is out of range: the data has 20 rows", ValueError);
  CHECK_THROWS_AS(exact_shapley(data.take_rows({0}), {{"a", {0}}, {"b", {0, 1}}}, good, linear({1, 1, 1}, 0)),
                  ValueError);
  ShapleyOptions huge;
  huge.coalitions = kMaxCoalitions + 1;
  CHECK_THROWS_WITH_AS(kernel_shap(data.take_rows({0}), players, good, linear({1, 1, 1}, 0), huge),
                       doctest::Contains("at most 10000000 coalitions"), ValueError);
  ShapleyOptions few;
  few.coalitions = 3;
  CHECK_THROWS_AS(kernel_shap(data.take_rows({0}), {{"a", {0}}, {"b", {1}}, {"c", {2}}}, good, linear({1, 1, 1}, 0), few),
                  ValueError);
}
