// LIME against models whose local explanation is known: a linear model of standardised numbers
// (signs and |coefficient| ranking), a model exactly linear in LIME's binary features (R^2 near 1,
// coefficients near the weights), hand-worked quartile descriptions, and bad input.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "datasets/encoder.h"
#include "engine/error.h"
#include "explain/posthoc/lime.h"

using namespace candor;
using namespace candor::explain;

namespace {

const std::vector<std::string> kNames = {"x0", "x1", "x2", "x3", "x4"};
const std::vector<double> kWeights = {3.0, -2.0, 1.0, -0.5, 0.0};

Matrix normal_rows(size_t n, size_t cols, uint64_t seed) {
  Generator gen(seed);
  Matrix m(n, cols);
  for (double& v : m.values) v = standard_normal(gen);
  return m;
}

// f(x) = w . x, row by row.
Predictor linear(std::vector<double> w) {
  return [w](const Matrix& x) {
    std::vector<double> out(x.rows, 0.0);
    for (size_t r = 0; r < x.rows; ++r) {
      for (size_t c = 0; c < x.cols; ++c) out[r] += w[c] * x(r, c);
    }
    return out;
  };
}

// Indices by decreasing |v|.
std::vector<size_t> by_magnitude(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return std::fabs(v[a]) > std::fabs(v[b]); });
  return order;
}

double sign(double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }

}  // namespace

TEST_CASE("lime: on a linear model, the signs and the ranking by |coefficient| are the weights'") {
  const LimeTabular lime(normal_rows(2000, 5, 1), one_player_per_column(kNames));
  // Every number at +2 is in its top quartile, so z_j = 1 means "x_j is high": the coefficient
  // has w_j's sign. At -2 (bottom quartile) z_j = 1 means "x_j is low" and every sign flips: LIME
  // explains the instance's bin, not the slope.
  for (double at : {2.0, -2.0}) {
    CAPTURE(at);
    int calls = 0;
    const Predictor f = linear(kWeights);
    const LimeExplanation e = lime.explain(Matrix(1, 5, at), 0, [&](const Matrix& x) {
      ++calls;
      return f(x);
    });
    CHECK(calls == 1);
    REQUIRE(e.coefficients.size() == 5);
    for (size_t j = 0; j < 4; ++j) CHECK(sign(e.coefficients[j]) == sign(at) * sign(kWeights[j]));
    // Each coefficient is w_j times the gap between x_j's mean inside and outside the instance's
    // quartile: for a standard normal's top (or bottom) quartile, phi(z_0.75) / (0.25 * 0.75) = 1.695.
    for (size_t j = 0; j < 4; ++j) {
      CHECK(e.coefficients[j] == doctest::Approx(sign(at) * 1.695 * kWeights[j]).epsilon(0.05));
    }
    CHECK(std::fabs(e.coefficients[4]) < 0.1 * std::fabs(e.coefficients[3]));
    CHECK(by_magnitude(e.coefficients) == by_magnitude(kWeights));
    CHECK(e.score >= 0.0);
    CHECK(e.score <= 1.0);
    CHECK(e.score > 0.4);  // the bins keep about half of a number's variance
    CHECK(e.model_prediction == doctest::Approx(at * (3.0 - 2.0 + 1.0 - 0.5)));
    double local = e.intercept;
    for (double c : e.coefficients) local += c;
    CHECK(e.local_prediction == local);
    REQUIRE(e.weights.size() == 5000);
    CHECK(e.weights[0] == 1.0);
    for (size_t j = 0; j < 5; ++j) CHECK(e.interpretable(0, j) == 1.0);
    CHECK(e.predictions[0] == e.model_prediction);
    for (double w : e.weights) CHECK(w <= 1.0);
  }
}

