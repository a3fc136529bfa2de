// End-to-end tests of `candor audit` on small prediction files: the printed table, the JSON, and
// each kind of bad input (exit code 1 and one clear line).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::lines;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

// The layout `candor predict` writes, with the three groups of tests/fairness/fixtures.h
// (dataset A) in a "grp" column and a second feature "sex" (a, b: F then M; c: F and M).
const char* kPredictions =
    "y_true,y_pred,score,grp,sex\n"
    "1,1,0.9,a,F\n"
    "1,0,0.4,a,F\n"
    "0,1,0.6,a,M\n"
    "0,0,0.2,a,M\n"
    "1,1,0.8,b,F\n"
    "1,1,0.7,b,M\n"
    "1,0,0.3,b,F\n"
    "0,1,0.55,b,M\n"
    "0,0,0.1,c,F\n"
    "0,1,0.65,c,M\n";

std::string audit_args(const fs::path& csv) {
  return "audit --predictions " + csv.string() + " --y-true y_true --y-pred y_pred";
}

}  // namespace

TEST_CASE("cli audit: prints the group table and named metrics, and writes the JSON") {
  fs::path dir = scratch("happy");
  std::ofstream(dir / "pred.csv") << kPredictions;
  std::string args = audit_args(dir / "pred.csv") + " --y-score score --sensitive grp --privileged b --bootstrap 100 --seed 3";
  Result r = run_candor(args + " --json " + (dir / "a.json").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("sensitive feature: grp (3 groups, 10 rows)") != std::string::npos);
  CHECK(r.out.find("sel_rate") != std::string::npos);
  CHECK(r.out.find("overall") != std::string::npos);
  CHECK(r.out.find("demographic_parity_difference") != std::string::npos);
  CHECK(r.out.find("95% CI (B=100)") != std::string::npos);
  CHECK(r.out.find("bias AUCs") != std::string::npos);
  CHECK(r.out.find("group \"c\": tpr is NaN") != std::string::npos);

  auto j = nlohmann::json::parse(slurp(dir / "a.json"));
  CHECK(j["rows"] == 10);
  CHECK(j["bootstrap"]["replicates"] == 100);
  CHECK(j["bootstrap"]["seed"] == 3);
  const auto& s = j["sensitive_features"]["grp"];
  CHECK(s["groups"] == nlohmann::json::array({"a", "b", "c"}));
  // Values from the definitions (worked in tests/fairness): SR a 1/2, b 3/4, c 1/2.
  CHECK(s["fairlearn"]["demographic_parity_difference"]["value"].get<double>() == doctest::Approx(0.25).epsilon(1e-12));
  CHECK(s["fairlearn"]["demographic_parity_ratio"]["value"].get<double>() == doctest::Approx(2.0 / 3).epsilon(1e-12));
  CHECK(s["aif360"]["disparate_impact"]["value"].get<double>() == doctest::Approx(2.0 / 3).epsilon(1e-12));
  CHECK(s["aif360"]["statistical_parity_difference"]["value"].get<double>() == doctest::Approx(-0.25).epsilon(1e-12));
  CHECK(s["overall"]["roc_auc"].get<double>() == doctest::Approx(19.0 / 25).epsilon(1e-12));
  CHECK(s["by_group"]["c"]["tpr"].is_null());
  CHECK(s["fairlearn"]["demographic_parity_difference"]["ci_low"].is_number());
  // Each group's rates get their own interval around the group's value; by_group stays as it was.
  for (const char* group : {"a", "b", "c"}) {
    for (const char* metric : {"selection_rate", "fpr", "accuracy"}) {
      INFO(group << " " << metric);
      const auto& ci = s["by_group_intervals"][group][metric];
      REQUIRE(ci["ci_low"].is_number());
      CHECK(ci["ci_low"].get<double>() <= s["by_group"][group][metric].get<double>());
      CHECK(ci["ci_high"].get<double>() >= s["by_group"][group][metric].get<double>());
    }
  }
  CHECK(s["by_group_intervals"]["b"]["tpr"]["ci_low"].is_number());
  CHECK(s["by_group_intervals"]["c"]["tpr"]["ci_low"].is_null());  // c has no positives: no tpr at all
  CHECK(s["by_group"]["a"].contains("selection_rate"));
  CHECK(!s["by_group"]["a"]["selection_rate"].is_object());

  // The same seed gives the same file.
  Result again = run_candor(args + " --json " + (dir / "b.json").string());
  REQUIRE(again.code == 0);
  CHECK(slurp(dir / "a.json") == slurp(dir / "b.json"));
}

