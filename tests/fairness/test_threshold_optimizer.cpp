// The threshold optimizer (fairness/threshold_optimizer.h, fairness/tradeoff_curve.h) on tiny
// score sets whose curves, hulls and operating points are worked out by hand beside the checks.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "fairness/randomized.h"
#include "fairness/threshold_optimizer.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

datasets::SensitiveFeature feature(const std::vector<int64_t>& ids, std::vector<std::string> names = {"a", "b"}) {
  return {"grp", std::move(names), from_vector(ids, {static_cast<int64_t>(ids.size())})};
}

// Demographic-parity data: two groups of four rows (P = N = 2 in each).
//   a: (s, y) = (.9,1) (.7,0) (.6,1) (.3,0)    b: (.8,1) (.5,1) (.4,0) (.1,0)
struct DpData {
  std::vector<double> score = {0.9, 0.7, 0.6, 0.3, 0.8, 0.5, 0.4, 0.1};
  std::vector<double> y = {1, 0, 1, 0, 1, 1, 0, 0};
  datasets::SensitiveFeature group = feature({0, 0, 0, 0, 1, 1, 1, 1});
};

// Equalized-odds data: a has 8 rows (P = N = 4), b has 5 (P = 3, N = 2), so overall P = 7, N = 6.
//   a: (.9,1) (.8,1) (.7,0) (.6,1) (.5,0) (.4,0) (.3,0) (.2,1)    b: (.85,1) (.8,1) (.5,1) (.4,0) (.1,0)
struct EoData {
  std::vector<double> score = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.85, 0.8, 0.5, 0.4, 0.1};
  std::vector<double> y = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0};
  datasets::SensitiveFeature group = feature({0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1});
};

void check_vertex(const CurvePoint& p, double x, double y, char op, double threshold) {
  CHECK(p.x == doctest::Approx(x).epsilon(1e-15));
  CHECK(p.y == doctest::Approx(y).epsilon(1e-15));
  CHECK(p.operation.op == op);
  CHECK(p.operation.threshold == threshold);  // exactly the midpoint Fairlearn takes
}

struct Rates {
  double selection, tpr, fpr, accuracy;
};

// Expected rates of the randomised classifier on the rows of group g (fairness::expected_predictions).
Rates expected_rates(const std::vector<double>& y, const std::vector<double>& p, const datasets::SensitiveFeature& f,
                     int64_t g) {
  const Predictions e = expected_predictions(y, p);
  std::vector<size_t> rows;
  const std::vector<int64_t> ids = f.ids.to_vector<int64_t>();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (g < 0 || ids[i] == g) rows.insert(rows.end(), {2 * i, 2 * i + 1});
  }
  const Confusion c = confusion(e, rows);
  return {(c.tp + c.fp) / c.total(), c.tp / (c.tp + c.fn), c.fp / (c.fp + c.tn), (c.tp + c.tn) / c.total()};
}

}  // namespace

