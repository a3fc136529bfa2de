// Training a binary classifier on encoded rows: minibatches of bce(model(x), y) weighted per row,
// validation after every epoch, early stopping on a validation metric, the best weights kept.
// What `candor train` runs; fairness::finetune adds the penalty to the same loss line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "nn/module.h"
#include "nn/optim.h"
#include "nn/trainer.h"

namespace candor::nn {

struct TrainOptions {
  int64_t epochs = 20;
  int64_t batch_size = 256;
  std::string optimizer = "adam";    // adam | adamw | sgd
  double lr = 1e-3;
  double weight_decay = 0;
  double momentum = 0.9;             // sgd only
  int64_t patience = 5;              // epochs without improvement before stopping (0: never)
  std::string monitor = "log_loss";  // log_loss (lower is better), roc_auc or accuracy
  uint64_t seed = 0;                 // the order of the rows in each epoch
  std::string log_path;              // one JSON line per epoch, when set
  bool progress = true;              // progress bar on stderr (on a terminal only)
  Device device = Device::CPU;       // where the model trains (it is back on the CPU after)

  // At most this many epochs: far more than any run needs, and it keeps epochs x steps in range.
  static constexpr int64_t kMaxEpochs = 1000000;
  // ValueError naming the first option out of range: epochs in [1, kMaxEpochs], batch_size >= 1,
  // lr finite and > 0, weight_decay finite and >= 0, momentum in [0, 1), patience >= 0, a known
  // optimizer and monitor.
  void validate() const;
};

// "adam", "adamw" or "sgd" over `params` with the options' rate, decay and momentum.
std::unique_ptr<Optimizer> make_optimizer(const TrainOptions& options, const std::vector<Tensor>& params);

// DataError unless the rows can train a classifier: both classes among the training rows and at
// least one validation row (the message gives the counts).
void check_trainable(const datasets::Encoded& train, const datasets::Encoded& validation);

// Trains `model` (forward(x) -> logits [N, 1]) and leaves it holding the best epoch's weights.
// options.validate() and check_trainable run first; DivergedError if the loss or a weight stops
// being finite. With options.device CUDA the model and each batch move to the GPU for training,
// and the model, with the best weights, comes back to the CPU at the end.
FitResult train_classifier(Module& model, const datasets::Encoded& train, const datasets::Encoded& validation,
                           const TrainOptions& options);

}  // namespace candor::nn
