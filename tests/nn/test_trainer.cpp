#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "nn/layers.h"
#include "nn/trainer.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

namespace {
// A one-weight model whose validation metric follows a script, to test the loop's bookkeeping.
struct Scripted {
  Generator gen{1};
  Linear model{1, 1, gen};
  Adam optimizer{model.parameters(), AdamOptions{}};
  std::vector<double> script;
  size_t calls = 0;
  TrainingHooks hooks() {
    TrainingHooks h;
    h.batches_per_epoch = 2;
    h.batch_loss = [this](int64_t) { return sum(model(ones({4, 1})) * model(ones({4, 1}))); };
    h.validate = [this] { return std::map<std::string, double>{{"log_loss", script.at(calls++)}}; };
    return h;
  }
};
}  // namespace

TEST_CASE("trainer: early stopping keeps the best epoch's weights and logs every epoch") {
  Scripted s;
  s.script = {0.9, 0.5, 0.6, 0.7, 0.4};
  std::filesystem::path log = std::filesystem::temp_directory_path() / "candor_trainer_log.jsonl";
  FitOptions options;
  options.epochs = 5;
  options.patience = 2;
  options.progress = false;
  options.log_path = log.string();
  FitResult r = fit(s.model, s.optimizer, s.hooks(), options);
  CHECK(r.best_epoch == 2);
  CHECK(r.best_value == 0.5);
  CHECK(r.epochs_run == 4);  // epochs 3 and 4 did not improve: patience 2 stops before 5
  REQUIRE(r.log.size() == 4);
  CHECK(r.log[1]["best"] == true);
  CHECK(r.log[2]["best"] == false);
  // The best state is a copy: training on does not change it.
  double kept = r.best_state.at("weight").item();
  CHECK(kept != s.model.weight.item());
  std::ifstream in(log);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    CHECK(nlohmann::json::parse(line)["epoch"] == lines + 1);
  }
  CHECK(lines == 4);
}

TEST_CASE("trainer: maximised metrics, no patience, and bad hooks or monitors are errors") {
  Scripted s;
  s.script = {0.6, 0.8, 0.7};
  FitOptions options;
  options.epochs = 3;
  options.monitor = "log_loss";
  options.maximize = true;
  options.progress = false;
  FitResult r = fit(s.model, s.optimizer, s.hooks(), options);
  CHECK(r.best_epoch == 2);
  CHECK(r.epochs_run == 3);

  Scripted t;
  t.script = {0.5};
  options.monitor = "roc_auc";
  testing::check_throws<ValueError>([&] { fit(t.model, t.optimizer, t.hooks(), options); },
                                    {"fit: validation gives no metric \"roc_auc\""});
  TrainingHooks empty;
  testing::check_throws<ValueError>([&] { fit(t.model, t.optimizer, empty, options); },
                                    {"fit: the hooks need batch_loss"});
}
