// The comparison table (fairness/compare.h): its figures equal MetricFrame's on the expected
// predictions of a randomised classifier, intervals come from the stratified bootstrap, bad
// outcomes are clear errors.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "fairness/compare.h"
#include "fairness/metric_frame.h"
#include "fairness/named_metrics.h"
#include "fairness/randomized.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

MethodOutcome outcome(bool randomised) {
  MethodOutcome o;
  o.name = randomised ? "mixture" : "hard";
  std::vector<std::string> sex;
  for (int i = 0; i < 400; ++i) {
    o.y_true.push_back((i * 7) % 5 < 2 ? 1 : 0);
    // Group F is selected less often: a clear gap, so its bootstrap interval brackets the value.
    const double p = 0.5 + 0.45 * std::sin(0.37 * i) + (i % 4 == 0 ? -0.3 : 0);
    o.p_one.push_back(randomised ? std::clamp(p, 0.0, 1.0) : (p > 0.5 ? 1.0 : 0.0));
    sex.push_back(i % 4 == 0 ? "F" : "M");
  }
  o.groups = make_groups({sex}, {"sex"});
  o.fit_seconds = 1.5;
  return o;
}

}  // namespace

TEST_CASE("compare: figures equal MetricFrame's on the expected predictions, hard or randomised") {
  for (bool randomised : {false, true}) {
    CAPTURE(randomised);
    const MethodOutcome o = outcome(randomised);
    // MetricFrame on the doubled rows of expected_predictions: row i becomes rows 2i and 2i + 1.
    std::vector<size_t> doubled;
    for (size_t i = 0; i < o.y_true.size(); ++i) doubled.insert(doubled.end(), {i, i});
    const MetricFrame frame(expected_predictions(o.y_true, o.p_one), take_rows(o.groups, doubled));
    BootstrapOptions b;
    b.replicates = 0;
    const ComparisonRow row = compare_methods({o}, b).at(0);
    CHECK(row.accuracy.value == doctest::Approx(frame.overall(Metric::Accuracy)).epsilon(1e-12));
    CHECK(row.balanced_accuracy.value == doctest::Approx(frame.overall(Metric::BalancedAccuracy)).epsilon(1e-12));
    CHECK(row.dpd.value == doctest::Approx(demographic_parity_difference(frame)).epsilon(1e-12));
    CHECK(row.eod.value == doctest::Approx(equalized_odds_difference(frame)).epsilon(1e-12));
    CHECK(row.dpd.value > 0.01);
    CHECK(std::isnan(row.dpd.interval.low));
    CHECK(row.fit_seconds == 1.5);
  }
}

TEST_CASE("compare: bootstrap intervals surround the value and repeat for a seed") {
  BootstrapOptions b;
  b.replicates = 200;
  b.seed = 4;
  const std::vector<ComparisonRow> a = compare_methods({outcome(true), outcome(false)}, b),
                                   again = compare_methods({outcome(true), outcome(false)}, b);
  REQUIRE(a.size() == 2);
  CHECK(a[0].name == "mixture");
  for (const ComparisonRow& r : a) {
    for (const Estimate* e : {&r.accuracy, &r.balanced_accuracy, &r.dpd, &r.eod}) {
      CHECK(e->interval.low <= e->value);
      CHECK(e->value <= e->interval.high);
    }
  }
  CHECK(to_json(a) == to_json(again));
  CHECK(to_json(a)[0]["demographic_parity_difference"]["ci_low"].get<double>() == a[0].dpd.interval.low);
  const std::string table = format_table(a);
  CHECK(table.find("mixture") != std::string::npos);
  CHECK(table.find("1.50") != std::string::npos);
}

TEST_CASE("compare: bad outcomes are one clear error") {
  BootstrapOptions b;
  b.replicates = 0;
  MethodOutcome o = outcome(true);
  o.p_one[3] = 1.5;
  check_throws<ValueError>([&] { compare_methods({o}, b); }, {"\"mixture\"", "1.5 at row 3"});
  o = outcome(true);
  o.p_one.pop_back();
  check_throws<ValueError>([&] { compare_methods({o}, b); }, {"400 labels, 399 probabilities"});
  o = outcome(true);
  o.groups = make_groups({std::vector<std::string>(400, "F")}, {"sex"});
  check_throws<ValueError>([&] { compare_methods({o}, b); }, {"1 group of \"sex\"", "needs two"});
}
