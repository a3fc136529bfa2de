// candor mitigate: the run folder each method writes, what compare and eval read from it, and the
// inputs it refuses.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::read_json;
using candor::testing::has;
using candor::testing::lines;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

TEST_CASE("cli mitigate: threshold writes a randomised run that compare reads as it was measured") {
  const fs::path dir = scratch("mitigate_threshold");
  Result r = run_candor("mitigate --data synthetic --method threshold --constraint eo --bootstrap 20 --out " +
                        (dir / "t").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "expected values of the randomised classifier"));
  for (const char* file : {"config.json", "mitigation.json", "encoder.json", "test_predictions.csv", "metrics.json",
                           ".candor-run"}) {
    CHECK(fs::exists(dir / "t" / file));
  }
  CHECK_FALSE(fs::exists(dir / "t" / "model.safetensors"));
  const auto config = read_json(dir / "t" / "config.json");
  CHECK(config["mitigation"]["method"] == "threshold");
  CHECK(config["mitigation"]["constraint"] == "eo");
  const auto metrics = read_json(dir / "t" / "metrics.json");
  CHECK(metrics["randomised"] == true);
  const auto& after = metrics["test"][1];
  // The audit of one seeded draw, as candor audit reports it.
  CHECK(metrics["audit"]["sensitive_features"]["group"]["fairlearn"].contains("demographic_parity_difference"));
  CHECK(after["name"] == "after");
  CHECK(after["equalized_odds_difference"]["value"].get<double>() <
        metrics["test"][0]["equalized_odds_difference"]["value"].get<double>());
  const std::string csv = slurp(dir / "t" / "test_predictions.csv");
  CHECK(csv.rfind("y_true,p_one,group\n", 0) == 0);
  CHECK(lines(csv) == after["rows"].get<size_t>() + 1);
  // predict: the probabilities as scores and one seeded draw as labels, the same for a seed.
  REQUIRE(run_candor("predict --run " + (dir / "t").string() + " --seed 4 --out " + (dir / "a.csv").string()).code == 0);
  REQUIRE(run_candor("predict --run " + (dir / "t").string() + " --seed 4 --out " + (dir / "b.csv").string()).code == 0);
  REQUIRE(run_candor("predict --run " + (dir / "t").string() + " --seed 5 --out " + (dir / "c.csv").string()).code == 0);
  const std::string a = slurp(dir / "a.csv");
  CHECK(a.rfind("y_true,y_pred,score,group\n", 0) == 0);
  CHECK(lines(a) == lines(csv));
  CHECK(a == slurp(dir / "b.csv"));
  CHECK(a != slurp(dir / "c.csv"));
  Result adapter = run_candor("predict --run " + (dir / "t").string() + " --adapter a.safetensors --out " +
                              (dir / "x.csv").string());
  CHECK(adapter.code == 2);
  CHECK(has(adapter.out, "--adapter applies to fine-tuned networks"));
  fs::create_directories(dir / "foreign");
  fs::copy_file(dir / "t" / "mitigation.json", dir / "foreign" / "mitigation.json");
  std::ofstream(dir / "foreign" / "config.json") << "{\"seed\": 0}\n";
  Result foreign = run_candor("predict --run " + (dir / "foreign").string() + " --out " + (dir / "y.csv").string());
  CHECK(foreign.code == 1);
  CHECK(has(foreign.out, "config.json describes no mitigation run"));
  CHECK(lines(foreign.out) == 1);
  Result eval = run_candor("eval --run " + (dir / "t").string());
  CHECK(eval.code == 1);
  CHECK(has(eval.out, "mitigation without a single network"));
  // compare reads test_predictions.csv: the same expected accuracy and gap.
  Result c = run_candor("compare " + (dir / "t").string() + " --bootstrap 0 --out " + (dir / "cmp").string());
  INFO(c.out);
  REQUIRE(c.code == 0);
  const auto row = read_json(dir / "cmp" / "compare.json")["rows"][0];
  CHECK(row["method"] == "threshold eo, logistic");
  CHECK(row["accuracy"]["value"].get<double>() == doctest::Approx(after["accuracy"]["value"].get<double>()).epsilon(1e-12));
  CHECK(row["equalized_odds_difference"]["value"].get<double>() ==
        doctest::Approx(after["equalized_odds_difference"]["value"].get<double>()).epsilon(1e-12));
}

