// Real fairness datasets as they are published go through train, finetune, sweep, predict and
// audit: law school (ARFF, race coded 0/1), Dutch census (ARFF, sex coded 1/2), bank marketing
// (';'-separated CSV, age cut at 25). The files in tests/cli/fixtures/ are small made-up ones in
// those formats (make_fairness_files.py).
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::read_json;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

std::string fixture(const std::string& name) { return (fs::path(__FILE__).parent_path() / "fixtures" / name).string(); }

const nlohmann::json& sensitive_section(const nlohmann::json& metrics, const char* when, const std::string& feature) {
  return metrics[when]["test"]["fairness"]["sensitive_features"][feature];
}

// train, finetune (penalty), sweep, predict and audit on one dataset; returns the fine-tune's metrics.
nlohmann::json whole_recipe(const fs::path& dir, const std::string& data, const std::string& feature) {
  Result train = run_candor("train " + data + " --hidden 16 --epochs 5 --seed 1 --quiet --out " + (dir / "base").string());
  INFO(train.out);
  REQUIRE(train.code == 0);
  const std::string init = (dir / "base" / "model.safetensors").string();
  Result fine = run_candor("finetune --init " + init + " --penalty dp --lambda 1 --epochs 3 --bootstrap 0 --quiet --out " +
                           (dir / "fair").string());
  INFO(fine.out);
  REQUIRE(fine.code == 0);
  Result sweep = run_candor("sweep --init " + init + " --lambdas 0,1 --epochs 2 --quiet --out " + (dir / "sweep").string());
  INFO(sweep.out);
  REQUIRE(sweep.code == 0);
  CHECK(read_json(dir / "sweep" / "pareto.json")["feature"] == feature);
  Result predict = run_candor("predict --run " + (dir / "fair").string() + " --out " + (dir / "pred.csv").string());
  REQUIRE(predict.code == 0);
  Result audit = run_candor("audit --predictions " + (dir / "pred.csv").string() +
                            " --y-true y_true --y-pred y_pred --y-score score --sensitive " + feature +
                            " --bootstrap 10 --json " + (dir / "audit.json").string());
  INFO(audit.out);
  REQUIRE(audit.code == 0);
  CHECK(read_json(dir / "audit.json")["sensitive_features"].contains(feature));
  return read_json(dir / "fair" / "metrics.json");
}

}  // namespace

TEST_CASE("data formats: law school's ARFF, race coded 0/1, with its undeclared tier values") {
  fs::path dir = scratch("law");
  nlohmann::json m = whole_recipe(dir, "--csv " + fixture("law_school.arff") + " --label pass_bar --sensitive racetxt", "racetxt");
  const nlohmann::json& race = sensitive_section(m, "after", "racetxt");
  CHECK(race["groups"] == nlohmann::json::array({"0", "1"}));
  // The file's quirk is said, once per command, and does not stop it.
  Result again = run_candor("train --csv " + fixture("law_school.arff") + " --label pass_bar --sensitive racetxt --epochs 1 "
                            "--quiet --out " + (dir / "again").string());
  CHECK(again.code == 0);
  CHECK(again.out.find("warning: ") != std::string::npos);
  CHECK(again.out.find("attribute \"tier\" declares {0, 1} but the data hold 5 other values") != std::string::npos);
}