TEST_CASE("lime: a model linear in the binary features is fitted almost exactly") {
  // Four two-category one-hot players (columns 2j, 2j + 1); f = sum_j w_j [category of j is the
  // first]. The instance has every first category, so z_j = that indicator and f = sum w_j z_j:
  // R^2 ~ 1 and the coefficients are the weights (up to ridge shrinkage, alpha = 1 against
  // thousands of weighted samples).
  Generator gen(5);
  Matrix train(1000, 8);
  for (size_t r = 0; r < train.rows; ++r) {
    for (size_t j = 0; j < 4; ++j) {
      const bool first = uniform01(gen) < 0.5;
      train(r, 2 * j) = first ? 1.0 : 0.0;
      train(r, 2 * j + 1) = first ? 0.0 : 1.0;
    }
  }
  std::vector<Player> players;
  for (size_t j = 0; j < 4; ++j) players.push_back({fmt::format("c{}", j), {2 * j, 2 * j + 1}});
  const std::vector<double> w = {1.5, -1.0, 0.5, -0.25};
  const LimeTabular lime(train, players);
  Matrix instance(1, 8);
  for (size_t j = 0; j < 4; ++j) instance(0, 2 * j) = 1.0;
  const LimeExplanation e = lime.explain(instance, 0, linear({1.5, 0, -1.0, 0, 0.5, 0, -0.25, 0}));
  CHECK(e.score > 0.999);
  CHECK(e.score <= 1.0);
  for (size_t j = 0; j < 4; ++j) CHECK(e.coefficients[j] == doctest::Approx(w[j]).epsilon(0.01));
  CHECK(e.intercept == doctest::Approx(0.0).scale(1.0).epsilon(0.01));
  CHECK(e.descriptions[0] == "c0 = category 0");
}

TEST_CASE("lime: the same seed gives the same explanation, another seed another sample") {
  const Matrix train = normal_rows(500, 5, 2);
  const Matrix rows = normal_rows(3, 5, 3);
  LimeOptions o;
  o.seed = 11;
  o.num_samples = 800;
  const LimeExplanation a = LimeTabular(train, one_player_per_column(kNames), o).explain(rows, 2, linear(kWeights));
  const LimeExplanation b = LimeTabular(train, one_player_per_column(kNames), o).explain(rows, 2, linear(kWeights));
  CHECK(a.coefficients == b.coefficients);
  CHECK(a.predictions == b.predictions);
  CHECK(a.weights == b.weights);
  CHECK(a.intercept == b.intercept);
  CHECK(a.score == b.score);
  o.seed = 12;
  const LimeExplanation c = LimeTabular(train, one_player_per_column(kNames), o).explain(rows, 2, linear(kWeights));
  CHECK(c.predictions != a.predictions);
}

TEST_CASE("lime: the kernel weights a sample by how many players left the instance's bin") {
  LimeOptions o;
  o.num_samples = 300;
  o.kernel_width = 1.5;
  const LimeExplanation e =
      LimeTabular(normal_rows(400, 5, 4), one_player_per_column(kNames), o).explain(Matrix(1, 5), 0, linear(kWeights));
  for (size_t s = 0; s < o.num_samples; ++s) {
    double d2 = 0;
    for (size_t j = 0; j < 5; ++j) d2 += 1.0 - e.interpretable(s, j);
    CHECK(e.weights[s] == doctest::Approx(std::sqrt(std::exp(-d2 / (1.5 * 1.5)))));
  }
}

TEST_CASE("lime: descriptions name the instance's quartile bin in raw units, or its category") {
  // Training values 1..8: linear-interpolation quartiles at positions 1.75, 3.5 and 5.25 of the
  // sorted values, i.e. 2.75, 4.5, 6.25; shown doubled by to_raw.
  Matrix train(8, 4);
  for (size_t r = 0; r < 8; ++r) {
    train(r, 0) = static_cast<double>(r + 1);
    train(r, 1 + r % 2) = 1.0;                   // one-hot "c": "no", "yes"
    train(r, 3) = static_cast<double>(r % 3);  // ordinal codes of "k"
  }
  const std::vector<Player> players = {{"x", {0}}, {"c", {1, 2}}, {"k", {3}}};
  std::vector<PlayerDisplay> displays(3);
  displays[0].to_raw = [](double v) { return 2 * v; };
  displays[1].categories = {"no", "yes"};
  displays[2].categorical = true;
  displays[2].categories = {"low", "mid", "high"};
  LimeOptions o;
  o.num_samples = 50;
  const LimeTabular lime(train, players, o, displays);
  CHECK(lime.edges(0) == std::vector<double>{2.75, 4.5, 6.25});
  CHECK(lime.edges(1).empty());
  const Predictor zero = [](const Matrix& x) { return std::vector<double>(x.rows, 0.0); };
  CHECK(lime.explain(train, 0, zero).descriptions == std::vector<std::string>{"x <= 5.50", "c = no", "k = low"});
  CHECK(lime.explain(train, 3, zero).descriptions ==
        std::vector<std::string>{"5.50 < x <= 9.00", "c = yes", "k = low"});
  CHECK(lime.explain(train, 7, zero).descriptions == std::vector<std::string>{"x > 12.50", "c = yes", "k = mid"});
  // A constant model: a flat surrogate that explains all there is.
  const LimeExplanation flat = lime.explain(train, 7, zero);
  CHECK(flat.score == 1.0);
  for (double c : flat.coefficients) CHECK(c == 0.0);
}

