// candor predict: one CSV row per example with the predicted label, the score and the sensitive
// columns' groups, for a run's model on a split of its data (with the true label), or on every
// row of a file of new rows (--csv; the label column is optional: y_true is written when the file
// has it). Rows of a new file with a missing input are written with empty fields; a missing or
// new group value is written as it is. A mitigation run that is a randomised classifier (expgrad,
// threshold) writes its probability of predicting 1 as the score and one seeded draw as y_pred.
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "datasets/labels.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "fairness/mitigated_classifier.h"
#include "fairness/randomized.h"
#include "nn/run.h"
#include "nn/scoring.h"

namespace candor::cli {

namespace fs = std::filesystem;

namespace {
struct PredictArgs {
  std::string run, adapter, split = "test", out, csv, delimiter = ",";
  uint64_t seed = 0;
  CLI::Option* split_option = nullptr;  // to tell an explicit --split from the default
};

// What predict needs of a run folder: its encoder, how it scores encoded rows (P(ŷ = 1)), and the
// data and seed it was fitted with (for --split).
struct Predictor {
  datasets::Encoder encoder;
  std::function<std::vector<double>(const datasets::Encoded&)> score;
  datasets::DataSource data;
  uint64_t seed = 0;
  bool randomised = false;  // scores are the probabilities of a randomised classifier
};

// A run with a checkpoint (train, finetune, pretrain, and mitigations that leave one network).
Predictor model_predictor(const PredictArgs& args) {
  auto run = std::make_shared<nn::LoadedRun>(nn::load_run(args.run, args.adapter));
  return {run->encoder, [run](const datasets::Encoded& rows) { return nn::predict_proba(*run->model, rows.x); },
          nn::run_data(*run), run->config.seed, false};
}

// A mitigation whose result is not one network (expgrad, gridsearch, threshold, correlation
// remover): its mitigation.json and encoder.json (fairness/mitigated_classifier.h).
Predictor mitigation_predictor(const PredictArgs& args) {
  if (!args.adapter.empty()) throw UsageError("--adapter applies to fine-tuned networks, not to a mitigation run");
  const fs::path folder(args.run);
  const nlohmann::json config = read_json((folder / "config.json").string());
  if (!config.contains("mitigation") || !config.contains("data")) {
    throw Error(fmt::format("{}: config.json describes no mitigation run", args.run));
  }
  const nlohmann::json& m = config.at("mitigation");
  auto classifier = std::make_shared<fairness::MitigatedClassifier>(
      fairness::parse_method(m.at("method").get<std::string>()), read_json((folder / "mitigation.json").string()),
      m.at("sensitive").get<std::string>());
  return {datasets::Encoder::from_json(read_json((folder / "encoder.json").string())),
          [classifier](const datasets::Encoded& rows) { return classifier->probability_of_one(rows); },
          datasets::data_source_from_json(config.at("data")), config.at("seed").get<uint64_t>(),
          classifier->randomised()};
}

// Every row of `table` (encoded), with NaN scores for the rows the encoder could not use; a
// randomised classifier's labels are one seeded draw.
PredictionRows rows_of(const Predictor& p, const datasets::Table& table, bool labelled, uint64_t seed) {
  datasets::Encoded encoded = labelled ? p.encoder.transform(table) : p.encoder.transform_unlabelled(table);
  const std::vector<double> scores = p.score(encoded);
  PredictionRows rows;
  const bool every_row = !labelled;  // a split lists its encoded rows; a new file all of its rows
  const size_t n = every_row ? table.rows() : encoded.kept_rows.size();
  rows.score.assign(n, NAN);
  for (size_t i = 0; i < encoded.kept_rows.size(); ++i) rows.score[every_row ? encoded.kept_rows[i] : i] = scores[i];
  if (p.randomised) {
    const std::vector<double> draws = fairness::sample_predictions(scores, seed);
    rows.y_pred.assign(n, NAN);
    for (size_t i = 0; i < encoded.kept_rows.size(); ++i) rows.y_pred[every_row ? encoded.kept_rows[i] : i] = draws[i];
  }
  if (labelled) rows.y_true = encoded.y.to_vector<double>();
  for (const datasets::SensitiveFeature& f : encoded.sensitive) {
    std::vector<std::string> values = f.values();
    if (every_row) {
      std::vector<std::string> all(n);
      for (size_t i = 0; i < encoded.kept_rows.size(); ++i) all[encoded.kept_rows[i]] = values[i];
      values = std::move(all);
    }
    rows.sensitive_names.push_back(f.name);
    rows.sensitive.push_back(std::move(values));
  }
  return rows;
}

void run_predict(const PredictArgs& args) {
  if (!args.csv.empty() && args.split_option->count() > 0) {
    throw UsageError("--split picks rows of the run's own data; --csv scores every row of its file: give one of them");
  }
  const fs::path folder(args.run);
  const bool mitigation = fs::exists(folder / "mitigation.json") && !fs::exists(folder / "model.safetensors");
  const Predictor p = mitigation ? mitigation_predictor(args) : model_predictor(args);
  if (args.csv.empty()) {
    datasets::Splits splits = datasets::load_splits(p.data, p.seed);
    write_predictions(args.out, rows_of(p, datasets::split_by_name(splits, args.split), true, args.seed));
    return;
  }
  datasets::NewRows rows = datasets::load_new_rows(args.csv, args.delimiter, p.encoder.schema());
  print_warnings(rows.warnings);
  PredictionRows out = rows_of(p, rows.table, false, args.seed);
  if (rows.labelled) out.y_true = datasets::binary_labels(rows.table, p.encoder.schema());  // NaN where missing
  const auto unscored = std::count_if(out.score.begin(), out.score.end(), [](double s) { return std::isnan(s); });
  if (unscored > 0) print_warnings({fmt::format("{} of {} rows have a missing input and were not scored (empty y_pred)", unscored, out.score.size())});
  write_predictions(args.out, out);
}
}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "write a run's predictions as CSV");
  cmd->add_option("--run", args->run, "run folder written by candor train, finetune or mitigate")->required();
  cmd->add_option("--adapter", args->adapter, "LoRA adapters to apply on top (a LoRA fine-tune's adapter.safetensors)");
  args->split_option = cmd->add_option("--split", args->split, "split of the run's data: train, validation or test")
                           ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->add_option("--csv,--file", args->csv, "score every row of this CSV or ARFF file instead (the label is optional)");
  cmd->add_option("--delimiter", args->delimiter, "CSV field separator (--csv)");
  cmd->add_option("--seed", args->seed, "a randomised classifier's draw (expgrad, threshold): y_pred is one seeded draw");
  cmd->add_option("--out", args->out, "CSV file to write")->required();
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace candor::cli
