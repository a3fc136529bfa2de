// End-to-end: candor ebm fit / explain / predict on the synthetic dataset.
#include <filesystem>
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

TEST_CASE("cli: ebm fit writes a run folder that explain and predict read back") {
  const fs::path dir = scratch("ebm") / "run";
  Result r = run_candor("ebm fit --data synthetic --outer-bags 2 --interactions 1 --max-rounds 300 "
                        "--quiet --out " + dir.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* file : {"config.json", "model.ebm.json", "metrics.json", "explanation.json",
                           "plots/importance.svg"})
    CHECK(fs::exists(dir / file));
  const auto metrics = nlohmann::json::parse(slurp(dir / "metrics.json"));
  CHECK(metrics["test"]["roc_auc"].get<double>() > 0.7);  // the synthetic task is learnable

  Result g = run_candor("ebm explain --global --run " + dir.string());
  REQUIRE(g.code == 0);
  CHECK(nlohmann::json::parse(g.out)["terms"].size() >= 2);

  Result l = run_candor("ebm explain --row 2 --split test --run " + dir.string());
  INFO(l.out);
  REQUIRE(l.code == 0);
  const auto local = nlohmann::json::parse(l.out)["rows"][0];
  double sum = local["intercept"].get<double>();
  for (const auto& t : local["terms"]) sum += t["contribution"].get<double>();
  CHECK(sum == doctest::Approx(local["score"].get<double>()).epsilon(1e-12));
  CHECK(fs::exists(dir / "plots" / "local_test_2.svg"));

  const fs::path csv = dir / "predictions.csv";
  Result p = run_candor("ebm predict --run " + dir.string() + " --out " + csv.string());
  REQUIRE(p.code == 0);
  std::istringstream lines(slurp(csv));
  std::string header;
  std::getline(lines, header);
  CHECK(header.rfind("y_true,y_pred,score", 0) == 0);

  CHECK(run_candor("ebm explain --run " + dir.string()).code == 2);  // neither --global nor --row
  CHECK(run_candor("ebm fit --data synthetic").code == 2);           // --out missing
  CHECK(run_candor("ebm explain --global --run " + (dir / "nope").string()).code == 1);
}
