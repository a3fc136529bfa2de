// Fitting on synthetic data with a known truth: shapes, FAST's pair, monotone constraints,
// sample weights, determinism across thread counts, intercept calibration.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "explain/ebm/bagging.h"
#include "explain/ebm/ebm.h"
#include "tests/explain/synthetic.h"

using namespace candor;
using namespace candor::explain::ebm;
using namespace candor::explain::testing;

namespace {

// Each row's contribution from term `name`.
std::vector<double> contributions(const Model& m, const datasets::Table& x, const std::string& name) {
  const size_t t = m.term_index(name);
  const auto cells = m.cells(x)[t];
  std::vector<double> out;
  for (uint32_t c : cells) out.push_back(m.terms[t].scores[c]);
  return out;
}

std::vector<double> apply(const std::vector<double>& x, double (*f)(double)) {
  std::vector<double> out;
  for (double v : x) out.push_back(f(v));
  return out;
}

FitOptions quick(FitOptions o) {
  o.outer_bags = 2;
  return o;
}

}  // namespace

TEST_CASE("fit: regression recovers the planted shapes and FAST finds the planted pair") {
  const Synthetic s = make_synthetic(4000, false, 7);
  FitOptions o = quick(FitOptions::regressor());
  o.interactions = 1;
  const Model m = fit(s.x, s.y, o);
  REQUIRE(m.terms.size() == 6);  // 5 mains + 1 pair
  CHECK(m.terms.back().name == "x1 & x3");
  CHECK(correlation(contributions(m, s.x, "x1"), apply(s.x1, f1)) >= 0.95);
  CHECK(correlation(contributions(m, s.x, "x2"), apply(s.x2, f2)) >= 0.95);
  std::vector<double> g, fcs;
  for (size_t i = 0; i < s.x1.size(); ++i) {
    g.push_back(g13(s.x1[i], s.x3[i]));
    fcs.push_back(fc(s.c[i]));
  }
  CHECK(correlation(contributions(m, s.x, "x1 & x3"), g) >= 0.95);
  CHECK(correlation(contributions(m, s.x, "c"), fcs) >= 0.95);
  // The noise feature carries far less than the real ones.
  const auto importance = term_importances(m);
  CHECK(importance[m.term_index("x4")] < 0.2 * importance[m.term_index("x2")]);
  // Every term is centred on the training rows.
  for (const Term& t : m.terms) {
    double sw = 0, swx = 0;
    for (size_t c = 0; c < t.scores.size(); ++c) {
      sw += t.bin_weights[c];
      swx += t.bin_weights[c] * t.scores[c];
    }
    CHECK(std::fabs(swx / sw) < 1e-9);
  }
}

TEST_CASE("fit: classification recovers the shapes and calibrates the intercept") {
  const Synthetic s = make_synthetic(6000, true, 11);
  FitOptions o = quick(FitOptions::classifier());
  o.interactions = 3;
  const Model m = fit(s.x, s.y, o);
  CHECK(m.terms[m.features.size()].name == "x1 & x3");  // the strongest pair, among the chosen
  CHECK(correlation(contributions(m, s.x, "x1"), apply(s.x1, f1)) >= 0.95);
  CHECK(correlation(contributions(m, s.x, "x2"), apply(s.x2, f2)) >= 0.95);
  // After the final intercept fit, predicted and observed positives agree on the training rows.
  const auto p = m.predict_proba(s.x);
  double residual = 0;
  for (size_t i = 0; i < p.size(); ++i) residual += p[i] - s.y[i];
  CHECK(std::fabs(residual) < 1e-6 * static_cast<double>(p.size()));
  // Shapes of the bagged models spread: some standard deviation, none negative.
  const Term& t = m.terms[m.term_index("x1")];
  CHECK(*std::max_element(t.standard_deviations.begin(), t.standard_deviations.end()) > 0);
  CHECK(*std::min_element(t.standard_deviations.begin(), t.standard_deviations.end()) >= 0);
  CHECK(m.bagged_intercepts.size() == 2);
}

