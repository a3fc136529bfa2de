// End-to-end tests of the `candor` command: run folders, exit codes, error lines, determinism.

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
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

namespace {

const std::string kSmallTrain =
    "train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --seed 3 --quiet";

}  // namespace

TEST_CASE("cli: train writes a complete run folder and eval/predict read it back") {
  fs::path dir = scratch("run");
  Result r = run_candor(kSmallTrain + " --out " + (dir / "run").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* file : {"config.json", "model.safetensors", "metrics.json", "log.jsonl"}) {
    CHECK(fs::exists(dir / "run" / file));
  }
  auto metrics = nlohmann::json::parse(slurp(dir / "run" / "metrics.json"));
  for (const char* split : {"test", "validation"}) {
    for (const char* key : {"accuracy", "roc_auc", "log_loss"}) {
      REQUIRE(metrics[split].contains(key));
      double v = metrics[split][key];
      CHECK(v >= 0.0);
    }
  }
  // The synthetic task is learnable: far better than chance.
  CHECK(metrics["test"]["roc_auc"].get<double>() > 0.7);
  // log.jsonl: one line per epoch run.
  std::istringstream log(slurp(dir / "run" / "log.jsonl"));
  int lines = 0;
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line);
    CHECK(j["epoch"].get<int>() == ++lines);
  }
  CHECK(lines == metrics["epochs_run"].get<int>());

  Result e = run_candor("eval --run " + (dir / "run").string() + " --split test --bootstrap 10");
  INFO(e.out);
  REQUIRE(e.code == 0);
  auto evaluated = nlohmann::json::parse(e.out);
  // eval also reports fairness for the run's sensitive column (candor audit's JSON).
  CHECK(evaluated["test"]["fairness"]["sensitive_features"]["group"]["fairlearn"].contains(
      "demographic_parity_difference"));
  CHECK(evaluated["test"]["roc_auc"].get<double>() == doctest::Approx(metrics["test"]["roc_auc"].get<double>()).epsilon(1e-12));

  Result p = run_candor("predict --run " + (dir / "run").string() + " --out " + (dir / "pred.csv").string());
  INFO(p.out);
  REQUIRE(p.code == 0);
  std::istringstream pred(slurp(dir / "pred.csv"));
  std::string header;
  std::getline(pred, header);
  CHECK(header == "y_true,y_pred,score,group");
  int rows = 0;
  for (std::string line; std::getline(pred, line);) ++rows;
  CHECK(rows > 100);
}

