// The reductions step by step (fairness/lagrangian.h, exponentiated_gradient.h, grid_search.h) on
// the six rows of test_reduction_moments.cpp, through learners that record what they are handed;
// then determinism, a fair mixture of stumps on biased synthetic data, and bad input.
//
//   row  group  y  h (what the table learner answers)
//   0    a      1  1
//   1    a      1  0
//   2    b      1  1
//   3    b      0  0
//   4    b      0  0
//   5    b      0  0
#include <cmath>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "engine/error.h"
#include "fairness/exponentiated_gradient.h"
#include "fairness/grid_search.h"
#include "fairness/lagrangian.h"
#include "tests/fairness/reduction_fixtures.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using namespace candor::fairness::testdata;
using candor::testing::check_throws;

namespace {

const std::vector<double> kY = {1, 1, 1, 0, 0, 0};
const std::vector<double> kH = {1, 0, 1, 0, 0, 0};
datasets::SensitiveFeature six_rows() { return feature({0, 0, 1, 1, 1, 1}, {"a", "b"}); }

void check_vector(const std::vector<double>& got, const std::vector<double>& want, double eps = 1e-12) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
  }
}

std::shared_ptr<Recording> answering(std::vector<std::vector<double>> answers) {
  auto r = std::make_shared<Recording>();
  r->answers = std::move(answers);
  return r;
}

// The biased synthetic data (group b's labels pushed up), encoded.
const datasets::Encoded& synthetic() {
  static const datasets::Encoded data = [] {
    datasets::SyntheticOptions o;
    o.rows = 1500;
    o.features = 3;
    o.label_bias = 2.0;
    o.seed = 11;
    datasets::Dataset d = datasets::make_synthetic(o);
    return datasets::Encoder::fit(d.train, d.schema).transform(d.train);
  }();
  return data;
}

// The demographic-parity difference of the probabilities p between the groups of `group`.
double dp_difference(const std::vector<double>& p, const datasets::SensitiveFeature& group) {
  const std::vector<int64_t> ids = group.ids.to_vector<int64_t>();
  std::vector<double> sum(group.size(), 0.0), count(group.size(), 0.0);
  for (size_t i = 0; i < p.size(); ++i) {
    sum[static_cast<size_t>(ids[i])] += p[i];
    count[static_cast<size_t>(ids[i])] += 1;
  }
  return std::abs(sum[0] / count[0] - sum[1] / count[1]);
}

}  // namespace

TEST_CASE("reductions: the best-response problem handed to the learner, and the Lagrangian's value") {
  auto record = answering({kH, {0, 0, 0, 0, 0, 0}});
  Lagrangian lagrangian(row_numbers(6), kY, UtilityParity({Parity::DemographicParity, 0.01}, kY, six_rows()),
                        recording_learner(record), 100.0);
  // λ = [λ+a, λ+b, λ−a, λ−b] = [0.3, 0, 0.1, 0.2]: the constraints' weights are −0.6 (a), 0.3 (b)
  // (test_reduction_moments.cpp), so s = (2y − 1) + them = [0.4, 0.4, 1.3, −0.7, −0.7, −0.7]:
  // labels [s > 0] = [1, 1, 1, 0, 0, 0] and weights |s|·6/Σ|s| with Σ|s| = 4.2:
  //   0.4·6/4.2 = 4/7,  1.3·6/4.2 = 13/7,  0.7·6/4.2 = 1.
  const std::vector<double> lambda = {0.3, 0, 0.1, 0.2};
  CHECK(lagrangian.best_h(lambda) == 0);
  REQUIRE(record->calls.size() == 1);
  check_vector(record->calls[0].y, {1, 1, 1, 0, 0, 0});
  check_vector(record->calls[0].weight, {4.0 / 7, 4.0 / 7, 13.0 / 7, 1, 1, 1});
  check_vector(lagrangian.best_response_problem(lambda).weight, record->calls[0].weight);
  CHECK(lagrangian.errors()[0] == doctest::Approx(1.0 / 6));
  check_vector(lagrangian.gammas()[0], {1.0 / 6, -1.0 / 12, -1.0 / 6, 1.0 / 12});

  // L(h, λ) = err + λ'·(γ − ĉ) with λ' = project(λ) = [0.2, 0, 0, 0.2]:
  //   1/6 + 0.2·(1/6 − 0.01) + 0.2·(1/12 − 0.01) = 1/6 + 0.2·0.23 = 0.212666...
  // L_high = err + B·max(γ − ĉ) = 1/6 + 100·(1/6 − 0.01) = 95/6.
  const Lagrangian::Value v = lagrangian.eval({1.0}, lambda);
  CHECK(v.L == doctest::Approx(1.0 / 6 + 0.2 * 0.23).epsilon(1e-12));
  CHECK(v.L_high == doctest::Approx(95.0 / 6).epsilon(1e-12));
  CHECK(v.error == doctest::Approx(1.0 / 6));

  // The next answer, h = 0 everywhere (error 1/2, γ = 0), scores 1/2 against λ while the kept h
  // scores 1/6 + λ·γ = 1/6 + 0.3/6 − 0.1/6 + 0.2/12 = 0.2166...: not kept, the kept one is best.
  CHECK(lagrangian.best_h(lambda) == 0);
  CHECK(lagrangian.predictors().size() == 1);
  // Against λ = [5, 0, 0, 0] the kept h scores 1/6 + 5/6 = 1 > 1/2: h = 0 is kept as predictor 1.
  CHECK(lagrangian.best_h({5, 0, 0, 0}) == 1);
  CHECK(lagrangian.predictors().size() == 2);
  CHECK(lagrangian.oracle_calls() == 3);
}