TEST_CASE("threshold: the trade-off points, hull and grid of one group as Fairlearn builds them") {
  // Group a of DpData by decreasing score: .9(1) .7(0) .6(1) .3(0). The rules "s > t" for
  // t = +inf, .8, .65, .45, -inf select 0..4 rows: TP, FP = (0,0) (1,0) (1,1) (2,1) (2,2), so
  //   selection rate x = 0, .25, .5, .75, 1 and accuracy y = (TP + TN)/4 = .5, .75, .5, .75, .5;
  //   FPR, TPR = (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
  const std::vector<double> s = {0.3, 0.9, 0.6, 0.7}, y = {0, 1, 1, 0};  // any order
  std::vector<CurvePoint> dp = tradeoff_points(s, y, CurveMetric::SelectionRate, CurveMetric::Accuracy, false);
  REQUIRE(dp.size() == 5);
  check_vertex(dp[2], 0.5, 0.5, '>', (0.7 + 0.6) / 2);
  // Upper hull: (.5, .5) lies below the segment (.25, .75)-(.75, .75) and goes.
  std::vector<CurvePoint> hull = upper_hull(dp);
  REQUIRE(hull.size() == 4);
  check_vertex(hull[0], 0, 0.5, '>', kInf);
  check_vertex(hull[1], 0.25, 0.75, '>', (0.9 + 0.7) / 2);
  check_vertex(hull[2], 0.75, 0.75, '>', (0.6 + 0.3) / 2);
  check_vertex(hull[3], 1, 0.5, '>', -kInf);
  // ROC: sorted (0,0) (0,.5) (.5,.5) (.5,1) (1,1); (.5,.5) is under (0,.5)-(.5,1).
  hull = upper_hull(tradeoff_points(s, y, CurveMetric::FalsePositiveRate, CurveMetric::TruePositiveRate, false));
  REQUIRE(hull.size() == 4);
  check_vertex(hull[0], 0, 0, '>', kInf);
  check_vertex(hull[1], 0, 0.5, '>', (0.9 + 0.7) / 2);
  check_vertex(hull[2], 0.5, 1, '>', (0.6 + 0.3) / 2);
  check_vertex(hull[3], 1, 1, '>', -kInf);

  // The grid x_k = k/4, read on that ROC hull: x = 0 starts at the last vertex with x = 0 (p0 = 1);
  // x = .25 is halfway along (0,.5)-(.5,1): p0 = p1 = .5, y = .75; x = .5 is the vertex (.5, 1)
  // reached as the end of its segment (p0 = 0); x = .75 is halfway to (1, 1).
  const std::vector<double> grid = unit_grid(4);
  CHECK(grid == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  const std::vector<GridPoint> at = interpolate_hull(hull, grid);
  REQUIRE(at.size() == 5);
  CHECK(at[0].vertex == 1);
  CHECK(at[0].p0 == 1);
  CHECK(at[0].y == 0.5);
  CHECK(at[1].vertex == 1);
  CHECK(at[1].p0 == 0.5);
  CHECK(at[1].y == 0.75);
  CHECK(at[2].vertex == 1);
  CHECK(at[2].p0 == 0);
  CHECK(at[2].p1 == 1);
  CHECK(at[2].y == 1);
  CHECK(at[3].vertex == 2);
  CHECK(at[3].p0 == 0.5);
  CHECK(at[4].vertex == 2);
  CHECK(at[4].p1 == 1);
  // numpy's linspace: k·(1/n), the last point exactly 1.
  const std::vector<double> g1000 = unit_grid(1000);
  CHECK(g1000.size() == 1001);
  CHECK(g1000[3] == 3 * (1.0 / 1000));
  CHECK(g1000.back() == 1.0);
}

TEST_CASE("threshold: demographic parity on hand-worked curves") {
  // Hulls (selection rate, accuracy):
  //   a: (0,.5)[>inf] (.25,.75)[>.8] (.75,.75)[>.45] (1,.5)[>-inf]   (previous test)
  //   b: rules t = inf, .65, .45, .25, -inf give x = 0,.25,.5,.75,1 and y = .5,.75,1,.75,.5; the
  //      points at .25 and .75 lie on the segments, so the hull is (0,.5)[>inf] (.5,1)[>.45] (1,.5).
  // Both groups have 4 of the 8 rows: overall(x) = ½ a(x) + ½ b(x). a is flat (.75) on
  // [.25, .75] and b peaks at x = .5, so x* = .5 and overall = ½·.75 + ½·1 = .875.
  const DpData d;
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group);
  CHECK(r.x == 0.5);
  CHECK(r.objective == doctest::Approx(0.875).epsilon(1e-15));
  REQUIRE(r.groups.size() == 2);
  const GroupThreshold& a = r.group("a");
  const GroupThreshold& b = r.group("b");
  CHECK(a.rows == 4);
  CHECK(a.positives == 2);
  REQUIRE(a.hull.size() == 4);
  REQUIRE(b.hull.size() == 3);
  check_vertex(b.hull[1], 0.5, 1, '>', (0.5 + 0.4) / 2);
  // a: x = .5 is halfway between (.25,.75) and (.75,.75): p0 = p1 = ½ of [s > .8] and [s > .45].
  CHECK(a.operation0.threshold == (0.9 + 0.7) / 2);
  CHECK(a.operation1.threshold == (0.6 + 0.3) / 2);
  CHECK(a.p0 == 0.5);
  CHECK(a.p1 == 0.5);
  CHECK(a.y == 0.75);
  CHECK(a.p_ignore == 0);
  // b: x = .5 is the vertex (.5, 1), the end of the segment from (0, .5): p0 = 0 of [s > inf],
  // p1 = 1 of [s > .45].
  CHECK(b.operation0.threshold == kInf);
  CHECK(b.operation1.threshold == (0.5 + 0.4) / 2);
  CHECK(b.p0 == 0);
  CHECK(b.p1 == 1);

  // P(ŷ=1): a's .9 passes both rules (1), .7 and .6 only [s > .45] (½), .3 neither (0);
  // b: [s > .45].
  const std::vector<double> p = r.probability_of_one(d.score, d.group);
  CHECK(p == std::vector<double>{1, 0.5, 0.5, 0, 1, 1, 0, 0});
  // Expected selection rates on the training rows: ½ in both groups (DP gap 0), accuracy .875.
  const Rates ra = expected_rates(d.y, p, d.group, 0), rb = expected_rates(d.y, p, d.group, 1);
  CHECK(ra.selection == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(rb.selection == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(expected_rates(d.y, p, d.group, -1).accuracy == doctest::Approx(0.875).epsilon(1e-15));

  // The same labels balanced in each group make balanced accuracy equal to accuracy here.
  ThresholdOptions o;
  o.objective = ThresholdObjective::BalancedAccuracy;
  const ThresholdResult rb_acc = fit_threshold_optimizer(d.score, d.y, d.group, o);
  CHECK(rb_acc.x == 0.5);
  CHECK(rb_acc.probability_of_one(d.score, d.group) == p);
}

TEST_CASE("threshold: equalized odds on hand-worked ROC curves, with p_ignore") {
  // ROC hulls (FPR, TPR):
  //   a (P = N = 4): the rules t = inf,.85,.75,.65,.55,.45,.35,.25,-inf give (0,0) (0,.25) (0,.5)
  //     (.25,.5) (.25,.75) (.5,.75) (.75,.75) (1,.75) (1,1); hull (0,0) (0,.5)[>.75] (.25,.75)[>.55]
  //     (1,1)[>-inf]: slope 1 up to x = .25, then 1/3.
  //   b (P = 3, N = 2): perfectly separated; hull (0,0) (0,1)[>.45] (1,1)[>-inf].
  // min_g TPR_g(x) is a's curve. With P = 7, N = 6 overall, accuracy(x) = (7·a(x) + 6·(1 − x))/13
  // rises with slope (7 − 6)/13 until x = .25 and falls after (7/3 − 6 < 0): x* = .25, y* = .75,
  // accuracy (7·.75 + 6·.75)/13 = .75.
  const EoData d;
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group, o);
  CHECK(r.x == 0.25);
  CHECK(r.y == 0.75);
  CHECK(r.objective == 0.75);
  const GroupThreshold& a = r.group("a");
  const GroupThreshold& b = r.group("b");
  REQUIRE(a.hull.size() == 4);
  check_vertex(a.hull[1], 0, 0.5, '>', (0.8 + 0.7) / 2);
  check_vertex(a.hull[2], 0.25, 0.75, '>', (0.6 + 0.5) / 2);
  REQUIRE(b.hull.size() == 3);
  check_vertex(b.hull[1], 0, 1, '>', (0.5 + 0.4) / 2);
  // a sits on its vertex (.25, .75): the end of segment (0,.5)-(.25,.75), p0 = 0, and is the
  // binding group (y_a = y*), so p_ignore = 0.
  CHECK(a.p0 == 0);
  CHECK(a.p1 == 1);
  CHECK(a.operation1.threshold == (0.6 + 0.5) / 2);
  CHECK(a.p_ignore == 0);
  // b at x = .25 on (0,1)-(1,1): p0 = .75 of [s > .45], p1 = .25 of [s > -inf], y_b = 1. Its TPR
  // must come down to .75: p_ignore = (1 − .75)/(1 − .25) = 1/3, the coin saying 1 with P = .25.
  CHECK(b.p0 == 0.75);
  CHECK(b.p1 == 0.25);
  CHECK(b.y == 1);
  CHECK(b.p_ignore == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(b.prediction_constant == 0.25);

  // b's rows above .45 get ⅓·.25 + ⅔·1 = .75, the others ⅓·.25 + ⅔·.25 = .25; a's [s > .55].
  const std::vector<double> p = r.probability_of_one(d.score, d.group);
  const std::vector<double> expected = {1, 1, 1, 1, 0, 0, 0, 0, 0.75, 0.75, 0.75, 0.25, 0.25};
  for (size_t i = 0; i < p.size(); ++i) CHECK(p[i] == doctest::Approx(expected[i]).epsilon(1e-15));
  // Expected TPR and FPR equal across groups on the training rows: (.75, .25) in both.
  const Rates ra = expected_rates(d.y, p, d.group, 0), rb = expected_rates(d.y, p, d.group, 1);
  CHECK(ra.tpr == doctest::Approx(0.75).epsilon(1e-15));
  CHECK(rb.tpr == doctest::Approx(0.75).epsilon(1e-15));
  CHECK(ra.fpr == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(rb.fpr == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(expected_rates(d.y, p, d.group, -1).accuracy == doctest::Approx(0.75).epsilon(1e-15));
}

TEST_CASE("threshold: equalized odds ties go to the first grid point after rounding to 15 decimals") {
  // Balanced accuracy on EoData: ½·min TPR + ½·(1 − x) = ½(.5 + x) + ½(1 − x) = .75 all along
  // [0, .25], computed with different rounding at each x. Rounded to 15 decimals (as Fairlearn)
  // they tie, and the first, x = 0, wins: a at (0, .5) with [s > .75], b at (0, 1) with
  // [s > .45] and p_ignore = (1 − .5)/(1 − 0) = ½ of a coin that never says 1.
  const EoData d;
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  o.objective = ThresholdObjective::BalancedAccuracy;
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group, o);
  CHECK(r.x == 0);
  CHECK(r.y == 0.5);
  CHECK(r.objective == 0.75);
  const GroupThreshold& a = r.group("a");
  const GroupThreshold& b = r.group("b");
  CHECK(a.p0 == 1);
  CHECK(a.operation0.threshold == (0.8 + 0.7) / 2);
  CHECK(b.p0 == 1);
  CHECK(b.operation0.threshold == (0.5 + 0.4) / 2);
  CHECK(b.p_ignore == 0.5);
  CHECK(b.prediction_constant == 0);
  const std::vector<double> p = r.probability_of_one(d.score, d.group);
  const Rates ra = expected_rates(d.y, p, d.group, 0), rb = expected_rates(d.y, p, d.group, 1);
  CHECK(ra.tpr == 0.5);
  CHECK(rb.tpr == 0.5);
  CHECK(ra.fpr == 0);
  CHECK(rb.fpr == 0);
}

TEST_CASE("threshold: a group with constant scores has the diagonal as its ROC hull") {
  // c's scores are all .5, so its only rules are "none" and "all": hull (0,0)-(1,1), TPR = FPR.
  // Equalized odds pins every group to that diagonal, along which accuracy (5x + 7(1 − x))/12 is
  // linear (P = 5, N = 7 overall) and best at x = 0; balanced accuracy is ½ all along and the tie
  // goes to x = 0 too. There a is at (0, .5) with [s > .8] and must come down to TPR 0:
  // p_ignore = (.5 − 0)/(.5 − 0) = 1, a coin that never says 1. Everyone is predicted 0.
  const std::vector<double> s = {0.9, 0.7, 0.6, 0.3, 0.2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  const std::vector<double> y = {1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0};
  const datasets::SensitiveFeature g = feature({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, {"a", "c"});
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  for (ThresholdObjective objective : {ThresholdObjective::Accuracy, ThresholdObjective::BalancedAccuracy}) {
    o.objective = objective;
    const ThresholdResult r = fit_threshold_optimizer(s, y, g, o);
    REQUIRE(r.group("c").hull.size() == 2);
    check_vertex(r.group("c").hull[1], 1, 1, '>', -kInf);
    CHECK(r.x == 0);
    CHECK(r.y == 0);
    CHECK(r.group("a").p_ignore == 1);
    CHECK(r.group("c").p_ignore == 0);
    const std::vector<double> p = r.probability_of_one(s, g);
    CHECK(p == std::vector<double>(s.size(), 0.0));
    CHECK(ThresholdResult::from_json(r.to_json()).probability_of_one(s, g) == p);
  }
}

TEST_CASE("threshold: flip adds the rules s < t, which a reversed score needs") {
  // c ranks backwards: (.9,0) (.8,0) (.2,1) (.1,1); d is perfectly ranked: (.9,1) (.1,0).
  // Without flip c's accuracy is .5 at x = 0 and 1 and lower between: the hull is one segment,
  // and the best common selection rate reaches overall accuracy ⅔·.5 + ⅓·1 at x = .5.
  // With flip, "s < .5" selects exactly c's positives: the vertex (.5, 1); both groups then reach
  // accuracy 1 at x = .5. Of the equal end points (0,.5) [>inf] and [<-inf] the hull keeps the
  // first, of (1,.5) [<inf] and [>-inf] the last (Fairlearn's hull on its stably sorted points).
  const std::vector<double> s = {0.9, 0.8, 0.2, 0.1, 0.9, 0.1}, y = {0, 0, 1, 1, 1, 0};
  const datasets::SensitiveFeature g = feature({0, 0, 0, 0, 1, 1}, {"c", "d"});
  const ThresholdResult plain = fit_threshold_optimizer(s, y, g);
  CHECK(plain.group("c").hull.size() == 2);
  CHECK(plain.objective == doctest::Approx(2.0 / 3 * 0.5 + 1.0 / 3).epsilon(1e-15));
  ThresholdOptions o;
  o.flip = true;
  const ThresholdResult flipped = fit_threshold_optimizer(s, y, g, o);
  const GroupThreshold& c = flipped.group("c");
  REQUIRE(c.hull.size() == 3);
  check_vertex(c.hull[0], 0, 0.5, '>', kInf);
  check_vertex(c.hull[1], 0.5, 1, '<', (0.8 + 0.2) / 2);
  check_vertex(c.hull[2], 1, 0.5, '>', -kInf);
  CHECK(flipped.x == 0.5);
  CHECK(flipped.objective == 1);
  CHECK(flipped.probability_of_one(s, g) == std::vector<double>{0, 0, 1, 1, 1, 0});
}

TEST_CASE("threshold: JSON keeps everything, infinite thresholds included, and predicts the same") {
  const EoData d;
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  o.grid_size = 400;
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group, o);
  const nlohmann::json j = r.to_json();
  CHECK(j.at("options").at("constraint") == "equalized_odds");
  CHECK(j.at("groups").at(1).at("operation1").at("threshold") == "-inf");
  CHECK(j.at("groups").at(0).at("hull").at(0).at("threshold") == "inf");
  const ThresholdResult back = ThresholdResult::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.to_json() == j);
  CHECK(back.options.grid_size == 400);
  CHECK(back.probability_of_one(d.score, d.group) == r.probability_of_one(d.score, d.group));

  nlohmann::json bad = j;
  bad["groups"][0]["p0"] = 1.5;
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"p0 = 1.5 is not in [0, 1]"});
  bad = j;
  bad["groups"][0]["operation0"]["operator"] = ">=";
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"operator \">=\""});
  bad = j;
  bad["groups"][0]["operation0"]["threshold"] = "infinity";
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"threshold \"infinity\""});
  bad = j;
  bad["options"]["constraint"] = "equal_opportunity";
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"unknown constraint \"equal_opportunity\""});
  bad = j;
  bad["groups"].erase(0);
  bad["groups"].push_back(bad["groups"][0]);
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"group \"b\" appears twice"});
  bad = j;
  bad.erase("x");
  check_throws<ValueError>([&] { ThresholdResult::from_json(bad); }, {"threshold optimizer json", "x"});
  check_throws<ValueError>([&] { ThresholdResult::from_json(nlohmann::json::array()); }, {"not a threshold optimizer"});
}

