#include <cmath>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "engine/ops/ops.h"
#include "explain/posthoc/gap_attribution.h"
#include "posthoc_models.h"

using namespace candor;
using namespace candor::explain;
using candor::explain::testing::normal_rows;
using candor::explain::testing::with_interactions;

TEST_CASE("the gap in mean scores splits exactly into per-feature contributions") {
  Matrix data = normal_rows(120, 7, 12);
  datasets::SensitiveFeature sex{"sex", {"Female", "Male"}, {}};
  std::vector<int64_t> ids;
  for (size_t r = 0; r < data.rows; ++r) {
    ids.push_back(static_cast<int64_t>(r % 2));
    data(r, 1) += r % 2 == 1 ? 1.0 : 0.0;  // the Male rows have larger x1: the gap comes mostly from x1
  }
  sex.ids = from_vector(ids, {static_cast<int64_t>(ids.size())});
  Generator gen(2);
  const Background background = sample_background(data, 8, gen);
  const auto players = one_player_per_column({"x0", "x1", "x2", "x3", "x4", "x5", "x6"});
  const Predictor f = probability_of(with_interactions({0.2, 1.0, 0.1, 0, 0, 0, 0}));
  const ShapleyResult shap = exact_shapley(data, players, background, f);
  std::vector<double> weights(data.rows, 1.0);
  weights[0] = 3.0;
  const GapAttribution a = attribute_gap(shap, sex, weights);
  double male = 0, female = 0, male_w = 0, female_w = 0;
  for (size_t r = 0; r < data.rows; ++r) {
    (ids[r] == 1 ? male : female) += weights[r] * shap.prediction[r];
    (ids[r] == 1 ? male_w : female_w) += weights[r];
  }
  CHECK(a.high_group == "Male");
  CHECK(a.gap == doctest::Approx(male / male_w - female / female_w).epsilon(1e-13));
  double total = 0;
  for (const auto& c : a.contributions) total += c.contribution;
  CHECK(std::abs(total - a.gap) < 1e-9);
  CHECK(std::abs(a.residual) < 1e-9);
  CHECK(a.contributions.front().player == "x1");
  CHECK(describe(a, 2).find("x1 +") != std::string::npos);
}

TEST_CASE("gap attribution refuses ids that do not match the rows and a single group") {
  const Matrix data = normal_rows(10, 2, 1);
  Generator gen(1);
  const ShapleyResult shap = exact_shapley(data, one_player_per_column({"a", "b"}), sample_background(data, 3, gen),
                                           candor::explain::testing::linear({1.0, -1.0}, 0.0));
  datasets::SensitiveFeature one{"sex", {"Female", "Male"}, from_vector(std::vector<int64_t>(10, 0), {10})};
  CHECK_THROWS_AS(attribute_gap(shap, one), ValueError);
  datasets::SensitiveFeature short_ids{"sex", {"Female", "Male"}, from_vector(std::vector<int64_t>(9, 0), {9})};
  CHECK_THROWS_AS(attribute_gap(shap, short_ids), ValueError);
}
