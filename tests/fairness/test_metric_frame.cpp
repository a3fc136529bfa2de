// MetricFrame against numbers worked by hand from the definitions (fairness/base_metrics.h and
// Fairlearn's MetricFrame aggregations); see fixtures.h for the datasets.
#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "fairness/metric_frame.h"
#include "tests/fairness/fixtures.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using doctest::Approx;

namespace {
double approx_eq(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }
#define CHECK_NEAR(actual, expected) CHECK_MESSAGE(approx_eq((actual), (expected)), (actual) << " != " << (expected))

bool has_warning(const MetricFrame& f, const std::string& a, const std::string& b) {
  for (const std::string& w : f.warnings()) {
    if (w.find(a) != std::string::npos && w.find(b) != std::string::npos) return true;
  }
  return false;
}

MetricFrame frame_a() {
  testdata::DatasetA d;
  return MetricFrame(d.y_true, d.y_pred, {d.group}, d.score, {}, {"grp"});
}
}  // namespace

TEST_CASE("metric frame: per-group label metrics on three groups") {
  MetricFrame f = frame_a();
  REQUIRE(f.size() == 3);
  CHECK(f.groups().labels == std::vector<std::string>{"a", "b", "c"});
  // group a: TP=1 FN=1 FP=1 TN=1, every rate 1/2.
  for (Metric m : {Metric::SelectionRate, Metric::Accuracy, Metric::BalancedAccuracy, Metric::Tpr, Metric::Fpr,
                   Metric::Tnr, Metric::Fnr, Metric::Precision, Metric::Npv}) {
    CHECK_NEAR(f.by_group(m, 0), 0.5);
  }
  CHECK(f.by_group(Metric::Count, 0) == 4);
  // group b: TP=2 FN=1 FP=1 TN=0. SR 3/4, acc 2/4, TPR 2/3, FNR 1/3, FPR 1/1, TNR 0,
  // balanced (2/3 + 0)/2 = 1/3, PPV 2/3, NPV 0/(0+1) = 0.
  CHECK_NEAR(f.by_group(Metric::SelectionRate, 1), 3.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Accuracy, 1), 1.0 / 2);
  CHECK_NEAR(f.by_group(Metric::Tpr, 1), 2.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Fnr, 1), 1.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Fpr, 1), 1.0);
  CHECK_NEAR(f.by_group(Metric::Tnr, 1), 0.0);
  CHECK_NEAR(f.by_group(Metric::BalancedAccuracy, 1), 1.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Precision, 1), 2.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Npv, 1), 0.0);
  // group c: TP=0 FN=0 FP=1 TN=1: TPR, FNR and balanced accuracy are 0/0; PPV 0/1, NPV 1/1.
  CHECK(f.by_group(Metric::Count, 2) == 2);
  CHECK_NEAR(f.by_group(Metric::SelectionRate, 2), 0.5);
  CHECK_NEAR(f.by_group(Metric::Fpr, 2), 0.5);
  CHECK(std::isnan(f.by_group(Metric::Tpr, 2)));
  CHECK(std::isnan(f.by_group(Metric::Fnr, 2)));
  CHECK(std::isnan(f.by_group(Metric::BalancedAccuracy, 2)));
  CHECK_NEAR(f.by_group(Metric::Precision, 2), 0.0);
  CHECK_NEAR(f.by_group(Metric::Npv, 2), 1.0);
  // overall: TP=3 FN=2 FP=3 TN=2: SR 6/10, acc 5/10, TPR 3/5, FPR 3/5, PPV 3/6, NPV 2/4.
  CHECK(f.overall(Metric::Count) == 10);
  CHECK_NEAR(f.overall(Metric::SelectionRate), 3.0 / 5);
  CHECK_NEAR(f.overall(Metric::Accuracy), 1.0 / 2);
  CHECK_NEAR(f.overall(Metric::Tpr), 3.0 / 5);
  CHECK_NEAR(f.overall(Metric::Fpr), 3.0 / 5);
  CHECK_NEAR(f.overall(Metric::BalancedAccuracy), 1.0 / 2);
  CHECK_NEAR(f.overall(Metric::Precision), 1.0 / 2);
  CHECK_NEAR(f.overall(Metric::Npv), 1.0 / 2);
}