TEST_CASE("reductions: one exponentiated-gradient update of λ") {
  auto record = answering({kH});
  ExponentiatedGradientOptions o;
  o.max_iter = 2;
  o.run_linprog_step = false;
  const ExponentiatedGradientResult r = exponentiated_gradient(row_numbers(6), kY, six_rows(), recording_learner(record), o);
  REQUIRE(r.trace.size() == 2);
  // t = 0: θ = 0, so λ_0 = B·1/(1 + K) = 100/5 = 20 for each of the K = 4 constraints; λ+ − λ− = 0,
  // so the first learner call sees the labels y and weights 1.
  check_vector(r.trace[0].lambda, {20, 20, 20, 20});
  check_vector(record->calls.at(0).y, kY);
  check_vector(record->calls.at(0).weight, {1, 1, 1, 1, 1, 1});
  // θ_1 = η (γ(h_0) − ĉ) with η = eta0/B = 2/100 = 0.02 and γ(h_0) = [1/6, −1/12, −1/6, 1/12];
  // λ_1 = B exp(θ_1) / (1 + Σ exp(θ_1)).
  const std::vector<double> gamma = {1.0 / 6, -1.0 / 12, -1.0 / 6, 1.0 / 12};
  double denominator = 1;
  for (double g : gamma) denominator += std::exp(0.02 * (g - 0.01));
  std::vector<double> lambda1;
  for (double g : gamma) lambda1.push_back(100 * std::exp(0.02 * (g - 0.01)) / denominator);
  check_vector(r.trace[1].lambda, lambda1);
  CHECK(r.trace[0].eta == doctest::Approx(0.02));
  // ν = 0.5 · std(|h − y|) / √6 with |h − y| = [0, 1, 0, 0, 0, 0]: std = √(1/6), ν = 0.5/6 = 1/12.
  CHECK(r.nu == doctest::Approx(1.0 / 12));
  // One predictor only (every answer is h): the mixture is h.
  CHECK(r.mixture.weights == std::vector<double>{1.0});
  check_vector(r.probability_of_one(row_numbers(6)), kH);
}

