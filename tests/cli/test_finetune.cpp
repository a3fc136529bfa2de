// `candor finetune`: before/after reports, the penalty's effect, constrained mode, bad input.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::Result;
using candor::testing::read_json;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

double dp_of(const nlohmann::json& metrics, const char* when, const char* split) {
  return metrics[when][split]["fairness"]["sensitive_features"]["group"]["fairlearn"]
                ["demographic_parity_difference"]["value"];
}

// A trained run on the synthetic biased data (group "b" has a higher positive rate), made once.
const fs::path& trained() {
  static fs::path dir = [] {
    fs::path d = scratch("finetune");
    Result r = candor::testing::run_candor("train --data synthetic --hidden 16 --epochs 4 --seed 1 --quiet --out " + (d / "base").string());
    REQUIRE(r.code == 0);
    return d;
  }();
  return dir;
}

}  // namespace

TEST_CASE("finetune: reports before and after, and the penalty shrinks the demographic parity gap") {
  fs::path dir = trained();
  std::string init = (dir / "base" / "model.safetensors").string();
  Result r = candor::testing::run_candor("finetune --init " + init + " --penalty dp --lambda 3 --epochs 4 --bootstrap 20 --quiet --out " +
                 (dir / "fair").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* file : {"config.json", "model.safetensors", "metrics.json", "log.jsonl"}) {
    CHECK(fs::exists(dir / "fair" / file));
  }
  nlohmann::json m = read_json(dir / "fair" / "metrics.json");
  for (const char* when : {"before", "after"}) {
    for (const char* split : {"validation", "test"}) {
      const nlohmann::json& s = m[when][split];
      for (const char* key : {"accuracy", "roc_auc", "log_loss"}) CHECK(s.contains(key));
      const nlohmann::json& f = s["fairness"]["sensitive_features"]["group"];
      CHECK(f["fairlearn"].contains("equalized_odds_difference"));
      CHECK(f["by_group"].contains("a"));
      CHECK(f["by_group"].contains("b"));
    }
  }
  CHECK(m["penalised"] == nlohmann::json::array({"group"}));
  double before = dp_of(m, "before", "test"), after = dp_of(m, "after", "test");
  CHECK(before > 0.1);          // the synthetic data is biased, and so is the trained model
  CHECK(after < before * 0.5);  // the penalty's gradient reached the weights
  // The same command again gives the same model, byte for byte.
  Result again = candor::testing::run_candor("finetune --init " + init + " --penalty dp --lambda 3 --epochs 4 --bootstrap 20 --quiet --out " +
                     (dir / "fair2").string());
  REQUIRE(again.code == 0);
  CHECK(slurp(dir / "fair" / "model.safetensors") == slurp(dir / "fair2" / "model.safetensors"));
}

TEST_CASE("finetune: constrained mode raises the multiplier while the constraint is violated") {
  fs::path dir = trained();
  Result r = candor::testing::run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                 " --constraint 'dp<=0.01' --lambda 0 --epochs 3 --bootstrap 0 --quiet --out " + (dir / "constrained").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  nlohmann::json m = read_json(dir / "constrained" / "metrics.json");
  CHECK(m["lambda"].get<double>() > 0.0);
  CHECK(dp_of(m, "after", "validation") < dp_of(m, "before", "validation"));
  // Each candidate carries its validation gap's standard error, which the tolerance is counted in.
  CHECK(read_json(dir / "constrained" / "config.json")["finetune"]["validation_tolerance"] == 1.0);
  for (const nlohmann::json& it : m["constraint"]["iterates"]) {
    CHECK(it["validation_gap_standard_error"].get<double>() > 0);
  }
  Result strict = candor::testing::run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                      " --constraint 'dp<=0.01' --validation-tolerance 0 --lambda 0 --epochs 1 --bootstrap 0 --quiet --out " +
                      (dir / "strict").string());
  INFO(strict.out);
  REQUIRE(strict.code == 0);
  CHECK(read_json(dir / "strict" / "config.json")["finetune"]["validation_tolerance"] == 0.0);
  const nlohmann::json strict_metrics = read_json(dir / "strict" / "metrics.json");
  REQUIRE(!strict_metrics["constraint"]["iterates"].empty());
  for (const nlohmann::json& it : strict_metrics["constraint"]["iterates"]) {
    // Every candidate is judged by the strict rule, feasible or not.
    const bool within = it["train_gap"].get<double>() <= 0.01 && it["validation_gap"].get<double>() <= 0.01;
    CHECK(it["feasible"].get<bool>() == (within && !it["collapsed"].get<bool>()));
  }
}