TEST_CASE("metric frame: per-group score metrics") {
  MetricFrame f = frame_a();
  // a: scores .9 .4 (y=1), .6 .2 (y=0). mean (.9+.4+.6+.2)/4 = .525; AUC: .9 beats both, .4 beats
  // .2 only: 3/4; Brier (.01+.36+.36+.04)/4 = .1925; every score alone in its bin, so
  // ECE = (.1+.6+.6+.2)/4 = .375; log loss -(ln .9 + ln .4 + ln .4 + ln .8)/4.
  CHECK_NEAR(f.by_group(Metric::MeanScore, 0), 0.525);
  CHECK_NEAR(f.by_group(Metric::RocAuc, 0), 0.75);
  CHECK_NEAR(f.by_group(Metric::Brier, 0), 0.1925);
  CHECK_NEAR(f.by_group(Metric::CalibrationError, 0), 0.375);
  CHECK_NEAR(f.by_group(Metric::LogLoss, 0), -(std::log(0.9) + 2 * std::log(0.4) + std::log(0.8)) / 4);
  // b: .8 .7 .3 (y=1), .55 (y=0). mean 2.35/4; AUC 2/3; Brier (.04+.09+.49+.3025)/4 = .230625;
  // ECE (.2+.3+.7+.55)/4 = .4375; log loss -(ln .8 + ln .7 + ln .3 + ln .45)/4.
  CHECK_NEAR(f.by_group(Metric::MeanScore, 1), 2.35 / 4);
  CHECK_NEAR(f.by_group(Metric::RocAuc, 1), 2.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Brier, 1), 0.230625);
  CHECK_NEAR(f.by_group(Metric::CalibrationError, 1), 0.4375);
  CHECK_NEAR(f.by_group(Metric::LogLoss, 1), -(std::log(0.8) + std::log(0.7) + std::log(0.3) + std::log(0.45)) / 4);
  // c: negatives only: AUC undefined; mean .75/2; Brier (.01+.4225)/2; ECE (.1+.65)/2.
  CHECK(std::isnan(f.by_group(Metric::RocAuc, 2)));
  CHECK_NEAR(f.by_group(Metric::MeanScore, 2), 0.375);
  CHECK_NEAR(f.by_group(Metric::Brier, 2), 0.21625);
  CHECK_NEAR(f.by_group(Metric::CalibrationError, 2), 0.375);
  // overall: positives .9 .8 .7 beat all 5 negatives, .4 and .3 beat .2 and .1: 19/25.
  // Brier (.77+.9225+.4325)/10 = .2125; mean 5.2/10. ECE: .6 and .65 (both y=0) share bin 6:
  // |0 - 1.25| = 1.25; the others alone: .1+.6+.2+.2+.3+.7+.55+.1 = 2.75; (1.25+2.75)/10 = .4.
  CHECK_NEAR(f.overall(Metric::RocAuc), 19.0 / 25);
  CHECK_NEAR(f.overall(Metric::Brier), 0.2125);
  CHECK_NEAR(f.overall(Metric::MeanScore), 0.52);
  CHECK_NEAR(f.overall(Metric::CalibrationError), 0.4);
}

TEST_CASE("metric frame: Fairlearn's aggregations, NaN groups left out") {
  MetricFrame f = frame_a();
  // selection rate: a 1/2, b 3/4, c 1/2, overall 3/5.
  CHECK_NEAR(f.group_min(Metric::SelectionRate), 0.5);
  CHECK_NEAR(f.group_max(Metric::SelectionRate), 0.75);
  CHECK_NEAR(f.difference(Metric::SelectionRate), 0.25);
  CHECK_NEAR(f.ratio(Metric::SelectionRate), 2.0 / 3);
  // to_overall: |1/2 - 3/5| = 1/10, |3/4 - 3/5| = 3/20 -> 3/20; ratios 5/6, (3/4)/(3/5) = 5/4 -> 4/5.
  CHECK_NEAR(f.difference(Metric::SelectionRate, Method::ToOverall), 3.0 / 20);
  CHECK_NEAR(f.ratio(Metric::SelectionRate, Method::ToOverall), 4.0 / 5);
  // tpr: a 1/2, b 2/3, c NaN (skipped), overall 3/5.
  CHECK_NEAR(f.difference(Metric::Tpr), 1.0 / 6);
  CHECK_NEAR(f.ratio(Metric::Tpr), 3.0 / 4);
  CHECK_NEAR(f.difference(Metric::Tpr, Method::ToOverall), 1.0 / 10);  // max(1/10, 1/15)
  CHECK_NEAR(f.ratio(Metric::Tpr, Method::ToOverall), 5.0 / 6);        // min(5/6, 9/10)
  // fpr: a 1/2, b 1, c 1/2, overall 3/5: to_overall max(1/10, 2/5, 1/10), min(5/6, 3/5, 5/6).
  CHECK_NEAR(f.difference(Metric::Fpr), 0.5);
  CHECK_NEAR(f.ratio(Metric::Fpr), 0.5);
  CHECK_NEAR(f.difference(Metric::Fpr, Method::ToOverall), 2.0 / 5);
  CHECK_NEAR(f.ratio(Metric::Fpr, Method::ToOverall), 3.0 / 5);
  // roc_auc: a 3/4, b 2/3, c NaN; overall 19/25: |3/4 - 19/25| = 1/100, |2/3 - 19/25| = 7/75.
  CHECK_NEAR(f.difference(Metric::RocAuc), 1.0 / 12);
  CHECK_NEAR(f.ratio(Metric::RocAuc), 8.0 / 9);
  CHECK_NEAR(f.difference(Metric::RocAuc, Method::ToOverall), 7.0 / 75);
}

