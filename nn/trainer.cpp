#include "nn/trainer.h"

#include <chrono>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/files.h"
#include "engine/ops/ops.h"
#include "nn/progress.h"

namespace candor::nn {

namespace {

std::map<std::string, Tensor> copy_state(const Module& model) {
  std::map<std::string, Tensor> copy;
  for (const auto& [name, t] : model.state_dict()) copy[name] = t.detach().clone();
  return copy;
}

bool improved(double value, double best, bool maximize, bool first) {
  if (std::isnan(value)) return false;
  return first || (maximize ? value > best : value < best);
}

}  // namespace

void check_finite_loss(double loss, int64_t epoch, int64_t batch, int64_t batches) {
  if (std::isfinite(loss)) return;
  throw DivergedError(fmt::format("training diverged: the loss is {} at epoch {}, step {} of {} (try a smaller "
                                  "learning rate or penalty weight)",
                                  loss, epoch, batch + 1, batches));
}

void check_finite_parameters(const Module& model, int64_t epoch) {
  NoGradGuard no_grad;
  for (const auto& [name, p] : model.named_parameters()) {
    // x * 0 is 0 for every finite x and NaN otherwise, so one sum tells whether all are finite.
    if (std::isfinite((p.detach() * 0.0).sum().item())) continue;
    throw DivergedError(fmt::format("training diverged: parameter {} holds NaN or infinite values after the last "
                                    "step of epoch {} (try a smaller learning rate or penalty weight)",
                                    name, epoch));
  }
}

FitResult fit(Module& model, Optimizer& optimizer, const TrainingHooks& hooks,
              const FitOptions& options) {
  if (!hooks.batch_loss || !hooks.validate || hooks.batches_per_epoch <= 0) {
    throw ValueError("fit: the hooks need batch_loss, validate and a positive batches_per_epoch");
  }
  std::ofstream log_file;
  if (!options.log_path.empty()) {
    log_file.open(options.log_path);
    if (!log_file) throw Error(fmt::format("fit: cannot write the log {}", options.log_path));
  }
  FitResult result;
  int64_t step = 0, since_best = 0;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    if (hooks.start_epoch) hooks.start_epoch(epoch);
    model.train();
    ProgressBar bar(fmt::format("epoch {}/{}", epoch, options.epochs), hooks.batches_per_epoch,
                    options.progress);
    double loss_sum = 0;
    for (int64_t b = 0; b < hooks.batches_per_epoch; ++b) {
      if (options.schedule != nullptr) optimizer.set_lr(options.schedule->lr_at(step));
      optimizer.zero_grad();
      Tensor loss = hooks.batch_loss(b);
      const double value = loss.item();
      check_finite_loss(value, epoch, b, hooks.batches_per_epoch);  // before the step can spread it
      loss.backward();
      if (options.clip_norm > 0) clip_grad_norm(optimizer.params(), options.clip_norm);
      optimizer.step();
      ++step;
      loss_sum += value;
      bar.set_suffix(fmt::format("loss {:.4f}", value));
      bar.advance();
    }
    bar.finish();
    double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    check_finite_parameters(model, epoch);  // the last step's update is not seen by any loss
    model.eval();
    std::map<std::string, double> metrics;
    {
      NoGradGuard no_grad;
      metrics = hooks.validate();
    }
    auto found = metrics.find(options.monitor);
    if (found == metrics.end()) {
      throw ValueError(fmt::format("fit: validation gives no metric \"{}\" to monitor", options.monitor));
    }
    bool better = improved(found->second, result.best_value, options.maximize, result.best_epoch < 0);
    if (better) {
      result.best_epoch = epoch;
      result.best_value = found->second;
      result.best_state = copy_state(model);
      since_best = 0;
    } else {
      ++since_best;
    }
    nlohmann::json line = {{"epoch", epoch},
                           {"train_loss", loss_sum / static_cast<double>(hooks.batches_per_epoch)},
                           {"lr", optimizer.lr()},
                           {"train_seconds", train_seconds},
                           {"validation", metrics},
                           {"best", better}};
    result.log.push_back(line);
    if (log_file.is_open() && !(log_file << line.dump() << "\n" << std::flush)) {
      throw FileError(fmt::format("fit: cannot write the log {} (disk full?)", options.log_path));
    }
    result.epochs_run = epoch;
    if (options.patience > 0 && since_best >= options.patience) break;
  }
  return result;
}

}  // namespace candor::nn