TEST_CASE("finetune: bad input is one clear error line") {
  fs::path dir = trained();
  std::string init = (dir / "base" / "model.safetensors").string();
  auto finetune = [&](const std::string& args) {
    return candor::testing::run_candor("finetune --init " + init + " " + args + " --quiet --out " + (dir / "x").string());
  };
  Result unknown = finetune("--sensitive sex --penalty dp --lambda 1");
  CHECK(unknown.code == 1);
  CHECK(unknown.out.find("\"sex\" is not a sensitive feature of this data (sensitive: group)") != std::string::npos);
  Result bad = finetune("--constraint dp=0.1");
  CHECK(bad.code == 2);
  CHECK(bad.out.find("expected GAP<=BOUND") != std::string::npos);
  CHECK(finetune("--constraint 'dp<=-1'").code == 2);
  Result tolerance = finetune("--constraint 'dp<=0.1' --validation-tolerance -1");
  CHECK(tolerance.code == 2);
  CHECK(tolerance.out.find("--validation-tolerance") != std::string::npos);
  Result penalty = finetune("--penalty parity --lambda 1");
  CHECK(penalty.code == 2);
  Result missing = candor::testing::run_candor("finetune --init " + (dir / "none.safetensors").string() +
                                               " --penalty dp --lambda 1 --quiet --out " + (dir / "x").string());
  CHECK(missing.code == 1);
  CHECK(missing.out.find("none.safetensors") != std::string::npos);
  // No silent default: what is optimised is said, once.
  Result nothing = finetune("");
  CHECK(nothing.code == 2);
  CHECK(nothing.out.find("say what to optimise: --penalty dp|eo|eopp with --lambda") != std::string::npos);
  CHECK(nothing.out.find("--constraint") != std::string::npos);
  Result no_weight = finetune("--penalty eo");
  CHECK(no_weight.code == 2);
  CHECK(no_weight.out.find("--penalty eo needs --lambda") != std::string::npos);
  Result no_gap = finetune("--lambda 2");
  CHECK(no_gap.code == 2);
  CHECK(no_gap.out.find("--lambda needs --penalty") != std::string::npos);
  Result twice = finetune("--penalty dp --lambda 1 --constraint 'dp<=0.02'");
  CHECK(twice.code == 2);
  CHECK(twice.out.find("drop --penalty") != std::string::npos);
  for (const char* weight : {"nan", "inf"}) {
    Result r = finetune(std::string("--penalty dp --lambda ") + weight);
    INFO(r.out);
    CHECK((r.code == 1 || r.code == 2));
    CHECK(r.out.find("lambda") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
}

TEST_CASE("finetune: a bound that cannot be met is said on stderr and in metrics.json") {
  fs::path dir = trained();
  Result r = candor::testing::run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                                         " --constraint 'dp<=0.001' --lr 1e-7 --epochs 1 --bootstrap 0 --quiet --out " +
                                         (dir / "unmet").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("warning: constraint dp<=0.001 not met") != std::string::npos);
  nlohmann::json m = read_json(dir / "unmet" / "metrics.json");
  CHECK(m["constraint"]["met"] == false);
  // ... and that the validation rows are too few to see a gap of 0.001.
  REQUIRE(m["warnings"].size() == 2);
  CHECK(m["warnings"][0].get<std::string>().find("returned the closest") != std::string::npos);
  CHECK(m["warnings"][1].get<std::string>().find("more than the bound 0.001") != std::string::npos);
  CHECK(m["constraint"]["validation_gap_standard_error"].get<double>() > 0.001);
  // Without --quiet the summary says it too.
  Result loud = candor::testing::run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                                            " --constraint 'dp<=0.001' --lr 1e-7 --epochs 1 --bootstrap 0 --out " +
                                            (dir / "unmet2").string());
  CHECK(loud.out.find("constraint dp<=0.001 NOT MET") != std::string::npos);
}

TEST_CASE("finetune: a model that predicts one class for almost every row is flagged") {
  fs::path dir = scratch("one_class");
  {
    std::ofstream csv(dir / "skewed.csv");
    csv << "x,group,y\n";
    for (int i = 0; i < 400; ++i) csv << (i % 17) * 0.1 << "," << (i % 2 ? "a" : "b") << "," << (i % 200 == 0 ? 0 : 1) << "\n";
  }
  const std::string data = "--csv " + (dir / "skewed.csv").string() + " --label y --sensitive group";
  REQUIRE(candor::testing::run_candor("train " + data + " --hidden 4 --epochs 2 --quiet --out " + (dir / "base").string()).code == 0);
  Result r = candor::testing::run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                                         " --lambda 0 --epochs 1 --bootstrap 0 --quiet --out " + (dir / "ft").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("for 100.00% of the validation rows (the labels: ") != std::string::npos);
  CHECK(r.out.find("it has collapsed towards one class") != std::string::npos);
  CHECK(read_json(dir / "ft" / "metrics.json")["warnings"].size() == 1);
}