TEST_CASE("metric frame: NaN for undefined rates comes with a warning naming group, metric and reason") {
  MetricFrame f = frame_a();
  CHECK(has_warning(f, "group \"c\"", "tpr is NaN (0/0: no rows with y_true = 1)"));
  CHECK(has_warning(f, "group \"c\"", "fnr is NaN"));
  CHECK(has_warning(f, "group \"c\"", "balanced_accuracy is NaN"));
  CHECK(has_warning(f, "group \"c\"", "roc_auc is NaN (one class only"));
  CHECK(f.warnings().size() == 4);

  // No predicted positives in a group: precision is 0/0 (scikit-learn would say 0).
  MetricFrame p({1, 0, 1, 0}, {0, 0, 1, 0}, {{"u", "u", "v", "v"}});
  CHECK(std::isnan(p.by_group(Metric::Precision, 0)));
  CHECK(has_warning(p, "group \"u\"", "precision is NaN (0/0: no rows with y_pred = 1)"));
  // No score given: the score metrics are NaN and not warned about.
  CHECK(std::isnan(p.overall(Metric::RocAuc)));
  for (const std::string& w : p.warnings()) CHECK(w.find("roc_auc") == std::string::npos);

  // A group whose weights are all 0.
  MetricFrame z({1, 0, 1, 0}, {1, 0, 1, 1}, {{"u", "u", "v", "v"}}, {}, {0, 0, 1, 1});
  CHECK(z.by_group(Metric::Count, 0) == 2);
  CHECK(std::isnan(z.by_group(Metric::SelectionRate, 0)));
  CHECK(has_warning(z, "group \"u\"", "selection_rate is NaN (the weights sum to 0)"));
  CHECK_NEAR(z.by_group(Metric::SelectionRate, 1), 1.0);
  // Every group NaN: the aggregation is NaN too.
  MetricFrame n({0, 0, 0}, {1, 0, 1}, {{"u", "v", "v"}});
  CHECK(std::isnan(n.difference(Metric::Tpr)));
  CHECK(std::isnan(n.ratio(Metric::Tpr, Method::ToOverall)));
  // Max 0: ratio between groups is 0/0 = NaN; to_overall with overall 0 likewise.
  MetricFrame s({0, 1, 0, 1}, {0, 0, 0, 0}, {{"u", "u", "v", "v"}});
  CHECK(s.difference(Metric::SelectionRate) == 0.0);
  CHECK(std::isnan(s.ratio(Metric::SelectionRate)));
  CHECK(std::isnan(s.ratio(Metric::SelectionRate, Method::ToOverall)));
}