TEST_CASE("cli: train --model logistic solves the regression and writes a run eval and predict read") {
  fs::path dir = scratch("logistic");
  Result r = run_candor("train --data synthetic --model logistic --C 0.5 --out " + (dir / "run").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Newton steps") != std::string::npos);
  auto config = candor::testing::read_json(dir / "run" / "config.json");
  CHECK(config["model"]["kind"] == "logistic");
  CHECK(config["model"]["C"].get<double>() == 0.5);
  auto metrics = candor::testing::read_json(dir / "run" / "metrics.json");
  CHECK(metrics["newton_steps"].get<int>() >= 1);
  CHECK(metrics["test"]["roc_auc"].get<double>() > 0.7);
  CHECK_FALSE(fs::exists(dir / "run" / "log.jsonl"));
  Result e = run_candor("eval --run " + (dir / "run").string() + " --split test --bootstrap 0");
  INFO(e.out);
  REQUIRE(e.code == 0);
  CHECK(nlohmann::json::parse(e.out)["test"]["roc_auc"].get<double>() ==
        doctest::Approx(metrics["test"]["roc_auc"].get<double>()).epsilon(1e-12));
  Result bad = run_candor("train --data synthetic --model logistic --C 0 --out " + (dir / "bad").string());
  CHECK(bad.code == 2);
}

TEST_CASE("cli: train --numeric-bins puts the piecewise-linear layer in front of the MLP; finetune and explain read it") {
  fs::path dir = scratch("numeric_bins");
  const std::string run = (dir / "run").string();
  Result r = run_candor(kSmallTrain + " --numeric-bins 8 --out " + run);
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto config = candor::testing::read_json(dir / "run" / "config.json");
  CHECK(config["model"]["numeric_bins"].get<int>() == 8);
  CHECK(candor::testing::read_json(dir / "run" / "metrics.json")["test"]["roc_auc"].get<double>() > 0.7);
  for (const std::string& next :
       {"eval --run " + run + " --split test --bootstrap 0",
        "finetune --init " + run + "/model.safetensors --penalty dp --lambda 0.5 --epochs 1 --quiet --out " +
            (dir / "tuned").string(),
        "finetune --init " + run + "/model.safetensors --mode lora --penalty dp --lambda 0.5 --epochs 1 --quiet --out " +
            (dir / "lora").string(),
        "explain --run " + run + " --method ig --rows 3 --out " + (dir / "ig").string()}) {
    Result n = run_candor(next);
    INFO(next << "\n" << n.out);
    CHECK(n.code == 0);
  }
  Result bad = run_candor("train --data synthetic --model logistic --numeric-bins 8 --out " + (dir / "bad").string());
  CHECK(bad.code == 2);
  CHECK(candor::testing::has(bad.out, "--numeric-bins is for the MLP, not --model logistic"));
  CHECK_FALSE(fs::exists(dir / "bad"));
  CHECK(run_candor(kSmallTrain + " --numeric-bins -1 --out " + (dir / "neg").string()).code == 2);
}

TEST_CASE("cli: the same seed gives a byte-identical model, for 1 and 2 threads") {
  fs::path dir = scratch("determinism");
  Result a = run_candor(kSmallTrain + " --out " + (dir / "a").string(), "OMP_NUM_THREADS=1");
  Result b = run_candor(kSmallTrain + " --out " + (dir / "b").string(), "OMP_NUM_THREADS=2");
  Result c = run_candor(kSmallTrain + " --out " + (dir / "c").string(), "OMP_NUM_THREADS=2");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  REQUIRE(c.code == 0);
  std::string model_a = slurp(dir / "a" / "model.safetensors");
  CHECK(model_a.size() > 100);
  CHECK(model_a == slurp(dir / "b" / "model.safetensors"));
  CHECK(model_a == slurp(dir / "c" / "model.safetensors"));
  Result other = run_candor("train --data synthetic --hidden 16 --epochs 3 --batch-size 64 --seed 4 --quiet --out " +
                        (dir / "d").string());
  REQUIRE(other.code == 0);
  CHECK(model_a != slurp(dir / "d" / "model.safetensors"));
}

TEST_CASE("cli: usage errors exit 2 and runtime errors exit 1, each with one clear line") {
  fs::path dir = scratch("errors");
  Result no_sub = run_candor("");
  CHECK(no_sub.code == 2);
  Result bad_flag = run_candor("train --data synthetic --no-such-flag --out " + (dir / "x").string());
  CHECK(bad_flag.code == 2);
  CHECK(bad_flag.out.find("--no-such-flag") != std::string::npos);
  Result no_out = run_candor("train --data synthetic");
  CHECK(no_out.code == 2);
  CHECK(no_out.out.find("--out") != std::string::npos);

  Result unknown = run_candor("train --data nosuch --quiet --out " + (dir / "x").string());
  CHECK(unknown.code == 1);
  CHECK(unknown.out.find("nosuch") != std::string::npos);
  CHECK(std::count(unknown.out.begin(), unknown.out.end(), '\n') == 1);

  Result missing_run = run_candor("eval --run " + (dir / "nothing").string());
  CHECK(missing_run.code == 1);
  CHECK(missing_run.out.find("model.safetensors") != std::string::npos);

  std::ofstream(dir / "bad.csv") << "a,b,label\n1,2,1\n3,4\n";
  Result bad_csv = run_candor("train --csv " + (dir / "bad.csv").string() + " --label label --quiet --out " + (dir / "y").string());
  CHECK(bad_csv.code == 1);
  CHECK(bad_csv.out.find("bad.csv:3") != std::string::npos);

  std::ofstream(dir / "ok.csv") << "a,b,label\n1,2,1\n3,4,0\n";
  Result bad_label = run_candor("train --csv " + (dir / "ok.csv").string() + " --label salary --quiet --out " + (dir / "z").string());
  CHECK(bad_label.code == 1);
  CHECK(bad_label.out.find("salary") != std::string::npos);

  // Data options that do not say which data to use are usage errors, before anything is written.
  for (const auto& entry : std::vector<std::pair<std::string, std::string>>{
           {"--data synthetic --csv " + (dir / "ok.csv").string() + " --label label", "one of them"},
           {"", "say which data to use"},
           {"--csv " + (dir / "ok.csv").string(), "needs --label COLUMN"},
           {"--data german --sensitive sex --sensitive-bins age:25", "--sensitive-bins age: age is not one of --sensitive"}}) {
    const auto& args = entry.first;
    const auto& message = entry.second;
    Result r = run_candor("train " + args + " --quiet --out " + (dir / "usage").string());
    INFO(args, ": ", r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find(message) != std::string::npos);
    CHECK(!fs::exists(dir / "usage"));
  }

  Result help = run_candor("train --help");
  CHECK(help.code == 0);
  CHECK(help.out.find("--hidden") != std::string::npos);
}

TEST_CASE("cli: every --help shows the options' defaults") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train", "--epochs INT:POSITIVE=20"},           {"finetune", "--epochs INT:POSITIVE=10"},
      {"finetune", "--schedule TEXT:{cosine,linear,constant}=cosine"},
      {"finetune", "--dual-every INT:POSITIVE=20"},     {"sweep", "--lambdas FLOAT:NONNEGATIVE=[0,0.25,0.5,1,2,4]"},
      {"eval", "--bootstrap INT:NONNEGATIVE=200"},      {"ebm fit", "--outer-bags UINT:POSITIVE=14"},
      {"ebm fit", "--interactions INT:NONNEGATIVE=3 x features"}, {"predict", "--delimiter TEXT=,"}};
  for (const auto& entry : cases) {
    const auto& command = entry.first;
    const auto& line = entry.second;
    Result r = run_candor(command + " --help");
    INFO(command, ": ", r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find(line) != std::string::npos);
  }
}