TEST_CASE("fit: FAST ranks the planted pair first") {
  const Synthetic s = make_synthetic(3000, false, 21);
  FitOptions o = quick(FitOptions::regressor());
  o.interactions = 1;
  o.smoothing_rounds = 50;
  const Model m = fit(s.x, s.y, o);
  CHECK(m.terms.back().features == std::vector<size_t>{0, 2});
}

TEST_CASE("fit: an explicit pair list replaces FAST") {
  const Synthetic s = make_synthetic(1500, false, 3);
  FitOptions o = quick(FitOptions::regressor());
  o.pairs = {{"x4", "x2"}, {"c", "x1"}};
  o.max_rounds = 200;
  const Model m = fit(s.x, s.y, o);
  REQUIRE(m.terms.size() == 7);
  CHECK(m.terms[5].name == "x1 & c");  // pairs sorted by feature index
  CHECK(m.terms[6].name == "x2 & x4");
  o.pairs = {{"x1", "nope"}};
  CHECK_THROWS_AS(fit(s.x, s.y, o), EbmError);
  o.pairs = {{"x1", "x1"}};
  CHECK_THROWS_AS(fit(s.x, s.y, o), EbmError);
}

TEST_CASE("fit: a monotone constraint holds on the learned shape") {
  // f2 is a parabola; constrained to increase, the shape must not decrease anywhere.
  const Synthetic s = make_synthetic(3000, false, 5);
  FitOptions o = quick(FitOptions::regressor());
  o.interactions = 0;
  o.monotone = {{"x2", +1}};
  const Model m = fit(s.x, s.y, o);
  const Term& t = m.terms[m.term_index("x2")];
  for (size_t b = 2; b + 1 < t.scores.size(); ++b) CHECK(t.scores[b] >= t.scores[b - 1]);
  CHECK(t.scores[t.scores.size() - 2] > t.scores[1]);  // and it is not flat
  o.monotone = {{"x2", -1}};
  const Model down = fit(s.x, s.y, o);
  const Term& d = down.terms[down.term_index("x2")];
  for (size_t b = 2; b + 1 < d.scores.size(); ++b) CHECK(d.scores[b] <= d.scores[b - 1]);
  // Unconstrained, the parabola goes both ways.
  o.monotone.clear();
  const Model free = fit(s.x, s.y, o);
  const Term& f = free.terms[free.term_index("x2")];
  CHECK(f.scores[1] > f.scores[f.scores.size() / 2]);
  CHECK(f.scores[f.scores.size() - 2] > f.scores[f.scores.size() / 2]);
  o.monotone = {{"c", 1}};
  CHECK_THROWS_AS(fit(s.x, s.y, o), EbmError);  // nominal features have no order
  o.monotone = {{"zz", 1}};
  CHECK_THROWS_AS(fit(s.x, s.y, o), EbmError);
}