TEST_CASE("reductions: the grid follows Fairlearn's generator") {
  // Demographic parity, two groups: d = 1; m starts at ⌊10/2 − 1⌋ = 4, which gives 9 points, so
  // m = 5: z = −5..4 scaled by 2/5, on [+,all,a] when positive and [−,all,a] when negative.
  UtilityParity dp({Parity::DemographicParity, 0.01}, kY, six_rows());
  const std::vector<std::vector<double>> grid = make_grid(dp, 10, 2.0);
  REQUIRE(grid.size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    const double c = (static_cast<double>(i) - 5) * 0.4;
    CAPTURE(i);
    check_vector(grid[i], {std::max(c, 0.0), 0, std::max(-c, 0.0), 0});
  }
  // Equalized odds with both labels in both groups: d = 2 (events in order of appearance, group a).
  // m starts at ⌊√(10/4) − 1⌋ = 0 (1 point), then 1 (5 points), then 2 (13 points), of which the
  // first ten, first coordinate outermost: (−2,0) (−1,−1) (−1,0) (−1,1) (0,−2) (0,−1) (0,0) (0,1)
  // (0,2) (1,−1), scaled by 2/2 = 1.
  const std::vector<double> y = {1, 0, 1, 0};
  UtilityParity eo({Parity::EqualizedOdds, 0.01}, y, feature({0, 0, 1, 1}, {"a", "b"}));
  // Index: [+,0,a] [+,0,b] [+,1,a] [+,1,b] then −. Basis: label=1 (row 0) first, then label=0.
  REQUIRE(eo.basis() == std::vector<size_t>{2, 0});
  const std::vector<std::vector<double>> g2 = make_grid(eo, 10, 2.0);
  const std::vector<std::pair<int, int>> z = {{-2, 0}, {-1, -1}, {-1, 0}, {-1, 1}, {0, -2}, {0, -1}, {0, 0}, {0, 1}, {0, 2}, {1, -1}};
  REQUIRE(g2.size() == 10);
  for (size_t i = 0; i < 10; ++i) {
    CAPTURE(i);
    std::vector<double> want(8, 0.0);
    want[2] = std::max(z[i].first, 0), want[6] = std::max(-z[i].first, 0);
    want[0] = std::max(z[i].second, 0), want[4] = std::max(-z[i].second, 0);
    check_vector(g2[i], want);
  }
  CHECK(make_grid(dp, 1, 2.0) == std::vector<std::vector<double>>{{0, 0, 0, 0}});
}

TEST_CASE("reductions: GridSearch hands unscaled weights to the learner and picks by its trade-off rule") {
  auto record = answering({kH, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}});
  GridSearchOptions o;
  o.grid = {{0, 0, 2, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}};
  const GridSearchResult r = grid_search(row_numbers(6), kY, six_rows(), recording_learner(record), o);
  REQUIRE(record->calls.size() == 3);
  // λ−a = 2: Σ(λ+ − λ−)/P(all) = −2; a: −2 − (−2)/(1/3) = 4; b: −2 − 0 = −2.
  // s = (2y − 1) + that = [5, 5, −1, −3, −3, −3]: labels [1, 1, 0, 0, 0, 0], weights |s| as they are.
  check_vector(record->calls[0].y, {1, 1, 0, 0, 0, 0});
  check_vector(record->calls[0].weight, {5, 5, 1, 3, 3, 3});
  // Losses 0.5·err + 0.5·max γ: h: 0.5/6 + 0.5/6 = 1/6; zeros: 0.5·0.5 + 0 = 1/4; ones: 0.25 + 0.
  check_vector(r.objectives, {1.0 / 6, 0.5, 0.5});
  check_vector(r.losses, {1.0 / 6, 0.25, 0.25});
  CHECK(r.best_idx == 0);
  check_vector(r.predict(row_numbers(6)), kH);
  CHECK(r.oracle_calls == 3);
  // With all the weight on the constraint, a constant (γ = 0) wins: the first of them.
  o.constraint_weight = 1.0;
  CHECK(grid_search(row_numbers(6), kY, six_rows(), recording_learner(answering({kH, {0, 0, 0, 0, 0, 0}})), o).best_idx == 1);
}

