// The audit JSON: its keys and values on the hand-worked datasets, and its errors.
#include <cmath>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "fairness/report.h"
#include "fairness/report_text.h"
#include "tests/fairness/fixtures.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using nlohmann::json;

namespace {
double approx_eq(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }
#define CHECK_NEAR(actual, expected) CHECK_MESSAGE(approx_eq((actual), (expected)), (actual) << " != " << (expected))

AuditInput input_a() {
  testdata::DatasetA d;
  return AuditInput{d.y_true, d.y_pred, d.score, {}, {"grp"}, {d.group}};
}

bool contains(const json& warnings, const std::string& a, const std::string& b) {
  for (const auto& w : warnings) {
    std::string s = w.get<std::string>();
    if (s.find(a) != std::string::npos && s.find(b) != std::string::npos) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("report: audit JSON of one feature with scores, a privileged group and intervals") {
  AuditOptions options;
  options.privileged = {"b"};
  options.bootstrap.replicates = 200;
  options.bootstrap.seed = 5;
  json r = audit_json(input_a(), options);
  CHECK(r["rows"] == 10);
  CHECK(r["has_score"] == true);
  CHECK(r["weighted"] == false);
  CHECK(r["bootstrap"]["replicates"] == 200);
  CHECK(r["features"] == json::array({"grp"}));
  const json& s = r["sensitive_features"]["grp"];
  CHECK(s["groups"] == json::array({"a", "b", "c"}));
  CHECK(s["by_group"]["a"]["count"] == 4);
  CHECK_NEAR(s["by_group"]["b"]["selection_rate"].get<double>(), 3.0 / 4);
  CHECK_NEAR(s["by_group"]["a"]["roc_auc"].get<double>(), 3.0 / 4);
  CHECK(s["by_group"]["c"]["tpr"].is_null());  // NaN is written as null
  CHECK_NEAR(s["overall"]["selection_rate"].get<double>(), 3.0 / 5);
  CHECK_NEAR(s["aggregates"]["selection_rate"]["group_min"].get<double>(), 1.0 / 2);
  CHECK_NEAR(s["aggregates"]["selection_rate"]["ratio_to_overall"]["value"].get<double>(), 4.0 / 5);
  CHECK_NEAR(s["aggregates"]["fpr"]["difference_to_overall"]["value"].get<double>(), 2.0 / 5);
  CHECK_FALSE(s["aggregates"].contains("count"));
  // Named metrics (values worked out in test_named_metrics.cpp).
  CHECK(s["fairlearn"]["method"] == "between_groups");
  CHECK_NEAR(s["fairlearn"]["demographic_parity_difference"]["value"].get<double>(), 1.0 / 4);
  CHECK_NEAR(s["fairlearn"]["equalized_odds_difference"]["value"].get<double>(), 1.0 / 2);
  CHECK_NEAR(s["fairlearn"]["equalized_odds_ratio_mean"]["value"].get<double>(), 5.0 / 8);
  CHECK(s["aif360"]["privileged"] == "b");
  CHECK_NEAR(s["aif360"]["statistical_parity_difference"]["value"].get<double>(), -1.0 / 4);
  CHECK_NEAR(s["aif360"]["disparate_impact"]["value"].get<double>(), 2.0 / 3);
  CHECK_NEAR(s["aif360"]["average_odds_difference"]["value"].get<double>(), -1.0 / 3);
  CHECK_NEAR(s["aif360"]["generalized_entropy_index"]["value"].get<double>(), 49.0 / 242);
  CHECK(s["aif360"]["generalized_entropy_index"]["alpha"] == 2.0);
  CHECK_NEAR(s["bias_auc"]["b"]["bnsp_auc"].get<double>(), 5.0 / 6);
  CHECK(s["bias_auc"]["c"]["subgroup_auc"].is_null());
  // Intervals exist for every named metric and bracket a value they were resampled around.
  for (const char* block : {"fairlearn", "aif360"}) {
    for (const auto& entry : s[block].items()) {
      const auto& key = entry.key();
      const auto& item = entry.value();
      if (!item.is_object()) continue;
      INFO(block << "." << key);
      REQUIRE(item.contains("ci_low"));
      if (item["ci_low"].is_null()) continue;
      CHECK(item["ci_low"].get<double>() <= item["ci_high"].get<double>());
    }
  }
  CHECK(s["fairlearn"]["demographic_parity_difference"]["ci_high"].is_number());
  CHECK(contains(s["warnings"], "group \"c\"", "tpr is NaN"));
  CHECK(contains(s["warnings"], "group \"c\"", "bnsp_auc is NaN"));

  // Deterministic for a seed.
  CHECK(audit_json(input_a(), options).dump() == r.dump());
  // The text form shows the table and the metrics.
  std::string text = format_audit(r);
  CHECK(text.find("sensitive feature: grp (3 groups, 10 rows)") != std::string::npos);
  CHECK(text.find("overall") != std::string::npos);
  CHECK(text.find("demographic_parity_difference") != std::string::npos);
  CHECK(text.find("95% CI (B=200)") != std::string::npos);
  CHECK(text.find("privileged \"b\"") != std::string::npos);
}

TEST_CASE("report: several features give one section each plus their intersection") {
  testdata::DatasetB d;
  AuditInput input{d.y_true, d.y_pred, {}, d.weight, {"sex", "race"}, {d.sex, d.race}};
  AuditOptions options;
  options.privileged = {"M", "race=Y"};
  options.bootstrap.replicates = 0;
  json r = audit_json(input, options);
  CHECK(r["features"] == json::array({"sex", "race", "sex|race"}));
  CHECK(r["weighted"] == true);
  CHECK(r["has_score"] == false);
  const json& sex = r["sensitive_features"]["sex"];
  CHECK(sex["aif360"]["privileged"] == "M");
  CHECK_NEAR(sex["by_group"]["M"]["weight"].get<double>(), 8.0);
  CHECK_NEAR(sex["aif360"]["average_abs_odds_difference"]["value"].get<double>(), 23.0 / 60);
  CHECK(sex["aif360"]["average_abs_odds_difference"]["ci_low"].is_null());  // no bootstrap
  CHECK_FALSE(sex.contains("bias_auc"));
  CHECK_FALSE(sex["overall"].contains("roc_auc"));
  CHECK(r["sensitive_features"]["race"]["aif360"]["privileged"] == "Y");
  // The intersection: F|Y is empty, reported with count 0 and a warning; its privileged group is
  // M|Y, the join of the columns' ones. Unprivileged F|X + M|X (W 8): SR 4/8; M|Y: SR 3/4.
  const json& both = r["sensitive_features"]["sex|race"];
  CHECK(both["groups"] == json::array({"F|X", "F|Y", "M|X", "M|Y"}));
  CHECK(both["by_group"]["F|Y"]["count"] == 0);
  CHECK(both["by_group"]["F|Y"]["selection_rate"].is_null());
  CHECK(contains(both["warnings"], "group \"F|Y\"", "no rows"));
  CHECK(both["aif360"]["privileged"] == "M|Y");
  CHECK_NEAR(both["aif360"]["statistical_parity_difference"]["value"].get<double>(), -1.0 / 4);
  CHECK_NEAR(both["aif360"]["disparate_impact"]["value"].get<double>(), 2.0 / 3);
  CHECK_NEAR(both["fairlearn"]["demographic_parity_difference"]["value"].get<double>(), 1.0 / 2);

  // Without a privileged group the AIF360 group metrics are left out, with a note.
  options.privileged = {};
  options.intersectional = false;
  json plain = audit_json(input, options);
  CHECK(plain["features"] == json::array({"sex", "race"}));
  CHECK(plain["sensitive_features"]["sex"]["aif360"]["privileged"].is_null());
  CHECK_FALSE(plain["sensitive_features"]["sex"]["aif360"].contains("disparate_impact"));
  CHECK(plain["sensitive_features"]["sex"]["aif360"].contains("theil_index"));
  CHECK(contains(plain["sensitive_features"]["sex"]["warnings"], "AIF360", "no privileged group"));

  // to_overall for the Fairlearn metrics: SR to overall on sex: F 3/4, M 1/2, overall 7/12 -> 1/6.
  options.method = Method::ToOverall;
  json to = audit_json(input, options);
  CHECK(to["sensitive_features"]["sex"]["fairlearn"]["method"] == "to_overall");
  CHECK_NEAR(to["sensitive_features"]["sex"]["fairlearn"]["demographic_parity_difference"]["value"].get<double>(),
             1.0 / 6);
}

TEST_CASE("report: bad input is refused with a clear message") {
  AuditOptions options;
  options.bootstrap.replicates = 0;
  AuditInput single{{1, 0}, {1, 1}, {}, {}, {"sex"}, {{"M", "M"}}};
  testing::check_throws<ValueError>([&] { audit_json(single, options); },
                                    {"\"sex\" has a single group (\"M\")", "fairness needs >= 2 groups"});
  AuditInput empty{{}, {}, {}, {}, {"sex"}, {{}}};
  testing::check_throws<ValueError>([&] { audit_json(empty, options); }, {"no rows"});
  AuditInput none{{1}, {1}, {}, {}, {}, {}};
  testing::check_throws<ValueError>([&] { audit_json(none, options); }, {"at least one sensitive feature"});
  AuditInput bad_label{{1, 3}, {1, 1}, {}, {}, {"sex"}, {{"M", "F"}}};
  testing::check_throws<ValueError>([&] { audit_json(bad_label, options); }, {"y_true must be 0 or 1, found 3 at row 1"});
  options.privileged = {"Q"};
  testing::check_throws<ValueError>([&] { audit_json(input_a(), options); },
                                    {"privileged group \"Q\"", "grp: a, b, c"});
  options.privileged = {"race=a"};
  testing::check_throws<ValueError>([&] { audit_json(input_a(), options); }, {"\"race=a\"", "no sensitive feature of that name"});
}
