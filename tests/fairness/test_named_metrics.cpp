// Fairlearn's and AIF360's named metrics and the bias AUCs, against hand-worked values on the
// datasets of fixtures.h.
#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "fairness/bias_auc.h"
#include "fairness/named_metrics.h"
#include "tests/fairness/fixtures.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;

namespace {
double approx_eq(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }
#define CHECK_NEAR(actual, expected) CHECK_MESSAGE(approx_eq((actual), (expected)), (actual) << " != " << (expected))

MetricFrame frame_a() {
  testdata::DatasetA d;
  return MetricFrame(d.y_true, d.y_pred, {d.group}, d.score, {}, {"grp"});
}
}  // namespace

TEST_CASE("named metrics: Fairlearn's, between groups and to overall") {
  MetricFrame f = frame_a();
  // SR a 1/2, b 3/4, c 1/2 (overall 3/5); TPR a 1/2, b 2/3, c NaN (3/5); FPR a 1/2, b 1, c 1/2 (3/5).
  CHECK_NEAR(demographic_parity_difference(f), 1.0 / 4);
  CHECK_NEAR(demographic_parity_ratio(f), 2.0 / 3);
  CHECK_NEAR(equal_opportunity_difference(f), 1.0 / 6);
  CHECK_NEAR(equal_opportunity_ratio(f), 3.0 / 4);
  // TPR difference 1/6, FPR difference 1/2: worst case 1/2, mean 1/3.
  CHECK_NEAR(equalized_odds_difference(f), 1.0 / 2);
  CHECK_NEAR(equalized_odds_difference(f, Method::BetweenGroups, Agg::Mean), 1.0 / 3);
  // TPR ratio 3/4, FPR ratio 1/2: worst case 1/2, mean 5/8.
  CHECK_NEAR(equalized_odds_ratio(f), 1.0 / 2);
  CHECK_NEAR(equalized_odds_ratio(f, Method::BetweenGroups, Agg::Mean), 5.0 / 8);
  // to_overall: SR 3/20 and 4/5; TPR 1/10 and 5/6; FPR 2/5 and 3/5.
  CHECK_NEAR(demographic_parity_difference(f, Method::ToOverall), 3.0 / 20);
  CHECK_NEAR(demographic_parity_ratio(f, Method::ToOverall), 4.0 / 5);
  CHECK_NEAR(equal_opportunity_difference(f, Method::ToOverall), 1.0 / 10);
  CHECK_NEAR(equal_opportunity_ratio(f, Method::ToOverall), 5.0 / 6);
  CHECK_NEAR(equalized_odds_difference(f, Method::ToOverall), 2.0 / 5);
  CHECK_NEAR(equalized_odds_difference(f, Method::ToOverall, Agg::Mean), 1.0 / 4);  // (1/10 + 2/5)/2
  CHECK_NEAR(equalized_odds_ratio(f, Method::ToOverall), 3.0 / 5);
  CHECK_NEAR(equalized_odds_ratio(f, Method::ToOverall, Agg::Mean), 43.0 / 60);  // (5/6 + 3/5)/2
}

TEST_CASE("named metrics: Fairlearn's on intersectional weighted groups") {
  testdata::DatasetB d;
  MetricFrame f(d.y_true, d.y_pred, {d.sex, d.race}, {}, d.weight, {"sex", "race"});
  // Groups F|X, F|Y (empty), M|X, M|Y. SR 3/4, -, 1/4, 3/4; TPR 1, -, 1/4, 1; FPR 1/2, -, -, 2/3.
  CHECK_NEAR(demographic_parity_difference(f), 1.0 / 2);
  CHECK_NEAR(demographic_parity_ratio(f), 1.0 / 3);
  CHECK_NEAR(equal_opportunity_difference(f), 3.0 / 4);
  CHECK_NEAR(equal_opportunity_ratio(f), 1.0 / 4);
  CHECK_NEAR(equalized_odds_difference(f), 3.0 / 4);                                 // max(3/4, 1/6)
  CHECK_NEAR(equalized_odds_difference(f, Method::BetweenGroups, Agg::Mean), 11.0 / 24);  // (3/4 + 1/6)/2
  CHECK_NEAR(equalized_odds_ratio(f), 1.0 / 4);                                      // min(1/4, 3/4)
  CHECK_NEAR(equalized_odds_ratio(f, Method::BetweenGroups, Agg::Mean), 1.0 / 2);
}