TEST_CASE("lime: displays_of reads raw units and category names from an encoder") {
  using datasets::Column;
  const datasets::Table table({Column::numeric("age", {20, 30, 40, 50}),
                               Column::categorical("job", {"a", "b", "a", "c"}), Column::numeric("y", {0, 1, 0, 1})});
  datasets::Schema schema;
  schema.label = "y";
  const auto encoder = datasets::Encoder::fit(table, schema);
  const Matrix rows = matrix_from_tensor(encoder.transform(table).x);
  const auto displays = displays_of(encoder);
  REQUIRE(displays.size() == 2);
  CHECK(displays[0].to_raw(rows(1, 0)) == doctest::Approx(30.0));
  CHECK(displays[1].categories == std::vector<std::string>{"a", "b", "c"});
  LimeOptions o;
  o.num_samples = 20;
  const LimeTabular lime(rows, players_of(encoder), o, displays);
  const auto e = lime.explain(rows, 1, [](const Matrix& x) { return std::vector<double>(x.rows, 1.0); });
  CHECK(e.descriptions[1] == "job = b");
  CHECK(e.descriptions[0].find("age") != std::string::npos);
}

TEST_CASE("lime: bad input is a ValueError that names the problem") {
  const Matrix train = normal_rows(50, 5, 6);
  const auto players = one_player_per_column(kNames);
  const LimeTabular lime(train, players);
  CHECK_THROWS_WITH_AS(lime.explain(Matrix(2, 4), 0, linear(kWeights)),
                       doctest::Contains("LIME rows has 4 columns, but the model reads 5"), ValueError);
  CHECK_THROWS_WITH_AS(lime.explain(Matrix(2, 5), 3, linear(kWeights)), doctest::Contains("row 3 is out of range"),
                       ValueError);
  CHECK_THROWS_WITH_AS(LimeTabular(train, {{"x", {0}}, {"far", {7}}}), doctest::Contains("names column 7"),
                       ValueError);
  LimeOptions o;
  o.num_samples = 0;
  CHECK_THROWS_WITH_AS(LimeTabular(train, players, o), doctest::Contains("num_samples must be in [2, 1000000]"),
                       ValueError);
  o = {};
  o.kernel_width = -1;
  CHECK_THROWS_WITH_AS(LimeTabular(train, players, o), doctest::Contains("kernel_width"), ValueError);
  CHECK_THROWS_WITH_AS(LimeTabular(train, players, {}, std::vector<PlayerDisplay>(2)),
                       doctest::Contains("2 displays for 5 players"), ValueError);
  CHECK_THROWS_WITH_AS(LimeTabular(Matrix(0, 5), players), doctest::Contains("has no rows"), ValueError);
  const Predictor nan = [](const Matrix& x) {
    std::vector<double> out(x.rows, 0.0);
    out[x.rows - 1] = std::nan("");
    return out;
  };
  CHECK_THROWS_WITH_AS(lime.explain(train, 0, nan), doctest::Contains("the model returned nan"), ValueError);
  const Predictor short_answer = [](const Matrix&) { return std::vector<double>(3, 0.0); };
  CHECK_THROWS_WITH_AS(lime.explain(train, 0, short_answer), doctest::Contains("returned 3 outputs for 5000 rows"),
                       ValueError);
}