TEST_CASE("threshold: a seeded draw repeats and follows the probabilities") {
  const EoData d;
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group, o);
  CHECK(r.predict(d.score, d.group, 7) == r.predict(d.score, d.group, 7));
  // b's row with s = .85 has P(1) = .75: over 4000 seeds, within 4 standard deviations.
  const datasets::SensitiveFeature one = feature({1});
  double ones = 0;
  for (uint64_t seed = 0; seed < 4000; ++seed) ones += r.predict({0.85}, one, seed)[0];
  CHECK(std::abs(ones / 4000 - 0.75) < 4 * std::sqrt(0.75 * 0.25 / 4000));
  // Rows whose P(1) is 0 or 1 never change.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::vector<double> drawn = r.predict(d.score, d.group, seed);
    CHECK(std::vector<double>(drawn.begin(), drawn.begin() + 8) == std::vector<double>{1, 1, 1, 1, 0, 0, 0, 0});
  }
}

TEST_CASE("threshold: bad input is one clear ValueError") {
  const DpData d;
  // A group whose rows have one label has no ROC (Fairlearn: "Degenerate labels").
  std::vector<double> y = d.y;
  y[5] = 0;  // b: .8 is its only positive now; make it negative too
  y[4] = 0;
  check_throws<ValueError>([&] { fit_threshold_optimizer(d.score, y, d.group); },
                           {"group \"b\" of \"grp\" has only label 0 (4 rows)", "needs both labels"});
  // Unknown group at predict time.
  const ThresholdResult r = fit_threshold_optimizer(d.score, d.y, d.group);
  check_throws<ValueError>([&] { r.probability_of_one({0.5}, feature({2}, {"a", "b", "z"})); },
                           {"group \"z\" of \"grp\" was not seen in fitting (fitted groups: \"a\", \"b\")"});
  // No labels, for either constraint.
  ThresholdOptions eo;
  eo.constraint = ThresholdConstraint::EqualizedOdds;
  check_throws<ValueError>([&] { fit_threshold_optimizer(d.score, {}, d.group, eo); },
                           {"no labels", "8 rows"});
  // NaN and infinite scores, at fit and at predict.
  std::vector<double> s = d.score;
  s[3] = std::nan("");
  check_throws<ValueError>([&] { fit_threshold_optimizer(s, d.y, d.group); }, {"score nan at row 3 is not finite"});
  s[3] = kInf;
  check_throws<ValueError>([&] { fit_threshold_optimizer(s, d.y, d.group); }, {"score inf at row 3 is not finite"});
  check_throws<ValueError>([&] { r.probability_of_one({0.1, std::nan("")}, feature({0, 1})); }, {"score NaN at row 1"});
  // One group with rows.
  check_throws<ValueError>([&] { fit_threshold_optimizer(d.score, d.y, feature({0, 0, 0, 0, 0, 0, 0, 0})); },
                           {"\"grp\" has 1 group with rows (\"a\")", "at least two"});
  // Sizes, labels, ids, options.
  check_throws<ValueError>([&] { fit_threshold_optimizer({0.5, 0.5}, {1}, d.group); }, {"2 scores but 1 labels"});
  check_throws<ValueError>([&] { fit_threshold_optimizer({0.5, 0.5}, {1, 0}, d.group); },
                           {"2 rows but the sensitive feature \"grp\" has 8"});
  y = d.y;
  y[2] = 2;
  check_throws<ValueError>([&] { fit_threshold_optimizer(d.score, y, d.group); },
                           {"labels must be 0 or 1, found 2 at row 2"});
  check_throws<ValueError>([&] { fit_threshold_optimizer({0.5}, {1}, feature({5})); },
                           {"row 0 has group id 5 but \"grp\" has 2 groups"});
  ThresholdOptions o;
  o.grid_size = 0;
  check_throws<ValueError>([&] { fit_threshold_optimizer(d.score, d.y, d.group, o); },
                           {"grid_size must be in [1, 10^8], got 0"});
  check_throws<ValueError>([] { parse_threshold_objective("f1"); }, {"unknown objective \"f1\"", "balanced_accuracy_score"});
  CHECK(parse_threshold_constraint("equalized_odds") == ThresholdConstraint::EqualizedOdds);
}
