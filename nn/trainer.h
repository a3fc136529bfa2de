// The training loop: epochs of minibatch steps, validation after each epoch, early stopping on
// a chosen validation metric, the best weights kept, one JSON line logged per epoch.
//
// The loop does not know where batches come from or what the loss is: the caller passes hooks
// (nn::train_classifier builds them from a datasets::DataLoader, a language model from random
// windows of text). That keeps the loop generic and the loss line visible to the reader.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/module.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace candor::nn {

// Training that diverged: a loss or a weight became NaN or infinite. The message names the epoch
// and the step, and suggests what usually causes it.
class DivergedError : public Error {
 public:
  using Error::Error;
};

// DivergedError unless `loss` is finite; batch is 0-based, the message counts from 1.
void check_finite_loss(double loss, int64_t epoch, int64_t batch, int64_t batches);
// DivergedError naming the first parameter with a NaN or infinite value after `epoch`'s last step.
void check_finite_parameters(const Module& model, int64_t epoch);

struct TrainingHooks {
  int64_t batches_per_epoch = 0;
  std::function<void(int64_t epoch)> start_epoch;         // e.g. reshuffle the loader
  std::function<Tensor(int64_t batch)> batch_loss;         // forward + loss of batch i (train mode)
  std::function<std::map<std::string, double>()> validate;  // validation metrics (eval mode)
};

struct FitOptions {
  int64_t epochs = 10;
  std::string monitor = "log_loss";  // a key of validate()'s result
  bool maximize = false;             // true for accuracy / roc_auc
  int64_t patience = 0;              // stop after this many epochs without improvement (0: never)
  double clip_norm = 0;              // clip the gradient norm when > 0
  const Schedule* schedule = nullptr;  // per-step learning rate, if given
  std::string log_path;              // JSON lines, one per epoch, when non-empty
  bool progress = true;              // progress bar on stderr (only drawn on a terminal)
};

struct FitResult {
  int64_t best_epoch = -1;  // 1-based
  double best_value = 0;
  int64_t epochs_run = 0;
  std::map<std::string, Tensor> best_state;  // deep copies of the best weights
  std::vector<nlohmann::json> log;
};

FitResult fit(Module& model, Optimizer& optimizer, const TrainingHooks& hooks,
              const FitOptions& options);

}  // namespace candor::nn
