// candor eval: the task metrics of a trained run on one split of its data, as JSON on stdout.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/run_folder.h"
#include "cli/scoring.h"

namespace candor::cli {

namespace {
struct EvalArgs {
  std::string run, split = "test";
};

void run_eval(const EvalArgs& args) {
  LoadedRun run = load_checkpoint((std::filesystem::path(args.run) / "model.safetensors").string());
  Splits splits = load_splits(run.config.data, run.config.seed);
  datasets::Encoded data = run.encoder.transform(split_by_name(splits, args.split));
  nlohmann::json out = {{args.split, task_metrics(score_model(*run.model, data))}};
  std::cout << out.dump(2) << "\n";
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a trained run on a split of its data");
  cmd->add_option("--run", args->run, "run folder written by candor train")->required();
  cmd->add_option("--split", args->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace candor::cli