TEST_CASE("reductions: relabelled rows of one class get the constant classifier, not the learner") {
  // At λ = 0 the relabelled rows are y itself: two classes call the learner, one class does not.
  auto record = answering({kH});
  GridSearchOptions o;
  o.grid = {{0, 0, 0, 0}};
  const GridSearchResult r = grid_search(row_numbers(6), {1, 1, 1, 1, 1, 0}, six_rows(), recording_learner(record), o);
  CHECK(record->calls.size() == 1);  // labels [1,1,1,1,1,0]: two classes, the learner is called
  o.grid = {{0, 0, 0, 0}};
  const GridSearchResult ones = grid_search(row_numbers(6), {1, 1, 1, 1, 1, 1}, feature({0, 0, 1, 1, 1, 1}, {"a", "b"}),
                                            recording_learner(record), o);
  CHECK(record->calls.size() == 1);  // one class: no call
  CHECK(ones.constant_calls == 1);
  CHECK(ones.oracle_calls == 1);
  CHECK(ones.best().to_json() == nlohmann::json{{"kind", "constant"}, {"value", 1.0}});
  CHECK(r.constant_calls == 0);
}

TEST_CASE("reductions: ExponentiatedGradient with stumps makes biased synthetic data fair on the training rows") {
  const datasets::Encoded& d = synthetic();
  const std::vector<double> y = d.y.to_vector<double>();
  const datasets::SensitiveFeature& group = d.sensitive[0];
  ExponentiatedGradientOptions o;
  o.constraints.difference_bound = 0.02;
  const ExponentiatedGradientResult r = exponentiated_gradient(d.x, y, group, stump_learner(), o);
  // The unconstrained best stump (λ = 0) is far from parity; the mixture is within the bound.
  const std::vector<double> plain = stump_learner().fit(d.x, y, std::vector<double>(y.size(), 1.0))->predict(d.x);
  CHECK(dp_difference(plain, group) > 0.2);
  const std::vector<double> p = r.probability_of_one(d.x);
  CHECK(dp_difference(p, group) < 0.05);
  CHECK(r.max_violation <= 0.005);
  CHECK(r.mixture.predictors.size() >= 2);
  double total = 0;
  for (double w : r.mixture.weights) total += w;
  CHECK(total == doctest::Approx(1.0));
  CHECK(r.trace.size() == static_cast<size_t>(r.last_iter + 1));
  CHECK(r.best_gap == r.trace[static_cast<size_t>(r.best_iter)].gap);
  // A draw follows the probabilities and repeats for its seed.
  CHECK(r.predict(d.x, 3) == r.predict(d.x, 3));
}

TEST_CASE("reductions: two runs give identical results (ExponentiatedGradient and GridSearch, logistic learner)") {
  const datasets::Encoded& d = synthetic();
  const std::vector<double> y = d.y.to_vector<double>();
  ExponentiatedGradientOptions o;
  o.constraints.parity = Parity::EqualizedOdds;
  o.max_iter = 12;
  const Learner learner = logistic_learner();  // reused: reset() restarts its warm start
  nlohmann::json a = exponentiated_gradient(d.x, y, d.sensitive[0], learner, o).to_json();
  nlohmann::json b = exponentiated_gradient(d.x, y, d.sensitive[0], learner, o).to_json();
  for (nlohmann::json* j : {&a, &b}) {
    j->erase("fit_seconds");
    j->erase("oracle_seconds");
  }
  CHECK(a == b);
  CHECK(a["mixture"]["predictors"][0]["kind"] == "logistic");
  // The mixture reads back from its JSON and predicts the same.
  const ExponentiatedGradientResult r = exponentiated_gradient(d.x, y, d.sensitive[0], learner, o);
  CHECK(Mixture::from_json(r.mixture.to_json()).probability_of_one(d.x) == r.probability_of_one(d.x));
  GridSearchOptions g;
  nlohmann::json ga = grid_search(d.x, y, d.sensitive[0], learner, g).to_json();
  nlohmann::json gb = grid_search(d.x, y, d.sensitive[0], learner, g).to_json();
  for (nlohmann::json* j : {&ga, &gb}) {
    j->erase("fit_seconds");
    j->erase("oracle_seconds");
  }
  CHECK(ga == gb);
}

