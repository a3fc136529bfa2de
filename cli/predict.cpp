// candor predict: one CSV row per example with the true label, the predicted label, the score
// and the sensitive columns, for a run's model on a split of its data or on another dataset.
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/csv_field.h"
#include "cli/run_folder.h"
#include "cli/scoring.h"
#include "engine/error.h"

namespace candor::cli {

namespace {
struct PredictArgs {
  std::string run, adapter, split = "test", out;
  DataConfig data;  // when given, replaces the run's own data
};

std::string cell(const datasets::Column& col, size_t row) {
  if (col.missing[row]) return "";
  return col.type == datasets::ColumnType::Numeric ? fmt::format("{}", col.numbers[row]) : col.values[row];
}

void run_predict(const PredictArgs& args) {
  LoadedRun run = load_run(args.run, args.adapter);
  DataConfig data = args.data.data.empty() && args.data.csv.empty() ? run.config.data : args.data;
  Splits splits = load_splits(data, run.config.seed);
  const datasets::Table& table = split_by_name(splits, args.split);
  datasets::Encoded encoded = run.encoder.transform(table);
  Scores scores = score_model(*run.model, encoded);

  std::ofstream out(args.out);
  if (!out) throw Error(fmt::format("predict: cannot write {}", args.out));
  out << "y_true,y_pred,score";
  for (const std::string& s : splits.schema.sensitive) out << "," << csv_field(s);
  out << "\n";
  for (size_t i = 0; i < scores.y.size(); ++i) {
    out << scores.y[i] << "," << (scores.score[i] >= 0.5 ? 1 : 0) << "," << fmt::format("{:.9g}", scores.score[i]);
    for (const std::string& s : splits.schema.sensitive) out << "," << csv_field(cell(table.column(s), encoded.kept_rows[i]));
    out << "\n";
  }
  if (!out) throw Error(fmt::format("predict: writing {} failed", args.out));
}
}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "write a run's predictions as CSV");
  cmd->add_option("--run", args->run, "run folder written by candor train")->required();
  cmd->add_option("--adapter", args->adapter, "LoRA adapters to apply on top (a LoRA fine-tune's adapter.safetensors)");
  cmd->add_option("--split", args->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->add_option("--out", args->out, "CSV file to write")->required();
  add_data_options(*cmd, args->data);
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace candor::cli
