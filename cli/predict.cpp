// candor predict: one CSV row per example with the predicted label, the score and the sensitive
// columns' groups, for a run's model on a split of its data (with the true label), or on every
// row of a file of new rows (--csv; the label column is optional: y_true is written when the file
// has it). Rows of a new file with a missing input are written with empty fields; a missing or
// new group value is written as it is.
#include <cmath>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "datasets/labels.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "nn/run.h"
#include "nn/scoring.h"

namespace candor::cli {

namespace {
struct PredictArgs {
  std::string run, adapter, split = "test", out, csv, delimiter = ",";
  CLI::Option* split_option = nullptr;  // to tell an explicit --split from the default
};

// Every row of `table` (encoded), with NaN scores for the rows the encoder could not use.
PredictionRows rows_of(const nn::LoadedRun& run, const datasets::Table& table, bool labelled) {
  datasets::Encoded encoded = labelled ? run.encoder.transform(table) : run.encoder.transform_unlabelled(table);
  const std::vector<double> scores = nn::predict_proba(*run.model, encoded.x);
  PredictionRows rows;
  const bool every_row = !labelled;  // a split lists its encoded rows; a new file all of its rows
  const size_t n = every_row ? table.rows() : encoded.kept_rows.size();
  rows.score.assign(n, NAN);
  for (size_t i = 0; i < encoded.kept_rows.size(); ++i) rows.score[every_row ? encoded.kept_rows[i] : i] = scores[i];
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
  nn::LoadedRun run = nn::load_run(args.run, args.adapter);
  if (args.csv.empty()) {
    datasets::Splits splits = datasets::load_splits(nn::run_data(run), run.config.seed);
    write_predictions(args.out, rows_of(run, datasets::split_by_name(splits, args.split), true));
    return;
  }
  datasets::NewRows rows = datasets::load_new_rows(args.csv, args.delimiter, run.encoder.schema());
  print_warnings(rows.warnings);
  PredictionRows out = rows_of(run, rows.table, false);
  if (rows.labelled) out.y_true = datasets::binary_labels(rows.table, run.encoder.schema());  // NaN where missing
  const auto unscored = std::count_if(out.score.begin(), out.score.end(), [](double p) { return std::isnan(p); });
  if (unscored > 0) print_warnings({fmt::format("{} of {} rows have a missing input and were not scored (empty y_pred)", unscored, out.score.size())});
  write_predictions(args.out, out);
}
}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "write a run's predictions as CSV");
  cmd->add_option("--run", args->run, "run folder written by candor train")->required();
  cmd->add_option("--adapter", args->adapter, "LoRA adapters to apply on top (a LoRA fine-tune's adapter.safetensors)");
  args->split_option = cmd->add_option("--split", args->split, "split of the run's data: train, validation or test")
                           ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->add_option("--csv,--file", args->csv, "score every row of this CSV or ARFF file instead (the label is optional)");
  cmd->add_option("--delimiter", args->delimiter, "CSV field separator (--csv)");
  cmd->add_option("--out", args->out, "CSV file to write")->required();
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace candor::cli