TEST_CASE("reductions: bad input ends in one line") {
  const Tensor x = row_numbers(6);
  const Learner table = recording_learner(answering({kH}));
  ExponentiatedGradientOptions eo;
  eo.constraints.parity = Parity::EqualizedOdds;
  // A constraint on labels without labels.
  check_throws<ValueError>([&] { exponentiated_gradient(x, {}, six_rows(), table, eo); }, {"x has 6 rows but y has 0 labels"});
  check_throws<ValueError>([&] { UtilityParity m(eo.constraints, {}, six_rows()); }, {"EqualizedOdds conditions on the labels y"});
  // One group.
  check_throws<ValueError>([&] { exponentiated_gradient(x, kY, feature({1, 1, 1, 1, 1, 1}, {"a", "b"}, "sex"), table); },
                           {"\"sex\" has 1 group with rows (\"b\")"});
  check_throws<ValueError>([&] { grid_search(x, kY, feature({0, 0, 0, 0, 0, 0}, {"a"}), table); }, {"has 1 group with rows"});
  // A learner that cannot take weights.
  Learner unweighted = table;
  unweighted.name = "knn";
  unweighted.takes_weights = false;
  check_throws<ValueError>([&] { exponentiated_gradient(x, kY, six_rows(), unweighted); },
                           {"ExponentiatedGradient: the learner \"knn\" cannot take sample weights"});
  check_throws<ValueError>([&] { grid_search(x, kY, six_rows(), unweighted); }, {"GridSearch: the learner \"knn\" cannot"});
  // Non-finite features.
  const Tensor nan_x = from_vector(std::vector<double>{0, 1, NAN, 3, 4, 5}, {6, 1});
  check_throws<ValueError>([&] { exponentiated_gradient(nan_x, kY, six_rows(), table); }, {"x[2, 0] is nan, not a finite number"});
  check_throws<ValueError>([&] { grid_search(nan_x, kY, six_rows(), table); }, {"GridSearch: x[2, 0] is nan"});
  // Labels, sizes, options.
  check_throws<ValueError>([&] { exponentiated_gradient(x, {1, 0, 2, 0, 0, 0}, six_rows(), table); }, {"label 2 at row 2"});
  check_throws<ValueError>([&] { exponentiated_gradient(x, kY, feature({0, 1}, {"a", "b"}), table); },
                           {"x has 6 rows but the sensitive feature \"group\" has 2"});
  ExponentiatedGradientOptions bad;
  bad.eps = 0;
  check_throws<ValueError>([&] { exponentiated_gradient(x, kY, six_rows(), table, bad); }, {"eps must be finite and > 0, got 0"});
  GridSearchOptions g;
  g.grid = {{1, 0}};
  check_throws<ValueError>([&] { grid_search(x, kY, six_rows(), table, g); }, {"grid point 0 has 2 multipliers, the constraints 4"});
  g = {};
  g.constraint_weight = 1.5;
  check_throws<ValueError>([&] { grid_search(x, kY, six_rows(), table, g); }, {"constraint_weight must be in [0, 1], got 1.5"});
}

TEST_CASE("reductions: an unreachable bound returns the best mixture found and says so") {
  // The learner only ever answers h, whose γ[+,all,a] = 1/6 breaks the bound 0.01: no mixture of
  // its answers meets it. Fairlearn returns the best Q found; so does candor, with the reason.
  ExponentiatedGradientOptions o;
  o.max_iter = 8;
  const ExponentiatedGradientResult r = exponentiated_gradient(row_numbers(6), kY, six_rows(), recording_learner(answering({kH})), o);
  CHECK_FALSE(r.bound_met);
  CHECK(r.max_violation == doctest::Approx(1.0 / 6 - 0.01));
  REQUIRE_FALSE(r.warnings.empty());
  bool said = false;
  for (const std::string& w : r.warnings) {
    said = said || w.find("breaks the bound 0.01 on the training rows: +,all,a is 0.166667") != std::string::npos;
    CHECK(w.find('\n') == std::string::npos);
  }
  CHECK(said);
  CHECK(r.mixture.weights == std::vector<double>{1.0});
  CHECK(r.to_json()["bound_met"] == false);
}
