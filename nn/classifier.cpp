#include "nn/classifier.h"

#include <cmath>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "datasets/loader.h"
#include "engine/engine.h"
#include "nn/scoring.h"

namespace candor::nn {

std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& t, const std::vector<Tensor>& params) {
  if (t.optimizer == "adam") return std::make_unique<Adam>(params, AdamOptions{t.lr, 0.9, 0.999, 1e-8, t.weight_decay});
  if (t.optimizer == "adamw") return std::make_unique<AdamW>(params, AdamOptions{t.lr, 0.9, 0.999, 1e-8, t.weight_decay});
  if (t.optimizer == "sgd") {
    SgdOptions o;
    o.lr = t.lr;
    o.momentum = t.momentum;
    o.weight_decay = t.weight_decay;
    return std::make_unique<SGD>(params, o);
  }
  throw ValueError(fmt::format("unknown optimizer \"{}\" (adam, adamw, sgd)", t.optimizer));
}

void TrainOptions::validate() const {
  auto fail = [](const std::string& what) { throw ValueError("training options: " + what); };
  if (epochs < 1 || epochs > kMaxEpochs) fail(fmt::format("epochs must be in [1, {}], got {}", kMaxEpochs, epochs));
  if (batch_size < 1) fail(fmt::format("batch_size must be >= 1, got {}", batch_size));
  if (!(lr > 0) || !std::isfinite(lr)) fail(fmt::format("lr must be finite and > 0, got {:g}", lr));
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) {
    fail(fmt::format("weight_decay must be finite and >= 0, got {:g}", weight_decay));
  }
  if (!(momentum >= 0 && momentum < 1)) fail(fmt::format("momentum must be in [0, 1), got {:g}", momentum));
  if (patience < 0) fail(fmt::format("patience must be >= 0, got {}", patience));
  if (optimizer != "adam" && optimizer != "adamw" && optimizer != "sgd") {
    fail(fmt::format("unknown optimizer {} (adam, adamw, sgd)", quote_value(optimizer)));
  }
  if (monitor != "log_loss" && monitor != "roc_auc" && monitor != "accuracy") {
    fail(fmt::format("unknown monitor {} (log_loss, roc_auc, accuracy)", quote_value(monitor)));
  }
}

void check_trainable(const datasets::Encoded& train, const datasets::Encoded& validation) {
  const int64_t rows = train.y.defined() ? train.y.numel() : 0;
  int64_t positives = 0;
  if (rows > 0) {
    for (double y : train.y.to_vector<double>()) positives += y == 1 ? 1 : 0;
  }
  const int64_t validation_rows = validation.y.defined() ? validation.y.numel() : 0;
  if (positives > 0 && positives < rows && validation_rows > 0) return;
  throw datasets::DataError(fmt::format(
      "too little data to train a classifier: {} training rows ({} of class 1, {} of class 0) and {} validation "
      "rows; training needs both classes and at least one validation row",
      rows, positives, rows - positives, validation_rows));
}

FitResult train_classifier(Module& model, const datasets::Encoded& train, const datasets::Encoded& validation,
                           const TrainOptions& options) {
  options.validate();
  check_trainable(train, validation);
  model.to(options.device);  // before the optimizer, whose state follows its parameters
  auto optimizer = make_optimizer(options, model.parameters());
  datasets::DataLoader loader(train, options.batch_size, true, options.seed);
  TrainingHooks hooks;
  hooks.batches_per_epoch = loader.batches();
  hooks.start_epoch = [&](int64_t epoch) { loader.set_epoch(epoch - 1); };
  // The loss line: mean binary cross-entropy of the logits, weighted per row.
  hooks.batch_loss = [&](int64_t b) {
    datasets::Batch batch = loader.batch(b);
    const Device d = options.device;
    Tensor logits = reshape(model(batch.x.to(d)), {-1});  // [B]
    return binary_cross_entropy_with_logits(logits, batch.y.to(d), batch.weight.to(d));
  };
  hooks.validate = [&] { return task_metrics(score(model, validation)); };
  FitOptions fit_options;
  fit_options.epochs = options.epochs;
  fit_options.monitor = options.monitor;
  fit_options.maximize = options.monitor != "log_loss";
  fit_options.patience = options.patience;
  fit_options.log_path = options.log_path;
  fit_options.progress = options.progress;
  FitResult result = fit(model, *optimizer, hooks, fit_options);
  model.load_state_dict(result.best_state, true);
  model.to(Device::CPU);
  return result;
}

}  // namespace candor::nn