TEST_CASE("metric frame: intersectional groups with weights and an empty intersection") {
  testdata::DatasetB d;
  MetricFrame f(d.y_true, d.y_pred, {d.sex, d.race}, {}, d.weight, {"sex", "race"});
  REQUIRE(f.groups().labels == std::vector<std::string>{"F|X", "F|Y", "M|X", "M|Y"});
  CHECK(f.by_group(Metric::Count) == std::vector<double>{3, 0, 2, 3});
  // F|X (W=4): SR (2+1)/4, acc (2+1)/4, TPR 2/2, FPR 1/2, PPV 2/3, NPV 1/1, balanced (1+1/2)/2.
  CHECK_NEAR(f.by_group(Metric::SelectionRate, 0), 3.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Accuracy, 0), 3.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Tpr, 0), 1.0);
  CHECK_NEAR(f.by_group(Metric::Fpr, 0), 1.0 / 2);
  CHECK_NEAR(f.by_group(Metric::Precision, 0), 2.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Npv, 0), 1.0);
  CHECK_NEAR(f.by_group(Metric::BalancedAccuracy, 0), 3.0 / 4);
  // F|Y: no rows; every metric but count NaN, and one warning.
  for (Metric m : all_metrics()) {
    if (m != Metric::Count) CHECK(std::isnan(f.by_group(m, 1)));
  }
  CHECK(has_warning(f, "group \"F|Y\"", "no rows"));
  // M|X (W=4): FN weight 3, TP weight 1: SR 1/4, TPR 1/4, NPV 0/3, FPR undefined.
  CHECK_NEAR(f.by_group(Metric::SelectionRate, 2), 1.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Tpr, 2), 1.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Npv, 2), 0.0);
  CHECK(std::isnan(f.by_group(Metric::Fpr, 2)));
  CHECK(has_warning(f, "group \"M|X\"", "fpr is NaN (0/0: no rows with y_true = 0)"));
  // M|Y (W=4): FP 2, TP 1, TN 1: SR 3/4, acc 2/4, TPR 1, FPR 2/3, PPV 1/3, balanced (1+1/3)/2.
  CHECK_NEAR(f.by_group(Metric::SelectionRate, 3), 3.0 / 4);
  CHECK_NEAR(f.by_group(Metric::Accuracy, 3), 1.0 / 2);
  CHECK_NEAR(f.by_group(Metric::Fpr, 3), 2.0 / 3);
  CHECK_NEAR(f.by_group(Metric::Precision, 3), 1.0 / 3);
  CHECK_NEAR(f.by_group(Metric::BalancedAccuracy, 3), 2.0 / 3);
  // overall (W=12): TP 4, FN 3, FP 3, TN 2: SR 7/12, TPR 4/7, FPR 3/5.
  CHECK_NEAR(f.overall(Metric::SelectionRate), 7.0 / 12);
  CHECK_NEAR(f.overall(Metric::Tpr), 4.0 / 7);
  CHECK_NEAR(f.overall(Metric::Fpr), 3.0 / 5);
  // Aggregations skip F|Y: SR 3/4, 1/4, 3/4 -> difference 1/2, ratio 1/3; to_overall
  // max(|3/4-7/12|, |1/4-7/12|) = 1/3 and min((7/12)/(3/4), (1/4)/(7/12)) = min(7/9, 3/7) = 3/7.
  CHECK_NEAR(f.difference(Metric::SelectionRate), 1.0 / 2);
  CHECK_NEAR(f.ratio(Metric::SelectionRate), 1.0 / 3);
  CHECK_NEAR(f.difference(Metric::SelectionRate, Method::ToOverall), 1.0 / 3);
  CHECK_NEAR(f.ratio(Metric::SelectionRate, Method::ToOverall), 3.0 / 7);

  // The same rows unweighted differ: F|X SR 2/3, M|X SR 1/2.
  MetricFrame u(d.y_true, d.y_pred, {d.sex, d.race}, {}, {}, {"sex", "race"});
  CHECK_NEAR(u.by_group(Metric::SelectionRate, 0), 2.0 / 3);
  CHECK_NEAR(u.by_group(Metric::SelectionRate, 2), 1.0 / 2);
}

TEST_CASE("metric frame: expected calibration error with shared bins and weights") {
  // y = 1, 0, 1 with s = .12, .18, .95: bin 1 holds .12 and .18: |1 - .30| = .7; bin 9: |1 - .95|.
  CHECK_NEAR(expected_calibration_error({1, 0, 1}, {0.12, 0.18, 0.95}), 0.75 / 3);
  // Weights 2, 1, 1: bin 1: |2 - (.24 + .18)| = 1.58; bin 9: .05; W = 4.
  CHECK_NEAR(expected_calibration_error({1, 0, 1}, {0.12, 0.18, 0.95}, {2, 1, 1}), 1.63 / 4);
  // A score of exactly 1 falls in the last bin.
  CHECK_NEAR(expected_calibration_error({0}, {1.0}), 1.0);
  CHECK_NEAR(expected_calibration_error({1, 0}, {0.05, 0.05}, {}, 1), 0.45);  // one bin: |1 - .1| / 2
}

TEST_CASE("metric frame: bad input throws ValueError naming the row and value") {
  testing::check_throws<ValueError>([] { MetricFrame({1, 2}, {0, 1}, {{"a", "b"}}); }, {"y_true", "found 2", "row 1"});
  testing::check_throws<ValueError>([] { MetricFrame({1, 0}, {0, 0.5}, {{"a", "b"}}); }, {"y_pred", "0.5", "row 1"});
  testing::check_throws<ValueError>([] { MetricFrame({1, 0}, {0, 1}, {{"a", "b"}}, {0.2, 1.5}); }, {"[0, 1]", "1.5"});
  testing::check_throws<ValueError>([] { MetricFrame({1, 0}, {0, 1}, {{"a", "b"}}, {}, {1, -1}); }, {"weight", "-1"});
  testing::check_throws<ValueError>([] { MetricFrame({1, 0}, {0}, {{"a", "b"}}); }, {"2 labels, 1 predictions"});
  testing::check_throws<ValueError>([] { MetricFrame({1, 0}, {0, 1}, {{"a"}}); }, {"2 rows of predictions but 1"});
}
