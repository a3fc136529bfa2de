// A run's config.json read back: a config written by to_json reads back the same, and a number
// that does not fit its integer field is an error naming it, never a silent cast.
#include <doctest/doctest.h>

#include "nn/run.h"
#include "tests/support/checks.h"

using namespace candor;

TEST_CASE("run config: to_json reads back to the same config") {
  nn::RunConfig c;
  c.data.name = "adult";
  c.model.mlp.hidden = {8, 4};
  c.train.epochs = 3;
  c.seed = 18446744073709551615u;
  nlohmann::json j = nn::to_json(c);
  CHECK(nn::to_json(nn::run_config_from_json(j)) == j);
  c.model.kind = "logistic";
  c.model.logistic.C = 0.25;
  j = nn::to_json(c);
  CHECK(nn::run_config_from_json(j).model.logistic.C == 0.25);
  CHECK(nn::to_json(nn::run_config_from_json(j)) == j);
}

TEST_CASE("run config: integer fields take only integers in range") {
  nn::RunConfig c;
  c.data.name = "adult";
  const nlohmann::json good = nn::to_json(c);
  // The fuzzer's input (tests/fuzz/regressions/run_config/): a seed past 2^64 parses as a float,
  // which nlohmann cast to uint64_t, undefined behaviour.
  nlohmann::json j = good;
  j["seed"] = 18446744075309751614.0;
  testing::check_throws<Error>([&] { nn::run_config_from_json(j); }, {"run config:", "expected an integer"});
  j = good;
  j["seed"] = -1;  // once wrapped silently to 2^64 - 1
  testing::check_throws<Error>([&] { nn::run_config_from_json(j); }, {"expected an integer", "-1"});
  j = good;
  j["train"]["epochs"] = 2.5;
  testing::check_throws<Error>([&] { nn::run_config_from_json(j); }, {"expected an integer", "2.5"});
  j = good;
  j["model"]["hidden"] = {64, 1e30};
  testing::check_throws<Error>([&] { nn::run_config_from_json(j); }, {"expected an integer", "1e+30"});
  j = good;
  j["train"]["batch_size"] = true;
  testing::check_throws<Error>([&] { nn::run_config_from_json(j); }, {"expected an integer", "boolean"});
}
