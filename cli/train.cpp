// candor train: fit an MLP or an FT-Transformer on a dataset's training split, early-stop on validation, keep the best
// weights, and write the run folder (config.json, model.safetensors, metrics.json, log.jsonl).
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_folder.h"
#include "cli/train_run.h"
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
  std::string out;
  bool quiet = false;
};

}  // namespace

void run_train(const RunConfig& config, const std::string& out, bool quiet) {
  std::filesystem::create_directories(out);
  Splits splits = load_splits(config.data, config.seed);
  datasets::Encoder encoder = datasets::Encoder::fit(splits.train, splits.schema);
  datasets::Encoded train = encoder.transform(splits.train);
  datasets::Encoded validation = encoder.transform(splits.validation);
  datasets::Encoded test = encoder.transform(splits.test);

  auto model = build_model(config, encoder);
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
  fit_options.log_path = (std::filesystem::path(out) / "log.jsonl").string();
  fit_options.progress = !quiet;
  nn::FitResult result = nn::fit(*model, *optimizer, hooks, fit_options);
  model->load_state_dict(result.best_state, true);

  write_json((std::filesystem::path(out) / "config.json").string(), to_json(config));
  save_checkpoint((std::filesystem::path(out) / "model.safetensors").string(), *model, config, encoder);
  nlohmann::json metrics = {{"best_epoch", result.best_epoch},
                            {"epochs_run", result.epochs_run},
                            {"validation", task_metrics(score_model(*model, validation))},
                            {"test", task_metrics(score_model(*model, test))}};
  write_json((std::filesystem::path(out) / "metrics.json").string(), metrics);
  if (!quiet) {
    fmt::print("best epoch {} of {}; test accuracy {:.4f}, ROC AUC {:.4f}, log loss {:.4f}\n",
               result.best_epoch, result.epochs_run, metrics["test"]["accuracy"].get<double>(),
               metrics["test"]["roc_auc"].get<double>(), metrics["test"]["log_loss"].get<double>());
    fmt::print("wrote {}/{{config.json, model.safetensors, metrics.json, log.jsonl}}\n", out);
  }
}

void add_model_options(CLI::App& cmd, RunConfig& config) {
  cmd.add_option("--hidden", config.model.hidden, "MLP hidden widths, e.g. 64,64")->delimiter(',');
  cmd.add_option("--activation", config.model.activation, "MLP activation: relu, gelu or tanh");
  cmd.add_option("--dropout", config.model.dropout, "MLP dropout probability")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--d-token", config.ft.d_token, "FT-Transformer token width")->check(CLI::PositiveNumber);
  cmd.add_option("--blocks", config.ft.n_blocks, "FT-Transformer blocks")->check(CLI::PositiveNumber);
  cmd.add_option("--heads", config.ft.n_heads, "FT-Transformer attention heads")->check(CLI::PositiveNumber);
  cmd.add_option("--attention-dropout", config.ft.attention_dropout, "FT-Transformer attention dropout")
      ->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--ffn-dropout", config.ft.ffn_dropout, "FT-Transformer feed-forward dropout")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--residual-dropout", config.ft.residual_dropout, "FT-Transformer residual dropout")
      ->check(CLI::Range(0.0, 0.99));
}

void add_training_options(CLI::App& cmd, RunConfig& config) {
  cmd.add_option("--epochs", config.train.epochs, "epochs at most")->check(CLI::PositiveNumber);
  cmd.add_option("--batch-size", config.train.batch_size, "rows per step")->check(CLI::PositiveNumber);
  cmd.add_option("--optimizer", config.train.optimizer, "adam, adamw or sgd");
  cmd.add_option("--lr", config.train.lr, "learning rate")->check(CLI::PositiveNumber);
  cmd.add_option("--weight-decay", config.train.weight_decay, "weight decay");
  cmd.add_option("--patience", config.train.patience, "epochs without improvement before stopping (0: never)");
  cmd.add_option("--monitor", config.train.monitor, "validation metric: log_loss, roc_auc or accuracy")
      ->check(CLI::IsMember({"log_loss", "roc_auc", "accuracy"}));
  cmd.add_option("--seed", config.seed, "seed for splits, initialisation and shuffling");
}

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train an MLP or an FT-Transformer on a dataset and write a run folder");
  add_data_options(*cmd, args->config.data);
  cmd->add_option("--model", args->config.model_kind, "model kind: mlp or ft-transformer")
      ->transform(CLI::Transformer(std::map<std::string, std::string>{{"ft-transformer", "ft_transformer"}}))
      ->check(CLI::IsMember({"mlp", "ft_transformer"}));
  add_model_options(*cmd, args->config);
  add_training_options(*cmd, args->config);
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->callback([args] { run_train(args->config, args->out, args->quiet); });
}

}  // namespace candor::cli