TEST_CASE("named metrics: equalized odds when one part is undefined") {
  // No negatives at all: every FPR is NaN. TPR u = 1/2, v = 1: difference 1/2, ratio 1/2.
  MetricFrame f({1, 1, 1, 1}, {1, 0, 1, 1}, {{"u", "u", "v", "v"}});
  CHECK(std::isnan(equalized_odds_difference(f)));  // worst case unknown
  CHECK(std::isnan(equalized_odds_ratio(f)));
  CHECK_NEAR(equalized_odds_difference(f, Method::BetweenGroups, Agg::Mean), 0.5);  // NaN part skipped
  CHECK_NEAR(equalized_odds_ratio(f, Method::BetweenGroups, Agg::Mean), 0.5);
}

TEST_CASE("named metrics: AIF360's signed metrics, unprivileged minus privileged") {
  MetricFrame f = frame_a();
  // Privileged b (TP 2, FN 1, FP 1, TN 0); unprivileged a + c (TP 1, FN 1, FP 2, TN 2).
  // SR_u = 3/6, SR_p = 3/4; TPR_u = 1/2, TPR_p = 2/3; FPR_u = 2/4, FPR_p = 1.
  size_t b = *f.groups().find("b");
  CHECK_NEAR(aif360::statistical_parity_difference(f, b), -1.0 / 4);
  CHECK_NEAR(aif360::disparate_impact(f, b), 2.0 / 3);
  CHECK_NEAR(aif360::equal_opportunity_difference(f, b), -1.0 / 6);
  CHECK_NEAR(aif360::average_odds_difference(f, b), -1.0 / 3);     // ½(-1/2 - 1/6)
  CHECK_NEAR(aif360::average_abs_odds_difference(f, b), 1.0 / 3);  // ½(1/2 + 1/6)
  // Privileged a (1,1,1,1); unprivileged b + c (TP 2, FN 1, FP 2, TN 1): the signs flip.
  // SR_u = 4/6, SR_p = 1/2; TPR_u = 2/3, TPR_p = 1/2; FPR_u = 2/3, FPR_p = 1/2.
  size_t a = *f.groups().find("a");
  CHECK_NEAR(aif360::statistical_parity_difference(f, a), 1.0 / 6);
  CHECK_NEAR(aif360::disparate_impact(f, a), 4.0 / 3);
  CHECK_NEAR(aif360::equal_opportunity_difference(f, a), 1.0 / 6);
  CHECK_NEAR(aif360::average_odds_difference(f, a), 1.0 / 6);
  CHECK_NEAR(aif360::average_abs_odds_difference(f, a), 1.0 / 6);
  testing::check_throws<IndexError>([&] { aif360::split(f, 3); }, {"privileged group 3", "3 groups"});
}

TEST_CASE("named metrics: AIF360's with weights, and undefined cases warn") {
  testdata::DatasetB d;
  MetricFrame f(d.y_true, d.y_pred, {d.sex}, {}, d.weight, {"sex"});
  // Privileged M (rows 4-8): TP 1+1, FN 3, FP 2, TN 1, W 8: SR 4/8, TPR 2/5, FPR 2/3.
  // Unprivileged F: SR 3/4, TPR 1, FPR 1/2.
  size_t m = *f.groups().find("M");
  CHECK_NEAR(aif360::statistical_parity_difference(f, m), 1.0 / 4);
  CHECK_NEAR(aif360::disparate_impact(f, m), 3.0 / 2);
  CHECK_NEAR(aif360::equal_opportunity_difference(f, m), 3.0 / 5);
  CHECK_NEAR(aif360::average_odds_difference(f, m), 13.0 / 60);      // ½(-1/6 + 3/5)
  CHECK_NEAR(aif360::average_abs_odds_difference(f, m), 23.0 / 60);  // ½(1/6 + 3/5)

  // The privileged group selects nobody: SR_p = 0 < SR_u = 1/2 gives +inf, with a warning; the
  // other way round DI is 0/(1/2) = 0.
  MetricFrame z({1, 0, 1, 0}, {1, 0, 0, 0}, {{"u", "u", "p", "p"}});
  size_t p = *z.groups().find("p"), u = *z.groups().find("u");
  std::vector<std::string> warnings;
  CHECK(aif360::disparate_impact(z, p, &warnings) == std::numeric_limits<double>::infinity());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("+inf") != std::string::npos);
  CHECK(warnings[0].find("privileged group \"p\"") != std::string::npos);
  warnings.clear();
  CHECK(aif360::disparate_impact(z, u, &warnings) == 0.0);
  CHECK(warnings.empty());
  // The privileged group has no positives: its TPR, and so the equal opportunity difference, is NaN.
  MetricFrame n({0, 0, 1, 0}, {1, 0, 1, 0}, {{"p", "p", "u", "u"}});
  warnings.clear();
  CHECK(std::isnan(aif360::equal_opportunity_difference(n, 0, &warnings)));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("privileged group \"p\" has an undefined tpr") != std::string::npos);
}