TEST_CASE("cli audit: several sensitive columns, weights and no scores") {
  fs::path dir = scratch("multi");
  std::ofstream(dir / "pred.csv") << "y_true,y_pred,w,grp,sex\n"
                                     "1,1,2,a,F\n"
                                     "0,1,1,a,M\n"
                                     "1,0,1,b,F\n"
                                     "0,0,1,b,M\n"
                                     "1,1,1,b,M\n";
  Result r = run_candor(audit_args(dir / "pred.csv") + " --sensitive grp,sex --weights w --privileged grp=a,sex=M --bootstrap 0 --json " +
                    (dir / "m.json").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(slurp(dir / "m.json"));
  CHECK(j["features"] == nlohmann::json::array({"grp", "sex", "grp|sex"}));
  CHECK(j["weighted"] == true);
  CHECK(j["has_score"] == false);
  // grp: a (w 2 + 1) selects everything: SR 1; b selects 1 of 3: SR 1/3.
  const auto& grp = j["sensitive_features"]["grp"];
  CHECK(grp["by_group"]["a"]["selection_rate"].get<double>() == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(grp["by_group"]["a"]["weight"].get<double>() == doctest::Approx(3.0).epsilon(1e-12));
  CHECK(grp["fairlearn"]["demographic_parity_difference"]["value"].get<double>() == doctest::Approx(2.0 / 3).epsilon(1e-12));
  CHECK(grp["fairlearn"]["demographic_parity_difference"]["ci_low"].is_null());
  CHECK(grp["by_group_intervals"]["a"]["selection_rate"]["ci_low"].is_null());  // no bootstrap, no interval
  CHECK(j["sensitive_features"]["grp|sex"]["aif360"]["privileged"] == "a|M");
}

TEST_CASE("cli audit: bad input exits 1 with one line that says what is wrong") {
  fs::path dir = scratch("errors");
  std::ofstream(dir / "pred.csv") << kPredictions;

  Result missing = run_candor(audit_args(dir / "pred.csv") + " --sensitive race");
  CHECK(missing.code == 1);
  CHECK(missing.out.find("unknown column \"race\"") != std::string::npos);
  CHECK(missing.out.find("y_true, y_pred, score, grp, sex") != std::string::npos);
  CHECK(lines(missing.out) == 1);

  Result missing_score = run_candor(audit_args(dir / "pred.csv") + " --sensitive grp --y-score prob");
  CHECK(missing_score.code == 1);
  CHECK(missing_score.out.find("\"prob\"") != std::string::npos);

  std::ofstream(dir / "labels.csv") << "y_true,y_pred,grp\n1,1,a\n2,0,b\n";
  Result labels = run_candor(audit_args(dir / "labels.csv") + " --sensitive grp");
  CHECK(labels.code == 1);
  CHECK(labels.out.find("binary labels 0 or 1") != std::string::npos);
  CHECK(labels.out.find("\"2\"") != std::string::npos);
  CHECK(labels.out.find("labels.csv:3") != std::string::npos);
  CHECK(lines(labels.out) == 1);

  std::ofstream(dir / "preds.csv") << "y_true,y_pred,grp\n1,yes,a\n0,0,b\n";
  Result preds = run_candor(audit_args(dir / "preds.csv") + " --sensitive grp");
  CHECK(preds.code == 1);
  CHECK(preds.out.find("--y-pred") != std::string::npos);
  CHECK(preds.out.find("\"yes\"") != std::string::npos);
  CHECK(preds.out.find("preds.csv:2") != std::string::npos);

  std::ofstream(dir / "single.csv") << "y_true,y_pred,grp\n1,1,a\n0,0,a\n";
  Result single = run_candor(audit_args(dir / "single.csv") + " --sensitive grp");
  CHECK(single.code == 1);
  CHECK(single.out.find("single group (\"a\")") != std::string::npos);
  CHECK(single.out.find("fairness needs >= 2 groups") != std::string::npos);
  CHECK(lines(single.out) == 1);

  std::ofstream(dir / "empty.csv") << "";
  Result empty = run_candor(audit_args(dir / "empty.csv") + " --sensitive grp");
  CHECK(empty.code == 1);
  CHECK(empty.out.find("empty file") != std::string::npos);
  CHECK(lines(empty.out) == 1);

  std::ofstream(dir / "header.csv") << "y_true,y_pred,grp\n";
  Result header = run_candor(audit_args(dir / "header.csv") + " --sensitive grp");
  CHECK(header.code == 1);
  CHECK(header.out.find("no rows") != std::string::npos);

  std::ofstream(dir / "score.csv") << "y_true,y_pred,score,grp\n1,1,1.5,a\n0,0,0.2,b\n";
  Result score = run_candor(audit_args(dir / "score.csv") + " --sensitive grp --y-score score");
  CHECK(score.code == 1);
  CHECK(score.out.find("[0, 1]") != std::string::npos);
  CHECK(score.out.find("\"1.5\"") != std::string::npos);

  Result privileged = run_candor(audit_args(dir / "pred.csv") + " --sensitive grp --privileged z --bootstrap 0");
  CHECK(privileged.code == 1);
  CHECK(privileged.out.find("privileged group \"z\"") != std::string::npos);

  Result nofile = run_candor(audit_args(dir / "nothing.csv") + " --sensitive grp");
  CHECK(nofile.code == 1);
  CHECK(nofile.out.find("nothing.csv") != std::string::npos);

  Result usage = run_candor("audit --predictions " + (dir / "pred.csv").string() + " --y-true y_true --y-pred y_pred");
  CHECK(usage.code == 2);
  CHECK(usage.out.find("--sensitive") != std::string::npos);
}

TEST_CASE("cli audit: reads the file candor predict writes") {
  fs::path dir = scratch("predict");
  Result t = run_candor("train --data synthetic --hidden 8 --epochs 1 --batch-size 64 --seed 1 --quiet --out " +
                    (dir / "run").string());
  INFO(t.out);
  REQUIRE(t.code == 0);
  Result p = run_candor("predict --run " + (dir / "run").string() + " --out " + (dir / "pred.csv").string());
  REQUIRE(p.code == 0);
  Result a = run_candor(audit_args(dir / "pred.csv") + " --y-score score --sensitive group --bootstrap 20 --json " +
                    (dir / "audit.json").string());
  INFO(a.out);
  REQUIRE(a.code == 0);
  auto j = nlohmann::json::parse(slurp(dir / "audit.json"));
  const auto& s = j["sensitive_features"]["group"];
  CHECK(s["groups"].size() >= 2);
  // The group counts add up to the rows of the file.
  size_t total = 0;
  for (const auto& g : s["groups"]) total += s["by_group"][g.get<std::string>()]["count"].get<size_t>();
  CHECK(total == j["rows"].get<size_t>());
  CHECK(lines(slurp(dir / "pred.csv")) == total + 1);
  double auc = s["overall"]["roc_auc"].get<double>();
  CHECK(auc > 0.5);
}
