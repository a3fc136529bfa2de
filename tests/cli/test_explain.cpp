// candor explain: post-hoc explanations of MLP, logistic and EBM runs; what they must add up to,
// their files, determinism across thread counts, and the input they refuse.
#include <cmath>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::has;
using candor::testing::lines;
using candor::testing::read_json;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

// Trains once per test process: a logistic regression and a small MLP on the synthetic data.
const fs::path& runs() {
  static const fs::path dir = [] {
    const fs::path d = scratch("explain_runs");
    REQUIRE(run_candor("train --data synthetic --model logistic --quiet --out " + (d / "lr").string()).code == 0);
    REQUIRE(run_candor("train --data synthetic --hidden 8 --activation gelu --epochs 2 --quiet --out " +
                       (d / "mlp").string())
                .code == 0);
    return d;
  }();
  return dir;
}

Result explain(const std::string& run, const std::string& args, const fs::path& out) {
  return run_candor("explain --run " + (runs() / run).string() + " " + args + " --quiet --out " + out.string());
}

// Every row's attributions plus the base value give its prediction (Shapley values' efficiency).
void check_rows_add_up(const nlohmann::json& explanation) {
  for (const auto& row : explanation["rows"]) {
    double total = explanation["base_value"].get<double>();
    for (const auto& [name, value] : row["attributions"].items()) total += value.get<double>();
    CHECK(std::abs(total - row["prediction"].get<double>()) < 1e-9);
  }
}

}  // namespace

TEST_CASE("cli explain shap: each row's values add up to its prediction, on the logit and the probability") {
  const fs::path dir = scratch("explain_shap");
  for (const std::string scale : {"logit", "probability"}) {
    Result r = explain("lr", "--method shap --rows 0-4,9 --background 30 --scale " + scale, dir / scale);
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto j = read_json(dir / scale / "explanation.json");
    CHECK(j["shapley"] == "exact");
    CHECK(j["scale"] == scale);
    REQUIRE(j["rows"].size() == 6);
    CHECK(j["rows"][5]["row"] == 9);
    check_rows_add_up(j);
    for (const auto& row : j["rows"]) CHECK(row["features"].contains("x0"));
    CHECK(has(slurp(dir / scale / "plots" / "summary.svg"), "mean |attribution|"));
    CHECK(has(slurp(dir / scale / "plots" / "waterfall_row0.svg"), "x0 = "));
  }
}

TEST_CASE("cli explain: the same seed gives the same numbers on 1 and 2 threads") {
  const fs::path dir = scratch("explain_threads");
  for (const std::string method : {"shap --shapley kernel --coalitions 40 --rows 0-2", "lime --rows 0", "permutation",
                                   "ig --rows 0-9", "fairness --rows 0-199", "pdp --features x0"}) {
    REQUIRE(run_candor("explain --run " + (runs() / "mlp").string() + " --method " + method + " --seed 3 --quiet --out " +
                           (dir / "one").string(),
                       "OMP_NUM_THREADS=1")
                .code == 0);
    REQUIRE(run_candor("explain --run " + (runs() / "mlp").string() + " --method " + method + " --seed 3 --quiet --out " +
                           (dir / "two").string(),
                       "OMP_NUM_THREADS=2")
                .code == 0);
    CHECK(slurp(dir / "one" / "explanation.json") == slurp(dir / "two" / "explanation.json"));
    fs::remove_all(dir / "one");
    fs::remove_all(dir / "two");
  }
}

TEST_CASE("cli explain ig: complete to 1e-9 on a smooth MLP; with a background baseline too") {
  const fs::path dir = scratch("explain_ig");
  for (const std::string baseline : {"mean", "zeros", "background"}) {
    Result r = explain("mlp", "--method ig --rows 0-19 --background 5 --baseline " + baseline, dir / baseline);
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto j = read_json(dir / baseline / "explanation.json");
    CHECK(j["rule"] == "gausslegendre");
    CHECK(j["steps"] == 64);
    CHECK(j["max_abs_delta"].get<double>() < 1e-9);
    CHECK(j["delta"].size() == 20);
  }
}

TEST_CASE("cli explain fairness: the contributions add up to the gap in mean scores between the groups") {
  const fs::path dir = scratch("explain_fairness");
  Result r = explain("mlp", "--method fairness --rows all", dir / "f");
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto gap = read_json(dir / "f" / "explanation.json")["gap"];
  CHECK(gap["sensitive"] == "group");
  double total = 0;
  for (const auto& c : gap["contributions"]) total += c["contribution"].get<double>();
  CHECK(std::abs(total - gap["gap"].get<double>()) < 1e-9);
  CHECK(gap["gap"].get<double>() ==
        doctest::Approx(gap["high_mean"].get<double>() - gap["low_mean"].get<double>()).epsilon(1e-12));
  CHECK(has(slurp(dir / "f" / "plots" / "gap.svg"), "bars add up to the gap"));
  // Without --quiet the decomposition is printed as a sentence.
  Result loud = run_candor("explain --run " + (runs() / "lr").string() + " --method fairness --out " +
                           (dir / "loud").string());
  CHECK(has(loud.out, "comes from: "));
}