TEST_CASE("fit: integer sample weights equal duplicated rows") {
  // Few distinct integer values per feature, so both tables get the same bins; every row trains
  // (no validation split draws) and min_samples_leaf = 1 counts a weighted row like its copies.
  const size_t n = 800;
  Generator gen(9);
  std::vector<double> a, b, y, w;
  for (size_t i = 0; i < n; ++i) {
    auto r = gen.block(gen.reserve(1));
    a.push_back(r[0] % 12);
    b.push_back(r[1] % 7);
    w.push_back(1 + r[2] % 2);
    y.push_back((r[3] % 100) < 30 + 4 * a.back() - 3 * b.back() ? 1.0 : 0.0);
  }
  std::vector<double> a2 = a, b2 = b, y2 = y;
  for (size_t i = 0; i < n; ++i)
    if (w[i] == 2) {
      a2.push_back(a[i]);
      b2.push_back(b[i]);
      y2.push_back(y[i]);
    }
  datasets::Table weighted({datasets::Column::numeric("a", a), datasets::Column::numeric("b", b)});
  datasets::Table duplicated(
      {datasets::Column::numeric("a", a2), datasets::Column::numeric("b", b2)});
  FitOptions o;
  o.outer_bags = 1;
  o.validation_size = 0;
  o.min_samples_leaf = 1;
  o.max_rounds = 300;
  o.smoothing_rounds = 20;
  o.interaction_smoothing_rounds = 20;
  o.pairs = {{"a", "b"}};
  const Model mw = fit(weighted, y, o, w);
  const Model md = fit(duplicated, y2, o);
  REQUIRE(mw.terms.size() == md.terms.size());
  CHECK(mw.intercept == doctest::Approx(md.intercept).epsilon(1e-9));
  for (size_t t = 0; t < mw.terms.size(); ++t) {
    REQUIRE(mw.terms[t].scores.size() == md.terms[t].scores.size());
    for (size_t c = 0; c < mw.terms[t].scores.size(); ++c) {
      CHECK(mw.terms[t].scores[c] == doctest::Approx(md.terms[t].scores[c]).epsilon(1e-9));
      CHECK(mw.terms[t].bin_weights[c] == md.terms[t].bin_weights[c]);
    }
  }
  // And the weights matter: ignoring them gives another model.
  const Model mu = fit(weighted, y, o);
  double diff = 0;
  for (size_t c = 0; c < mu.terms[0].scores.size(); ++c)
    diff += std::fabs(mu.terms[0].scores[c] - mw.terms[0].scores[c]);
  CHECK(diff > 1e-3);
}

TEST_CASE("fit: the model does not depend on the thread count") {
  const Synthetic s = make_synthetic(1500, true, 13);
  FitOptions o = FitOptions::classifier();
  o.outer_bags = 3;
  o.interactions = 2;
  o.max_rounds = 400;
  o.threads = 1;
  const Model one = fit(s.x, s.y, o);
  o.threads = 2;
  const Model two = fit(s.x, s.y, o);
  omp_set_num_threads(2);
  o.threads = 0;
  const Model dflt = fit(s.x, s.y, o);
  CHECK(model_to_json(one).dump() == model_to_json(two).dump());
  CHECK(model_to_json(one).dump() == model_to_json(dflt).dump());
  // A different seed gives a different model.
  o.seed = 43;
  CHECK(model_to_json(fit(s.x, s.y, o)).dump() != model_to_json(one).dump());
}

TEST_CASE("fit: outer bags are stratified train/validation splits") {
  std::vector<double> y(1000, 0.0);
  for (size_t i = 0; i < 1000; i += 4) y[i] = 1.0;  // 250 positives
  Generator gen(1);
  const BagSplit split = draw_bag(y, true, 0.15, gen);
  CHECK(split.validation.size() == 150);
  CHECK(split.train.size() == 850);
  size_t pos = 0;
  for (size_t r : split.train) pos += y[r] == 1.0;
  CHECK(pos >= 212);  // ideal 212.5
  CHECK(pos <= 213);
  CHECK(std::is_sorted(split.train.begin(), split.train.end()));
  Generator other(2);
  CHECK(draw_bag(y, true, 0.15, other).train != split.train);
  const auto seeds = bag_seeds(42, 14);
  CHECK(std::set<uint64_t>(seeds.begin(), seeds.end()).size() == 14);
}

TEST_CASE("fit: progress is reported once per bag and stage") {
  const Synthetic s = make_synthetic(800, true, 17);
  FitOptions o;
  o.outer_bags = 3;
  o.interactions = 1;
  o.max_rounds = 100;
  std::vector<std::string> stages;
  size_t last_done = 0;
  o.progress = [&](const FitProgress& p) {
    stages.push_back(p.stage);
    CHECK(p.bags == 3);
    CHECK(p.bag < 3);
    last_done = p.done;
  };
  fit(s.x, s.y, o);
  CHECK(stages == std::vector<std::string>{"mains", "mains", "mains", "pairs", "pairs", "pairs"});
  CHECK(last_done == 3);
}
