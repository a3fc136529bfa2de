// candor train: fit an MLP on a dataset's training split, early-stop on validation, keep the best
// weights, and write the run folder (config.json, model.safetensors, metrics.json, log.jsonl).
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_folder.h"
#include "cli/scoring.h"
#include "datasets/loader.h"
#include "engine/engine.h"
#include "nn/optim.h"
#include "nn/trainer.h"

namespace candor::cli {

namespace {

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& t, std::vector<Tensor> params) {
  if (t.optimizer == "adam") {
    return std::make_unique<nn::Adam>(params, nn::AdamOptions{t.lr, 0.9, 0.999, 1e-8, t.weight_decay});
  }
  if (t.optimizer == "adamw") {
    return std::make_unique<nn::AdamW>(params, nn::AdamOptions{t.lr, 0.9, 0.999, 1e-8, t.weight_decay});
  }
  if (t.optimizer == "sgd") {
    nn::SgdOptions o;
    o.lr = t.lr;
    o.momentum = t.momentum;
    o.weight_decay = t.weight_decay;
    return std::make_unique<nn::SGD>(params, o);
  }
  throw ValueError(fmt::format("unknown optimizer \"{}\" (adam, adamw, sgd)", t.optimizer));
}

struct TrainArgs {
  RunConfig config;
  std::string model_kind = "mlp";
  std::string out;
  bool quiet = false;
};

void run_train(const TrainArgs& args) {
  const RunConfig& config = args.config;
  std::filesystem::create_directories(args.out);
  Splits splits = load_splits(config.data, config.seed);
  datasets::Encoder encoder = datasets::Encoder::fit(splits.train, splits.schema);
  datasets::Encoded train = encoder.transform(splits.train);
  datasets::Encoded validation = encoder.transform(splits.validation);
  datasets::Encoded test = encoder.transform(splits.test);

  auto model = build_model(config, train.x.size(1));
  auto optimizer = make_optimizer(config.train, model->parameters());
  datasets::DataLoader loader(train, config.train.batch_size, true, config.seed);

  nn::TrainingHooks hooks;
  hooks.batches_per_epoch = loader.batches();
  hooks.start_epoch = [&](int64_t epoch) {
    if (epoch > 1) loader.next_epoch();
  };
  // The loss line: mean binary cross-entropy of the logits, weighted per sample.
  hooks.batch_loss = [&](int64_t b) {
    datasets::Batch batch = loader.batch(b);
    Tensor logits = reshape((*model)(batch.x), {-1});  // [B]
    return binary_cross_entropy_with_logits(logits, batch.y, batch.weight);
  };
  hooks.validate = [&] { return task_metrics(score_model(*model, validation)); };

  nn::FitOptions fit_options;
  fit_options.epochs = config.train.epochs;
  fit_options.monitor = config.train.monitor;
  fit_options.maximize = config.train.monitor != "log_loss";
  fit_options.patience = config.train.patience;
  fit_options.log_path = (std::filesystem::path(args.out) / "log.jsonl").string();
  fit_options.progress = !args.quiet;
  nn::FitResult result = nn::fit(*model, *optimizer, hooks, fit_options);
  model->load_state_dict(result.best_state, true);

  write_json((std::filesystem::path(args.out) / "config.json").string(), to_json(config));
  save_checkpoint((std::filesystem::path(args.out) / "model.safetensors").string(), *model, config, encoder);
  nlohmann::json metrics = {{"best_epoch", result.best_epoch},
                            {"epochs_run", result.epochs_run},
                            {"validation", task_metrics(score_model(*model, validation))},
                            {"test", task_metrics(score_model(*model, test))}};
  write_json((std::filesystem::path(args.out) / "metrics.json").string(), metrics);
  if (!args.quiet) {
    fmt::print("best epoch {} of {}; test accuracy {:.4f}, ROC AUC {:.4f}, log loss {:.4f}\n",
               result.best_epoch, result.epochs_run, metrics["test"]["accuracy"].get<double>(),
               metrics["test"]["roc_auc"].get<double>(), metrics["test"]["log_loss"].get<double>());
    fmt::print("wrote {}/{{config.json, model.safetensors, metrics.json, log.jsonl}}\n", args.out);
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train an MLP on a dataset and write a run folder");
  add_data_options(*cmd, args->config.data);
  cmd->add_option("--model", args->model_kind, "model kind (mlp)")->check(CLI::IsMember({"mlp"}));
  cmd->add_option("--hidden", args->config.model.hidden, "hidden widths, e.g. 64,64")->delimiter(',');
  cmd->add_option("--activation", args->config.model.activation, "relu, gelu or tanh");
  cmd->add_option("--dropout", args->config.model.dropout, "dropout probability")->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--epochs", args->config.train.epochs, "epochs at most")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", args->config.train.batch_size, "rows per step")->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", args->config.train.optimizer, "adam, adamw or sgd");
  cmd->add_option("--lr", args->config.train.lr, "learning rate")->check(CLI::PositiveNumber);
  cmd->add_option("--weight-decay", args->config.train.weight_decay, "weight decay");
  cmd->add_option("--patience", args->config.train.patience, "epochs without improvement before stopping (0: never)");
  cmd->add_option("--monitor", args->config.train.monitor, "validation metric: log_loss, roc_auc or accuracy")
      ->check(CLI::IsMember({"log_loss", "roc_auc", "accuracy"}));
  cmd->add_option("--seed", args->config.seed, "seed for splits, initialisation and shuffling");
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace candor::cli
