// candor train: fit an MLP or an FT-Transformer on a dataset's training split, early-stop on validation, keep the best
// weights (or solve a logistic regression to its optimum), and write the run folder (config.json, model.safetensors,
// metrics.json, log.jsonl).
#include <chrono>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "cli/train_run.h"
#include "engine/files.h"
#include "engine/engine.h"
#include "fairness/reweighing.h"
#include "nn/classifier.h"
#include "nn/scoring.h"
#include "nn/tabular.h"

namespace candor::cli {

namespace {
struct TrainArgs {
  nn::RunConfig config;
  std::string out;
  std::string device = "cpu";
  bool quiet = false;
};
}  // namespace

void run_train(nn::RunConfig config, const std::string& out_path, bool quiet) {
  check_data_options(config.data);
  if (config.model.numeric_bins > 0 && config.model.kind != "mlp") {
    throw UsageError(fmt::format("--numeric-bins is for the MLP, not --model {}", config.model.kind));
  }
  try {
    config.train.validate();
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  config.data = datasets::absolute_paths(config.data);
  StagedFolder folder(out_path);  // refuses an --out it must not replace, before any work
  const std::filesystem::path out = folder.path();
  datasets::Splits splits = datasets::load_splits(config.data, config.seed);
  print_warnings(splits.warnings);
  datasets::EncoderOptions encoding;
  encoding.numeric_bins = config.model.numeric_bins;
  datasets::Encoder encoder = datasets::Encoder::fit(splits.train, splits.schema, encoding);
  datasets::Encoded train = encoder.transform(splits.train);
  datasets::Encoded validation = encoder.transform(splits.validation);
  datasets::Encoded test = encoder.transform(splits.test);
  if (!config.reweigh.empty()) {
    // Kamiran & Calders' factors P(a)P(y)/P(a,y) times the rows' own weights (fairness/reweighing.h).
    const fairness::Reweighing factors = fairness::fit_reweighing(
        train.y.to_vector<double>(), datasets::find_feature(train.sensitive, config.reweigh), train.weight.to_vector<double>());
    train.weight = from_vector(std::vector<float>(factors.weights.begin(), factors.weights.end()), {train.x.size(0)});
  }

  auto model = nn::build_tabular_model(config.model, encoder, config.seed);
  nlohmann::json metrics;
  const auto started = std::chrono::steady_clock::now();
  if (config.model.kind == "logistic") {
    // Solved to its optimum on the training rows (their sample weights included); no epochs.
    nn::check_trainable(train, validation);
    const nn::LogisticRegression fit =
        nn::fit_logistic(train.x, train.y.to_vector<double>(), train.weight.to_vector<double>(), config.model.logistic);
    nn::set_logistic_weights(*model, fit);
    metrics["newton_steps"] = fit.iterations;
  } else {
    nn::TrainOptions options = config.train;
    options.seed = config.seed;
    options.log_path = (out / "log.jsonl").string();
    options.progress = !quiet;
    nn::FitResult result = nn::train_classifier(*model, train, validation, options);
    metrics["best_epoch"] = result.best_epoch;
    metrics["epochs_run"] = result.epochs_run;
  }
  metrics["fit_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  model->eval();

  write_json((out / "config.json").string(), nn::to_json(config));
  nn::save_checkpoint((out / "model.safetensors").string(), model->state_dict(), config, encoder);
  metrics["validation"] = nn::task_metrics(nn::score(*model, validation));
  metrics["test"] = nn::task_metrics(nn::score(*model, test));
  write_json((out / "metrics.json").string(), metrics);
  folder.commit();
  if (!quiet) {
    if (metrics.contains("best_epoch")) {
      fmt::print("best epoch {} of {}; ", metrics["best_epoch"].get<int64_t>(), metrics["epochs_run"].get<int64_t>());
    } else {
      fmt::print("solved in {} Newton steps; ", metrics["newton_steps"].get<int64_t>());
    }
    fmt::print("test accuracy {:.4f}, ROC AUC {:.4f}, log loss {:.4f}\n", metrics["test"]["accuracy"].get<double>(),
               metrics["test"]["roc_auc"].get<double>(), metrics["test"]["log_loss"].get<double>());
    fmt::print("wrote {}/{{config.json, model.safetensors, metrics.json{}}}\n", out_path,
               metrics.contains("best_epoch") ? ", log.jsonl" : "");
  }
}

void add_model_options(CLI::App& cmd, nn::RunConfig& config) {
  cmd.add_option("--hidden", config.model.mlp.hidden, "MLP hidden widths, e.g. 64,64")->delimiter(',');
  cmd.add_option("--activation", config.model.mlp.activation, "MLP activation: relu, gelu or tanh");
  cmd.add_option("--dropout", config.model.mlp.dropout, "MLP dropout probability")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--numeric-bins", config.model.numeric_bins,
                 "MLP: also encode each number piecewise-linearly over up to this many quantile bins of its training "
                 "values (Gorishniy et al. 2022); 0: off")
      ->check(CLI::Range(int64_t{0}, datasets::EncoderOptions::kMaxNumericBins));
  cmd.add_option("--d-token", config.model.ft.d_token, "FT-Transformer token width")->check(CLI::PositiveNumber);
  cmd.add_option("--blocks", config.model.ft.n_blocks, "FT-Transformer blocks")->check(CLI::PositiveNumber);
  cmd.add_option("--heads", config.model.ft.n_heads, "FT-Transformer attention heads")->check(CLI::PositiveNumber);
  cmd.add_option("--attention-dropout", config.model.ft.attention_dropout, "FT-Transformer attention dropout")
      ->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--ffn-dropout", config.model.ft.ffn_dropout, "FT-Transformer feed-forward dropout")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--residual-dropout", config.model.ft.residual_dropout, "FT-Transformer residual dropout")
      ->check(CLI::Range(0.0, 0.99));
}

void add_training_options(CLI::App& cmd, nn::RunConfig& config) {
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
  CLI::App* cmd = app.add_subcommand("train", "train an MLP, an FT-Transformer or a logistic regression on a dataset and write a run folder");
  add_data_options(*cmd, args->config.data);
  cmd->add_option("--model", args->config.model.kind, "model kind: mlp, ft-transformer or logistic")
      ->transform(CLI::Transformer(std::map<std::string, std::string>{{"ft-transformer", "ft_transformer"}}))
      ->check(CLI::IsMember({"mlp", "ft_transformer", "logistic"}));
  cmd->add_option("--reweigh", args->config.reweigh,
                  "weigh the training rows by Kamiran & Calders' reweighing for this sensitive column (AIF360's "
                  "Reweighing: every group gets the overall label rate)");
  cmd->add_option("--C", args->config.model.logistic.C,
                  "logistic: inverse L2 strength, as scikit-learn's C (objective ½‖w‖² + C·Σ log loss)")
      ->check(CLI::PositiveNumber);
  add_model_options(*cmd, args->config);
  add_training_options(*cmd, args->config);
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->add_option("--device", args->device, "where the MLP or FT-Transformer trains: cpu or cuda (the run "
                  "folder is the same either way)")->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->callback([args] {
    args->config.train.device = parse_device(args->device);
    run_train(args->config, args->out, args->quiet);
  });
}

}  // namespace candor::cli
