// Post-hoc Shapley values of an EBM against its own additive structure: for an additive model the
// Shapley value of a feature is its main term's change plus half of each of its pairs' changes.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "explain/ebm/ebm.h"
#include "explain/posthoc/shapley.h"
#include "explain/posthoc/table_inputs.h"
#include "tests/explain/synthetic.h"

using namespace candor;
using namespace candor::explain;

namespace {

std::vector<double> contributions(const ebm::Model& model, const TableInputs& inputs, const Matrix& row) {
  return ebm::explain_local(model, inputs.decode(row)).front().contributions;
}

Matrix with_column(Matrix row, const Matrix& from, size_t column) {
  row(0, column) = from(0, column);
  return row;
}

}  // namespace

TEST_CASE("exact Shapley values of an EBM are its term contributions, each pair split equally") {
  const auto train = testing::make_synthetic(1500, true, 41);
  ebm::FitOptions o;
  o.outer_bags = 1;
  o.interactions = 2;
  o.max_rounds = 300;
  const ebm::Model model = ebm::fit(train.x, train.y, o);
  bool has_pair = false;
  for (const auto& t : model.terms) has_pair = has_pair || t.features.size() == 2;
  REQUIRE(has_pair);

  const TableInputs inputs = TableInputs::fit({&train.x}, ebm_columns(model));
  const Matrix all = inputs.encode(train.x);
  const Background baseline{all.take_rows({7}), {1.0}};
  const Matrix rows = all.take_rows({0, 1, 2, 3});
  const ShapleyResult shap = exact_shapley(rows, inputs.players(), baseline, ebm_predictor(model, inputs));
  REQUIRE(shap.players.size() == model.features.size());

  const std::vector<double> at_b = contributions(model, inputs, baseline.rows);
  for (size_t r = 0; r < rows.rows; ++r) {
    const Matrix x = rows.take_rows({r});
    const std::vector<double> at_x = contributions(model, inputs, x);
    for (size_t j = 0; j < model.features.size(); ++j) {
      const std::vector<double> xj_b = contributions(model, inputs, with_column(baseline.rows, x, j));
      const std::vector<double> bj_x = contributions(model, inputs, with_column(x, baseline.rows, j));
      double expected = 0;
      for (size_t t = 0; t < model.terms.size(); ++t) {
        const auto& f = model.terms[t].features;
        if (f.size() == 1 && f[0] == j) expected += at_x[t] - at_b[t];
        if (f.size() == 2 && (f[0] == j || f[1] == j)) {
          expected += 0.5 * (xj_b[t] - at_b[t]) + 0.5 * (at_x[t] - bj_x[t]);
        }
      }
      CHECK(std::abs(shap.values(r, j) - expected) < 1e-9);
    }
  }
}

TEST_CASE("table inputs refuse a category they were not fitted on and codes out of range") {
  const auto train = testing::make_synthetic(50, true, 1);
  const TableInputs inputs = TableInputs::fit({&train.x}, {"x1", "c"});
  const datasets::Table other({datasets::Column::numeric("x1", {0.5}), datasets::Column::categorical("c", {"zzz"})});
  CHECK_THROWS_WITH_AS(inputs.encode(other), "column \"c\": category \"zzz\" was not in the table the inputs were fitted on",
                       ValueError);
  Matrix bad(1, 2);
  bad(0, 1) = 7;
  CHECK_THROWS_AS(inputs.decode(bad), ValueError);
  const Matrix round_trip = inputs.encode(inputs.decode(inputs.encode(train.x)));
  CHECK(round_trip.values == inputs.encode(train.x).values);
}
