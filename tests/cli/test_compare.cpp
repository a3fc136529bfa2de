// candor compare: runs side by side on the same test rows; the table, compare.json and the
// Pareto plot, and the runs it must refuse.
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/cli/run_candor.h"

namespace fs = std::filesystem;
using candor::testing::read_json;
using candor::testing::has;
using candor::testing::Result;
using candor::testing::run_candor;
using candor::testing::scratch;
using candor::testing::slurp;

TEST_CASE("cli compare: a logistic regression and an MLP in one table, compare.json and pareto.svg") {
  const fs::path dir = scratch("compare");
  REQUIRE(run_candor("train --data synthetic --model logistic --quiet --out " + (dir / "lr").string()).code == 0);
  REQUIRE(run_candor("train --data synthetic --hidden 8 --epochs 2 --quiet --out " + (dir / "mlp").string()).code == 0);
  Result r = run_candor("compare " + (dir / "lr").string() + " " + (dir / "mlp").string() +
                        " --bootstrap 20 --gap eod --out " + (dir / "cmp").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "train logistic"));
  CHECK(has(r.out, "train mlp"));
  const auto json = read_json(dir / "cmp" / "compare.json");
  REQUIRE(json["rows"].size() == 2);
  CHECK(json["rows"][0]["name"] == "lr");
  CHECK(json["rows"][0]["fit_seconds"].get<double>() >= 0);
  const double dpd = json["rows"][1]["demographic_parity_difference"]["value"];
  CHECK(json["rows"][1]["demographic_parity_difference"]["ci_low"].get<double>() <= dpd);
  // The accuracy printed is the one eval reports for the same run (hard predictions at 0.5).
  Result e = run_candor("eval --run " + (dir / "lr").string() + " --bootstrap 0");
  REQUIRE(e.code == 0);
  CHECK(json["rows"][0]["accuracy"]["value"].get<double>() ==
        doctest::Approx(nlohmann::json::parse(e.out)["test"]["accuracy"].get<double>()).epsilon(1e-12));
  const std::string svg = slurp(dir / "cmp" / "pareto.svg");
  CHECK(has(svg, "<svg"));
  CHECK(has(svg, ">lr<"));
  CHECK(has(svg, "equalized odds difference"));
}

TEST_CASE("cli compare: runs it cannot compare are one clear line") {
  const fs::path dir = scratch("compare_bad");
  REQUIRE(run_candor("train --data synthetic --model logistic --quiet --out " + (dir / "lr").string()).code == 0);
  REQUIRE(run_candor("train --data synthetic --model logistic --quiet --seed 5 --out " + (dir / "other").string()).code == 0);
  fs::create_directories(dir / "empty");
  Result empty = run_candor("compare " + (dir / "lr").string() + " " + (dir / "empty").string());
  CHECK(empty.code == 1);
  CHECK(has(empty.out, "neither test_predictions.csv"));
  // Another seed splits the rows differently: not the same test rows.
  Result split = run_candor("compare " + (dir / "lr").string() + " " + (dir / "other").string());
  CHECK(split.code == 1);
  CHECK(has(split.out, "not evaluated on the same test rows"));
  Result column = run_candor("compare " + (dir / "lr").string() + " --sensitive colour");
  CHECK(column.code == 1);
  CHECK(has(column.out, "colour"));
  std::ofstream(dir / "empty" / "test_predictions.csv") << "y_true,p_one,group\n1,0.5,a\n0,2,b\n";
  Result bad = run_candor("compare " + (dir / "empty").string());
  CHECK(bad.code == 1);
  CHECK(has(bad.out, "probabilities in [0, 1]"));
  CHECK(has(bad.out, ":3"));
}