TEST_CASE("cli: --version names the version, and exits 0") {
  Result r = run_candor("--version");
  CHECK(r.code == 0);
  CHECK(r.out.rfind("candor 0.", 0) == 0);
}

TEST_CASE("cli: train and finetune --device cuda train on the GPU, or fail saying why and write no run") {
  fs::path dir = scratch("device");
  Result cpu = run_candor(kSmallTrain + " --out " + (dir / "cpu").string());
  Result gpu = run_candor(kSmallTrain + " --device cuda --out " + (dir / "gpu").string());
  REQUIRE(cpu.code == 0);
  if (gpu.code == 0) {  // a GPU: the same metrics (the run folders differ only in timings)
    auto a = nlohmann::json::parse(slurp(dir / "cpu" / "metrics.json"));
    auto b = nlohmann::json::parse(slurp(dir / "gpu" / "metrics.json"));
    CHECK(b["test"]["accuracy"].get<double>() == doctest::Approx(a["test"]["accuracy"].get<double>()).epsilon(1e-4));
    return;
  }
  INFO(gpu.out);
  CHECK(gpu.code == 1);
  CHECK(gpu.out.find("cuda: ") != std::string::npos);
  CHECK(!fs::exists(dir / "gpu"));
  Result fine = run_candor("finetune --init " + (dir / "cpu" / "model.safetensors").string() + " --penalty dp --lambda 1 --epochs 1 --quiet --device cuda --out " +
                           (dir / "fine").string());
  INFO(fine.out);
  CHECK(fine.code == 1);
  CHECK(fine.out.find("cuda: ") != std::string::npos);
  CHECK(!fs::exists(dir / "fine"));
  CHECK(run_candor(kSmallTrain + " --device tpu --out " + (dir / "tpu").string()).code == 2);
}
