// candor eval: the task metrics of a trained run on one split of its data, and the fairness
// report (candor audit's JSON) for each sensitive column, as JSON on stdout.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/run_folder.h"
#include "cli/scoring.h"

namespace candor::cli {

namespace {
struct EvalArgs {
  std::string run, adapter, split = "test";
  int64_t bootstrap = 200;
};

void run_eval(const EvalArgs& args) {
  LoadedRun run = load_run(args.run, args.adapter);
  Splits splits = load_splits(run.config.data, run.config.seed);
  const datasets::Table& table = split_by_name(splits, args.split);
  datasets::Encoded data = run.encoder.transform(table);
  Scores scores = score_model(*run.model, data);
  nlohmann::json out = {{args.split, task_metrics(scores)}};
  const std::vector<std::string>& names = run.encoder.sensitive();
  if (!names.empty()) {
    out[args.split] = split_report(scores, names, sensitive_values(table, names, data.kept_rows),
                                   args.bootstrap, run.config.seed);
  }
  std::cout << out.dump(2) << "\n";
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a trained run on a split of its data");
  cmd->add_option("--run", args->run, "run folder written by candor train")->required();
  cmd->add_option("--adapter", args->adapter, "LoRA adapters to apply on top (a LoRA fine-tune's adapter.safetensors)");
  cmd->add_option("--split", args->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap resamples for the fairness intervals")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace candor::cli
