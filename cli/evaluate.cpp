// candor eval: the task metrics of a trained run on one split of its data, and the fairness
// report (candor audit's JSON) for each sensitive column, as JSON on stdout.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "fairness/evaluation.h"
#include "nn/run.h"

namespace candor::cli {

namespace {
struct EvalArgs {
  std::string run, adapter, split = "test";
  int64_t bootstrap = 200;
};

void run_eval(const EvalArgs& args) {
  fairness::BootstrapOptions bootstrap;
  bootstrap.replicates = static_cast<int>(std::min<int64_t>(args.bootstrap, INT32_MAX));
  try {
    bootstrap.validate();  // before the run is loaded
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  const std::filesystem::path folder(args.run);
  if (std::filesystem::exists(folder / "mitigation.json") && !std::filesystem::exists(folder / "model.safetensors")) {
    throw Error(fmt::format("{} is a mitigation without a single network to evaluate: its test metrics are in "
                            "metrics.json, and candor compare and candor predict read the run",
                            args.run));
  }
  nn::LoadedRun run = nn::load_run(args.run, args.adapter);
  datasets::Splits splits = datasets::load_splits(nn::run_data(run), run.config.seed);
  datasets::Encoded data = run.encoder.transform(datasets::split_by_name(splits, args.split));
  fairness::AuditOptions options;
  options.bootstrap.replicates = bootstrap.replicates;
  options.bootstrap.seed = run.config.seed;
  nlohmann::json out = {{args.split, fairness::evaluate_split(nn::score(*run.model, data), data.sensitive, options)}};
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
