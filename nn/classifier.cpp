#include "nn/classifier.h"

#include <fmt/format.h>

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

FitResult train_classifier(Module& model, const datasets::Encoded& train, const datasets::Encoded& validation,
                           const TrainOptions& options) {
  auto optimizer = make_optimizer(options, model.parameters());
  datasets::DataLoader loader(train, options.batch_size, true, options.seed);
  TrainingHooks hooks;
  hooks.batches_per_epoch = loader.batches();
  hooks.start_epoch = [&](int64_t epoch) { loader.set_epoch(epoch - 1); };
  // The loss line: mean binary cross-entropy of the logits, weighted per row.
  hooks.batch_loss = [&](int64_t b) {
    datasets::Batch batch = loader.batch(b);
    Tensor logits = reshape(model(batch.x), {-1});  // [B]
    return binary_cross_entropy_with_logits(logits, batch.y, batch.weight);
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
  return result;
}

}  // namespace candor::nn
