// candor audit: fairness metrics of any model's predictions, read from a CSV file (such as the one
// `candor predict` writes: y_true,y_pred,score,<sensitive columns>), printed as a table with
// bootstrap intervals and written as JSON (fairness/report.h).
#include <cmath>
#include <fstream>
#include <iostream>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/prediction_columns.h"
#include "datasets/csv.h"
#include "datasets/errors.h"
#include "engine/error.h"
#include "engine/files.h"
#include "fairness/report.h"
#include "fairness/report_text.h"

namespace candor::cli {

namespace {
struct AuditArgs {
  std::string predictions, y_true, y_pred, y_score, weights, json_out, method = "between_groups";
  std::vector<std::string> sensitive, privileged;
  int bootstrap = 1000;
  uint64_t seed = 0;
};

void run_audit(const AuditArgs& args) {
  fairness::AuditOptions options;
  options.bootstrap.replicates = args.bootstrap;
  options.bootstrap.seed = args.seed;
  try {
    options.bootstrap.validate();  // before the file is read
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  datasets::RawTable table = datasets::read_csv(args.predictions, datasets::CsvOptions{});
  // Every named column first, so a missing one is reported before any value is read.
  std::vector<std::pair<const char*, std::string>> wanted = {{"--y-true", args.y_true}, {"--y-pred", args.y_pred}};
  if (!args.y_score.empty()) wanted.emplace_back("--y-score", args.y_score);
  if (!args.weights.empty()) wanted.emplace_back("--weights", args.weights);
  for (const std::string& s : args.sensitive) wanted.emplace_back("--sensitive", s);
  for (const auto& [option, name] : wanted) {
    if (!table.has_column(name)) {
      throw datasets::unknown_column(name, table.names, fmt::format("audit: {} ({})", args.predictions, option));
    }
  }
  if (table.rows() == 0) throw Error(fmt::format("audit: {} has a header but no rows of predictions", args.predictions));

  fairness::AuditInput input;
  input.y_true = binary_column(table, args.y_true, "audit: --y-true");
  input.y_pred = binary_column(table, args.y_pred, "audit: --y-pred");
  if (!args.y_score.empty()) {
    input.y_score = number_column(table, args.y_score, "audit: --y-score", 0.0, 1.0, "probabilities in [0, 1]");
  }
  if (!args.weights.empty()) {
    input.weight = number_column(table, args.weights, "audit: --weights", 0.0, HUGE_VAL, "finite weights >= 0");
    for (size_t row = 0; row < input.weight.size(); ++row) {
      if (!std::isfinite(input.weight[row])) {
        throw Error(fmt::format("audit: --weights column \"{}\" must hold finite weights >= 0, found \"{}\" at {}",
                                args.weights, table.cells[table.column_index(args.weights)][row], table.where(row)));
      }
    }
  }
  for (const std::string& name : args.sensitive) {
    std::vector<std::string> values = table.cells[table.column_index(name)];
    for (std::string& v : values) {
      if (v.empty()) v = "(missing)";
    }
    input.sensitive_names.push_back(name);
    input.sensitive.push_back(std::move(values));
  }

  options.method = args.method == "to_overall" ? fairness::Method::ToOverall : fairness::Method::BetweenGroups;
  options.privileged = args.privileged;
  nlohmann::json report = fairness::audit_json(input, options);

  if (!args.json_out.empty()) {
    write_file_atomically(args.json_out, report.dump(2) + "\n");
  }
  std::cout << fairness::format_audit(report);
}
}  // namespace

void add_audit_command(CLI::App& app) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand("audit", "fairness metrics of predictions read from a CSV file");
  cmd->add_option("--predictions", args->predictions, "CSV file of predictions (candor predict writes one)")->required();
  cmd->add_option("--y-true", args->y_true, "column of true labels (0/1)")->required();
  cmd->add_option("--y-pred", args->y_pred, "column of predicted labels (0/1)")->required();
  cmd->add_option("--y-score", args->y_score, "column of scores, probabilities of the positive class");
  cmd->add_option("--sensitive", args->sensitive, "sensitive column(s), comma-separated; several also give their intersection")
      ->required()
      ->delimiter(',');
  cmd->add_option("--privileged", args->privileged,
                  "AIF360's privileged group: VALUE or FEATURE=VALUE, comma-separated, one per feature")
      ->delimiter(',');
  cmd->add_option("--weights", args->weights, "column of sample weights");
  cmd->add_option("--method", args->method, "Fairlearn's method for the named metrics")
      ->check(CLI::IsMember({"between_groups", "to_overall"}));
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap replicates for the intervals (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->seed, "seed of the bootstrap");
  cmd->add_option("--json", args->json_out, "write the report as JSON to this file");
  cmd->callback([args] { run_audit(*args); });
}

}  // namespace candor::cli