TEST_CASE("cli explain lime, permutation and pdp write their numbers and plots") {
  const fs::path dir = scratch("explain_others");
  REQUIRE(explain("lr", "--method lime --rows 3 --samples 500", dir / "lime").code == 0);
  const auto lime = read_json(dir / "lime" / "explanation.json");
  REQUIRE(lime["rows"].size() == 1);
  CHECK(lime["rows"][0]["score"].get<double>() >= 0);
  CHECK(fs::exists(dir / "lime" / "plots" / "lime_row3.svg"));

  REQUIRE(explain("lr", "--method permutation --repeats 3 --metric accuracy", dir / "perm").code == 0);
  const auto perm = read_json(dir / "perm" / "explanation.json");
  CHECK(perm["metric"] == "accuracy");
  CHECK(perm["features"][0]["repeats"].size() == 3);
  CHECK(fs::exists(dir / "perm" / "plots" / "permutation.svg"));

  REQUIRE(explain("mlp", "--method pdp --features x0,group --grid 7", dir / "pdp").code == 0);
  const auto pdp = read_json(dir / "pdp" / "explanation.json");
  REQUIRE(pdp["features"].size() == 2);
  CHECK(pdp["features"][0]["grid"].size() == 7);
  CHECK(pdp["features"][1]["grid"][0].is_string());  // a categorical feature's grid is its categories
  CHECK(fs::exists(dir / "pdp" / "plots" / "pdp_x0.svg"));
}

TEST_CASE("cli explain on an FT-Transformer: Shapley values add up, integrated gradients report their delta") {
  const fs::path dir = scratch("explain_ft");
  REQUIRE(run_candor("pretrain --data synthetic --d-token 8 --blocks 1 --heads 2 --epochs 1 --quiet --out " +
                     (dir / "ft").string())
              .code == 0);
  REQUIRE(run_candor("explain --run " + (dir / "ft").string() + " --method shap --rows 0-2 --background 10 --quiet --out " +
                     (dir / "shap").string())
              .code == 0);
  const auto j = read_json(dir / "shap" / "explanation.json");
  CHECK(j["model"] == "ft_transformer");
  check_rows_add_up(j);
  REQUIRE(run_candor("explain --run " + (dir / "ft").string() + " --method ig --rows 0-4 --quiet --out " +
                     (dir / "ig").string())
              .code == 0);
  const auto ig = read_json(dir / "ig" / "explanation.json");
  CHECK(ig["delta"].size() == 5);
  CHECK(ig["max_abs_delta"].get<double>() < 0.05);
}

TEST_CASE("cli explain on an EBM: Shapley values by column; integrated gradients refused in one line") {
  const fs::path dir = scratch("explain_ebm");
  REQUIRE(run_candor("ebm fit --data synthetic --outer-bags 1 --interactions 1 --max-rounds 200 --quiet --out " +
                     (dir / "ebm").string())
              .code == 0);
  Result r = run_candor("explain --run " + (dir / "ebm").string() +
                        " --method shap --rows 0-2 --background 10 --quiet --out " + (dir / "shap").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto j = read_json(dir / "shap" / "explanation.json");
  CHECK(j["model"] == "ebm");
  check_rows_add_up(j);
  Result ig = run_candor("explain --run " + (dir / "ebm").string() + " --method ig --out " + (dir / "ig").string());
  CHECK(ig.code == 1);
  CHECK(lines(ig.out) == 1);
  CHECK(has(ig.out, "integrated gradients need a model with gradients"));
  CHECK_FALSE(fs::exists(dir / "ig"));
  Result kmeans = run_candor("explain --run " + (dir / "ebm").string() + " --method shap --background-kind kmeans --out " +
                             (dir / "km").string());
  CHECK(kmeans.code == 2);
  CHECK(has(kmeans.out, "use --background-kind sample"));
}

TEST_CASE("cli explain refuses rows out of range, a bad row list, an unknown feature and an unknown column") {
  const fs::path dir = scratch("explain_bad");
  struct Refusal {
    const char* args;
    const char* out;  // the folder it must not write
    const char* message;
  };
  for (const Refusal& r : {Refusal{"--method shap --rows 0-99999", "a", "--rows: row 99999 is out of range: the test split has"},
                           Refusal{"--method shap --rows first", "b", "\"first\" is not a row number"},
                           Refusal{"--method shap --rows 9-3", "c", "runs backwards"},
                           Refusal{"--method pdp --features salary", "d", "no feature \"salary\" (it has: x0"},
                           Refusal{"--method fairness --sensitive race", "e", "no sensitive column \"race\""}}) {
    Result result = explain("lr", r.args, dir / r.out);
    CAPTURE(r.args);
    CHECK(result.code == 2);
    CHECK(lines(result.out) == 1);
    CHECK(has(result.out, r.message));
  }
  Result missing = run_candor("explain --run " + (dir / "nowhere").string() + " --method shap --out " + (dir / "f").string());
  CHECK(missing.code == 1);
  CHECK(lines(missing.out) == 1);
  for (const char* out : {"a", "b", "c", "d", "e", "f"}) CHECK_FALSE(fs::exists(dir / out));
}

TEST_CASE("cli explain ig on the Adult MLP 64,64: completeness delta under 1e-4 for 100 rows, 64 Gauss-Legendre steps") {
  const fs::path dir = scratch("explain_adult");
  REQUIRE(run_candor("train --data adult --hidden 64,64 --activation gelu --epochs 1 --quiet --out " +
                     (dir / "mlp").string())
              .code == 0);
  Result r = run_candor("explain --run " + (dir / "mlp").string() + " --method ig --steps 64 --quiet --out " +
                        (dir / "ig").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const auto j = read_json(dir / "ig" / "explanation.json");
  CHECK(j["explained_rows"] == 100);
  CHECK(j["max_abs_delta"].get<double>() < 1e-4);
}