TEST_CASE("data formats: Dutch census's ARFF, sex coded 1/2, audited without being a model input") {
  fs::path dir = scratch("dutch");
  nlohmann::json m = whole_recipe(dir, "--csv " + fixture("dutch_census.arff") + " --label occupation --positive 2_1 "
                                  "--sensitive sex --exclude-sensitive", "sex");
  CHECK(sensitive_section(m, "after", "sex")["groups"] == nlohmann::json::array({"1", "2"}));
  // The model does not read sex: its encoder has no sex feature.
  nlohmann::json config = read_json(dir / "base" / "config.json");
  CHECK(config["data"]["exclude_sensitive"] == true);
  Result eval = run_candor("eval --run " + (dir / "base").string() + " --bootstrap 0");
  REQUIRE(eval.code == 0);
  CHECK(eval.out.find("\"sex\"") != std::string::npos);
  // Constrained mode on the same data reports whether the bound held.
  Result c = run_candor("finetune --init " + (dir / "base" / "model.safetensors").string() +
                        " --constraint 'dp<=0.1' --epochs 3 --bootstrap 0 --quiet --out " + (dir / "constrained").string());
  INFO(c.out);
  REQUIRE(c.code == 0);
  nlohmann::json cm = read_json(dir / "constrained" / "metrics.json");
  CHECK(cm["constraint"]["constraint"] == "dp<=0.1");
  CHECK(cm["constraint"]["met"].is_boolean());
  CHECK(cm["constraint"]["chosen"]["step"] == cm["chosen_step"]);
}

TEST_CASE("data formats: bank marketing's ';' CSV with age cut at 25") {
  fs::path dir = scratch("bank");
  const std::string bank = "--csv " + fixture("bank.csv") + " --label y --positive yes";
  // The wrong delimiter, and a numeric attribute named sensitive, each get one line with the way out.
  Result comma = run_candor("train " + bank + " --sensitive age --quiet --out " + (dir / "x").string());
  CHECK(comma.code == 1);
  CHECK(comma.out.find("try --delimiter ';'") != std::string::npos);
  Result ages = run_candor("train " + bank + " --delimiter ';' --sensitive age --quiet --out " + (dir / "x").string());
  CHECK(ages.code == 1);
  CHECK(ages.out.find("--sensitive-bins age:CUT") != std::string::npos);
  Result bins = run_candor("train " + bank + " --delimiter ';' --sensitive age --sensitive-bins age:x --quiet --out " +
                           (dir / "x").string());
  CHECK(bins.code == 2);
  CHECK(bins.out.find("\"age:x\"") != std::string::npos);
  // Audited by marital status without the model reading it (--drop of a sensitive column).
  Result marital = run_candor("train " + bank + " --delimiter ';' --sensitive marital --drop marital --epochs 1 --quiet --out " +
                              (dir / "marital").string());
  INFO(marital.out);
  REQUIRE(marital.code == 0);
  Result eval = run_candor("eval --run " + (dir / "marital").string() + " --bootstrap 0");
  CHECK(eval.out.find("\"marital\"") != std::string::npos);
  nlohmann::json m = whole_recipe(dir, bank + " --delimiter ';' --sensitive age --sensitive-bins age:25", "age");
  CHECK(sensitive_section(m, "before", "age")["groups"] == nlohmann::json::array({"<25", ">=25"}));
  // The predictions name each row's group, so the audit sees the same two groups.
  std::ifstream predictions(dir / "pred.csv");
  std::string header, first;
  std::getline(predictions, header);
  std::getline(predictions, first);
  CHECK(header == "y_true,y_pred,score,age");
  CHECK((first.ends_with(",<25") || first.ends_with(",>=25")));
  CHECK(read_json(dir / "audit.json")["sensitive_features"]["age"]["groups"] == nlohmann::json::array({"<25", ">=25"}));

  // Two binned columns (the option repeats), both penalised: the sweep measures their intersection.
  Result two = run_candor("train " + bank + " --delimiter ';' --sensitive age,balance --sensitive-bins age:25 "
                          "--sensitive-bins balance:0,1000 --hidden 8 --epochs 2 --quiet --out " + (dir / "two").string());
  INFO(two.out);
  REQUIRE(two.code == 0);
  Result sweep = run_candor("sweep --init " + (dir / "two" / "model.safetensors").string() +
                            " --sensitive age,balance --lambdas 0,1 --epochs 1 --quiet --out " + (dir / "two_sweep").string());
  INFO(sweep.out);
  REQUIRE(sweep.code == 0);
  nlohmann::json pareto = read_json(dir / "two_sweep" / "pareto.json");
  CHECK(pareto["feature"] == "age|balance");
  CHECK(pareto["points"][0]["validation"]["gap"].is_number());
  nlohmann::json point = read_json(dir / "two_sweep" / "lambda_0" / "metrics.json");
  CHECK(point["after"]["test"]["fairness"]["sensitive_features"]["age|balance"]["groups"].size() == 6);
  // Without --sensitive the fine-tune does not guess which of the two to penalise.
  Result guess = run_candor("finetune --init " + (dir / "two" / "model.safetensors").string() +
                            " --penalty dp --lambda 1 --quiet --out " + (dir / "guess").string());
  CHECK(guess.code == 2);
  CHECK(guess.out.find("say which sensitive column to penalise: --sensitive age, balance") != std::string::npos);
}