TEST_CASE("cli mitigate: reweighing leaves a checkpoint that eval reads; expgrad and the others run") {
  const fs::path dir = scratch("mitigate_methods");
  Result r = run_candor("mitigate --data synthetic --method reweighing --bootstrap 0 --quiet --out " + (dir / "rw").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.empty());
  Result e = run_candor("eval --run " + (dir / "rw").string() + " --bootstrap 0");
  INFO(e.out);
  REQUIRE(e.code == 0);
  // eval thresholds the checkpoint's scores at 0.5: the accuracy mitigate measured.
  CHECK(nlohmann::json::parse(e.out)["test"]["accuracy"].get<double>() ==
        doctest::Approx(read_json(dir / "rw" / "metrics.json")["test"][1]["accuracy"]["value"].get<double>()).epsilon(1e-9));
  for (const std::string method : {"correlation-remover", "expgrad", "gridsearch", "adversarial"}) {
    CAPTURE(method);
    Result m = run_candor("mitigate --data synthetic --method " + method + " --bootstrap 0 --quiet --out " +
                          (dir / method).string());
    INFO(m.out);
    CHECK(m.code == 0);
    CHECK(fs::exists(dir / method / "test_predictions.csv"));
  }
  Result c = run_candor("compare " + (dir / "rw").string() + " " + (dir / "expgrad").string() + " " +
                        (dir / "adversarial").string() + " --bootstrap 0");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(has(c.out, "expgrad dp eps=0.01 bound=0.01"));
}

TEST_CASE("cli mitigate: what it refuses is one line; a bound it cannot reach is a warning") {
  const fs::path dir = scratch("mitigate_bad");
  Result constraint = run_candor("mitigate --data synthetic --method threshold --constraint tpr --out " + (dir / "a").string());
  CHECK(constraint.code == 2);
  CHECK(has(constraint.out, "threshold takes the constraint dp or eo"));
  CHECK(lines(constraint.out) == 1);
  Result adversary = run_candor("mitigate --data synthetic --method adversarial --constraint fpr --out " + (dir / "b").string());
  CHECK(adversary.code == 2);
  CHECK(has(adversary.out, "adversarial takes the constraint dp or eo"));
  CHECK_FALSE(fs::exists(dir / "b"));
  // One group: nothing to equalise.
  std::ofstream(dir / "one.csv") << [] {
    std::ostringstream text;
    text << "x,g,y\n";
    for (int i = 0; i < 80; ++i) text << i % 7 << ",a," << i % 2 << "\n";
    return text.str();
  }();
  Result one = run_candor("mitigate --csv " + (dir / "one.csv").string() +
                          " --label y --sensitive g --method threshold --out " + (dir / "c").string());
  INFO(one.out);
  CHECK(one.code == 1);
  CHECK(has(one.out, "1 group"));
  CHECK(lines(one.out) == 1);
  CHECK_FALSE(fs::exists(dir / "c"));
  // No slack and three iterations: the reduction says it returns the best it found.
  Result bound = run_candor("mitigate --data synthetic --method expgrad --difference-bound 0 --max-iter 3 --quiet "
                            "--bootstrap 0 --out " + (dir / "d").string());
  INFO(bound.out);
  CHECK(bound.code == 0);
  CHECK(has(bound.out, "warning: ExponentiatedGradient did not converge"));
  CHECK(read_json(dir / "d" / "metrics.json")["warnings"].size() >= 1);
}

TEST_CASE("cli mitigate: train --reweigh is the reweighing mitigation, fed to candor train") {
  const fs::path dir = scratch("mitigate_reweigh_train");
  Result t = run_candor("train --data synthetic --model logistic --reweigh group --quiet --out " + (dir / "train").string());
  INFO(t.out);
  REQUIRE(t.code == 0);
  CHECK(read_json(dir / "train" / "config.json")["reweigh"] == "group");
  REQUIRE(run_candor("mitigate --data synthetic --method reweighing --bootstrap 0 --quiet --out " + (dir / "m").string()).code == 0);
  REQUIRE(run_candor("train --data synthetic --model logistic --quiet --out " + (dir / "plain").string()).code == 0);
  Result c = run_candor("compare " + (dir / "train").string() + " " + (dir / "m").string() + " " + (dir / "plain").string() +
                        " --bootstrap 0 --out " + (dir / "cmp").string());
  INFO(c.out);
  REQUIRE(c.code == 0);
  const auto rows = read_json(dir / "cmp" / "compare.json")["rows"];
  // The same weights on the same rows: the same model, so the same predictions.
  CHECK(rows[0]["accuracy"]["value"] == rows[1]["accuracy"]["value"]);
  CHECK(rows[0]["demographic_parity_difference"]["value"] == rows[1]["demographic_parity_difference"]["value"]);
  CHECK(rows[0]["demographic_parity_difference"]["value"].get<double>() <
        rows[2]["demographic_parity_difference"]["value"].get<double>());
  Result bad = run_candor("train --data synthetic --reweigh colour --out " + (dir / "bad").string());
  CHECK(bad.code == 1);
  CHECK(has(bad.out, "colour"));
}