TEST_CASE("named metrics: Theil and generalised entropy indices by hand") {
  testdata::DatasetA d;
  // b = ŷ - y + 1 = 1 0 2 1 | 1 1 0 2 | 1 2: five 1s, three 2s, two 0s; n = 10, μ = 11/10.
  // Theil = (1/10)[5 (10/11) ln(10/11) + 3 (20/11) ln(20/11)] (the 0s count 0).
  double theil = (5 * (10.0 / 11) * std::log(10.0 / 11) + 3 * (20.0 / 11) * std::log(20.0 / 11)) / 10;
  CHECK_NEAR(aif360::theil_index(d.y_true, d.y_pred), theil);
  CHECK_NEAR(aif360::generalized_entropy_index(d.y_true, d.y_pred, 1), theil);
  // GE(2) = 1/(10·2) [2(0-1) + 5((10/11)^2-1) + 3((20/11)^2-1)] = (1/20)(490/121) = 49/242
  // (= half the squared coefficient of variation: ½ · 0.49 / 1.21).
  CHECK_NEAR(aif360::generalized_entropy_index(d.y_true, d.y_pred), 49.0 / 242);
  // GE(3) = 1/(10·6) [-2 + 5((10/11)^3-1) + 3((20/11)^3-1)] = (1/60)(15690/1331) = 523/2662.
  CHECK_NEAR(aif360::generalized_entropy_index(d.y_true, d.y_pred, 3), 523.0 / 2662);
  // α = 0: the mean log deviation, infinite with a zero benefit; finite without one:
  // b = 1, 2 -> μ = 3/2: -(ln(2/3) + ln(4/3))/2.
  CHECK(std::isinf(aif360::generalized_entropy_index(d.y_true, d.y_pred, 0)));
  CHECK_NEAR(aif360::generalized_entropy_index({0, 0}, {0, 1}, 0), -(std::log(2.0 / 3) + std::log(4.0 / 3)) / 2);
  // Perfect predictions: every b = 1, no inequality.
  CHECK(aif360::theil_index({1, 0, 1}, {1, 0, 1}) == 0.0);
  // Every row a false negative: μ = 0, undefined.
  CHECK(std::isnan(aif360::theil_index({1, 1}, {0, 0})));
  CHECK(std::isnan(aif360::theil_index({}, {})));
}

TEST_CASE("named metrics: bias AUCs by hand") {
  MetricFrame f = frame_a();
  std::vector<std::string> warnings;
  std::vector<BiasAuc> aucs = bias_aucs(f, &warnings);
  REQUIRE(aucs.size() == 3);
  // a: subgroup 3/4. BPSN: background positives .8 .7 .3 against a's negatives .6 .2: 5 of 6 pairs.
  // BNSP: a's positives .9 .4 against background negatives .55 .1 .65: .9 wins 3, .4 wins 1: 4/6.
  CHECK_NEAR(aucs[0].subgroup, 3.0 / 4);
  CHECK_NEAR(aucs[0].bpsn, 5.0 / 6);
  CHECK_NEAR(aucs[0].bnsp, 2.0 / 3);
  // b: subgroup 2/3. BPSN: .9 .4 against .55: 1/2. BNSP: .8 .7 .3 against .6 .2 .1 .65: 4+4+2 of 12.
  CHECK_NEAR(aucs[1].subgroup, 2.0 / 3);
  CHECK_NEAR(aucs[1].bpsn, 1.0 / 2);
  CHECK_NEAR(aucs[1].bnsp, 5.0 / 6);
  // c has no positives: subgroup and BNSP are undefined. BPSN: .9 .4 .8 .7 .3 against .1 .65: 8/10.
  CHECK(std::isnan(aucs[2].subgroup));
  CHECK_NEAR(aucs[2].bpsn, 4.0 / 5);
  CHECK(std::isnan(aucs[2].bnsp));
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].find("group \"c\": subgroup_auc is NaN") != std::string::npos);
  CHECK(warnings[1].find("group \"c\": bnsp_auc is NaN") != std::string::npos);

  MetricFrame no_score({1, 0}, {1, 0}, {{"u", "v"}});
  testing::check_throws<ValueError>([&] { bias_aucs(no_score); }, {"need scores"});
}