TEST_CASE("data formats: cross-fitting tests every row of bank once over the folds, and bad folds are refused") {
  fs::path dir = scratch("bank_folds");
  const std::string bank = "--csv " + fixture("bank.csv") + " --label y --positive yes --delimiter ';' --sensitive age "
                           "--sensitive-bins age:25";
  size_t pooled_rows = 0;
  for (int fold = 0; fold < 3; ++fold) {
    const fs::path base = dir / fmt::format("base{}", fold), fair = dir / fmt::format("fair{}", fold);
    Result train = run_candor("train " + bank + fmt::format(" --folds 3 --fold {}", fold) + " --hidden 8 --epochs 1 --quiet --out " +
                              base.string());
    INFO(train.out);
    REQUIRE(train.code == 0);
    CHECK(read_json(base / "config.json")["data"]["folds"] == 3);
    // The fine-tune splits the checkpoint's data as training did: the same fold is its test.
    Result fine = run_candor("finetune --init " + (base / "model.safetensors").string() +
                             " --penalty dp --lambda 1 --epochs 1 --bootstrap 0 --quiet --out " + fair.string());
    INFO(fine.out);
    REQUIRE(fine.code == 0);
    CHECK(read_json(fair / "config.json")["data"]["fold"] == fold);
    const fs::path predictions = dir / fmt::format("fold{}.csv", fold);
    Result predict = run_candor("predict --run " + fair.string() + " --split test --out " + predictions.string());
    REQUIRE(predict.code == 0);
    std::ifstream in(predictions);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) ++pooled_rows;
  }
  // The three test folds together hold the file's 500 rows (that each is tested once is
  // datasets' test of stratified_fold_split).
  CHECK(pooled_rows == 500);
  Result no_folds = run_candor("train " + bank + " --fold 1 --quiet --out " + (dir / "x").string());
  CHECK(no_folds.code == 2);
  CHECK(no_folds.out.find("--fold 1 needs --folds K") != std::string::npos);
  Result past = run_candor("train " + bank + " --folds 3 --fold 3 --quiet --out " + (dir / "x").string());
  CHECK(past.code == 2);
  CHECK(past.out.find("--fold 3 of --folds 3: folds are numbered 0 to 2") != std::string::npos);
  Result both = run_candor("train " + bank + " --folds 3 --test-fraction 0.3 --quiet --out " + (dir / "x").string());
  CHECK(both.code == 2);
  CHECK(both.out.find("--test-fraction 0.3 with --folds 3") != std::string::npos);
  Result one = run_candor("train " + bank + " --folds 1 --quiet --out " + (dir / "x").string());
  CHECK(one.code == 2);
  CHECK(one.out.find("--folds") != std::string::npos);
  Result refold = run_candor("finetune --init " + (dir / "base0" / "model.safetensors").string() +
                             " --folds 3 --fold 1 --penalty dp --lambda 1 --quiet --out " + (dir / "x").string());
  CHECK(refold.code == 2);
  CHECK(refold.out.find("folds describe --data or --csv") != std::string::npos);
}

