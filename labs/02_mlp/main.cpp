// Lab 02: an MLP on UCI Adult. Load and split the data, encode it (fitted on the training rows
// only), train with early stopping on validation, and compare the test figures with the
// majority-class baseline. Set CANDOR_LAB_QUICK=1 for a 3-epoch run.
#include <cstdlib>

#include <fmt/format.h>

#include "datasets/datasets.h"
#include "engine/engine.h"
#include "nn/nn.h"
#include "engine/threads.h"

using namespace candor;

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const bool quick = std::getenv("CANDOR_LAB_QUICK") != nullptr;
  datasets::Splits adult = datasets::load_splits({.name = "adult"}, /*seed=*/0);
  datasets::Encoder encoder = datasets::Encoder::fit(adult.train, adult.schema);
  datasets::Encoded train = encoder.transform(adult.train);
  datasets::Encoded validation = encoder.transform(adult.validation);
  datasets::Encoded test = encoder.transform(adult.test);
  fmt::print("rows: train {}, validation {}, test {}; {} input columns -> {} features\n", train.x.size(0),
             validation.x.size(0), test.x.size(0), adult.train.columns().size() - 1, encoder.num_features());

  nn::TabularModelSpec spec;  // an MLP 104 -> 64 -> 64 -> 1
  spec.mlp.hidden = {64, 64};
  auto model = nn::build_tabular_model(spec, encoder, /*seed=*/0);
  nn::TrainOptions options;
  options.epochs = quick ? 3 : 20;
  options.progress = false;
  nn::FitResult result = nn::train_classifier(*model, train, validation, options);
  for (const nlohmann::json& line : result.log) {
    fmt::print("epoch {:2d}  train loss {:.4f}  validation log loss {:.4f}  accuracy {:.4f}{}\n",
               line["epoch"].get<int64_t>(), line["train_loss"].get<double>(), line["validation"]["log_loss"].get<double>(),
               line["validation"]["accuracy"].get<double>(), line["best"].get<bool>() ? "  (best so far)" : "");
  }
  fmt::print("kept the weights of epoch {} of {}\n", result.best_epoch, result.epochs_run);

  std::map<std::string, double> m = nn::task_metrics(nn::score(*model, test));
  const double positives = mean(test.y).item();
  fmt::print("test accuracy {:.4f}, ROC AUC {:.4f}, log loss {:.4f}\n", m["accuracy"], m["roc_auc"], m["log_loss"]);
  fmt::print("majority-class baseline: always predict <=50K, accuracy {:.4f} (positives {:.1f}% of test rows)\n",
             1 - positives, 100 * positives);
  return 0;
}