TEST_CASE("data formats: predict and ebm predict score every row of a file without labels") {
  fs::path dir = scratch("unlabelled");
  const std::string file = "--csv " + fixture("bank.csv") + " --delimiter ';' --label y --positive yes";
  const std::string bank = file + " --sensitive age --sensitive-bins age:25";
  REQUIRE(run_candor("train " + bank + " --hidden 8 --epochs 2 --quiet --out " + (dir / "mlp").string()).code == 0);
  REQUIRE(run_candor("ebm fit " + bank + " --outer-bags 2 --max-rounds 200 --interactions 0 --quiet --out " +
                     (dir / "ebm").string()).code == 0);
  // Three new rows in another column order, no label; the second misses its duration.
  std::ofstream(dir / "new.csv") << "\"job\";\"age\";\"marital\";\"education\";\"default\";\"balance\";\"housing\";\"loan\";\"duration\"\n"
                                    "\"student\";21;\"single\";\"tertiary\";\"no\";300;\"no\";\"no\";480\n"
                                    "\"admin.\";45;\"married\";\"secondary\";\"no\";1200;\"yes\";\"no\";\n"
                                    "\"unknown\";70;\"divorced\";\"primary\";\"yes\";-20;\"no\";\"yes\";90\n";
  const std::string fresh = " --csv " + (dir / "new.csv").string() + " --delimiter ';'";
  Result p = run_candor("predict --run " + (dir / "mlp").string() + fresh + " --out " + (dir / "mlp.csv").string());
  INFO(p.out);
  REQUIRE(p.code == 0);
  CHECK(p.out.find("1 of 3 rows have a missing input") != std::string::npos);
  std::string mlp = slurp(dir / "mlp.csv");
  CHECK(mlp.rfind("y_pred,score,age\n", 0) == 0);
  CHECK(std::count(mlp.begin(), mlp.end(), '\n') == 4);
  CHECK(mlp.find("\n,,\n") != std::string::npos);  // the row that could not be scored: empty fields
  Result e = run_candor("ebm predict --run " + (dir / "ebm").string() + fresh + " --out " + (dir / "ebm.csv").string());
  INFO(e.out);
  REQUIRE(e.code == 0);
  std::string ebm = slurp(dir / "ebm.csv");
  CHECK(ebm.rfind("y_pred,score,age\n", 0) == 0);
  CHECK(std::count(ebm.begin(), ebm.end(), '\n') == 4);
  CHECK(ebm.find(",<25\n") != std::string::npos);
  // A labelled file gets y_true too, and the run's own split is unchanged.
  Result labelled = run_candor("predict --run " + (dir / "mlp").string() + " --csv " + fixture("bank.csv") +
                               " --delimiter ';' --out " + (dir / "all.csv").string());
  REQUIRE(labelled.code == 0);
  std::string all = slurp(dir / "all.csv");
  CHECK(all.rfind("y_true,y_pred,score,age\n", 0) == 0);
  CHECK(std::count(all.begin(), all.end(), '\n') == 501);
  Result both = run_candor("predict --run " + (dir / "mlp").string() + fresh + " --split test --out " + (dir / "x.csv").string());
  CHECK(both.code == 2);
  CHECK(both.out.find("give one of them") != std::string::npos);
  // A labelled file without a sensitive column the model does not read: scored, with y_true.
  REQUIRE(run_candor("train " + file + " --sensitive marital,age --sensitive-bins age:25 --drop marital --hidden 8 --epochs 1 --quiet --out " +
                     (dir / "no_marital").string()).code == 0);
  std::ofstream(dir / "labelled.csv") << "\"job\";\"age\";\"education\";\"default\";\"balance\";\"housing\";\"loan\";\"duration\";\"y\"\n"
                                         "\"student\";21;\"tertiary\";\"no\";300;\"no\";\"no\";480;\"yes\"\n";
  Result partial = run_candor("predict --run " + (dir / "no_marital").string() + " --csv " + (dir / "labelled.csv").string() +
                              " --delimiter ';' --out " + (dir / "partial.csv").string());
  INFO(partial.out);
  REQUIRE(partial.code == 0);
  std::string got = slurp(dir / "partial.csv");
  CHECK(got.rfind("y_true,y_pred,score,age\n1,", 0) == 0);
}
