// candor mitigate: one of Fairlearn's and AIF360's mitigations (fairness/mitigate.h) on a dataset,
// against the same base learner unmitigated, for the data's first sensitive column (--sensitive
// names it), written as a run folder:
//   config.json            the data, the seed and the mitigation's options (everything to rerun)
//   mitigation.json        what predicts: the mixture, the thresholds, the factors or the remover,
//                          with the base model's weights (fairness/mitigated_classifier.h reads it)
//   encoder.json           the encoder fitted on the training rows (candor predict reads both)
//   model.safetensors      when the result is one network over the encoded features (reweighing,
//                          adversarial): an ordinary checkpoint, read by eval, predict and compare
//   test_predictions.csv   y_true, p_one = P(ŷ = 1) and the sensitive columns of the test rows
//                          (what candor compare reads)
//   metrics.json           before and after on the test rows (expected values for a randomised
//                          classifier, with bootstrap intervals), the audit of the mitigated
//                          predictions (of one seeded draw, for a randomised classifier), the fit
//                          time, convergence
#include <filesystem>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/csv_field.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "engine/files.h"
#include "fairness/compare.h"
#include "fairness/mitigate.h"
#include "fairness/randomized.h"
#include "fairness/report.h"
#include "nn/run.h"

namespace candor::cli {

namespace fs = std::filesystem;

namespace {

struct MitigateArgs {
  datasets::DataSource data;
  std::string method = "expgrad", out;
  fairness::MitigationOptions options;
  std::optional<int64_t> grid_size, epochs, batch_size;
  std::optional<double> lr, nu;
  std::string objective = "accuracy";
  int64_t bootstrap = 200;
  bool quiet = false;
};

// The options the flags set, each where the chosen method reads it.
fairness::MitigationOptions options_of(const MitigateArgs& a) {
  fairness::MitigationOptions o = a.options;
  o.method = fairness::parse_method(a.method);
  o.threshold.objective = a.objective == "accuracy" ? fairness::ThresholdObjective::Accuracy
                                                    : fairness::ThresholdObjective::BalancedAccuracy;
  if (a.grid_size) (o.method == fairness::MitigationMethod::Threshold ? o.threshold.grid_size : o.grid.grid_size) = *a.grid_size;
  if (a.nu) o.expgrad.nu = *a.nu;
  o.adversarial.alpha = o.alpha;
  if (a.epochs) o.training.epochs = o.adversarial.epochs = *a.epochs;
  if (a.batch_size) o.training.batch_size = o.adversarial.batch_size = *a.batch_size;
  if (a.lr) o.training.lr = o.adversarial.learning_rate = *a.lr;
  return o;
}

std::string test_predictions_csv(const datasets::Encoded& test, const std::vector<double>& p_one) {
  std::string out = "y_true,p_one";
  std::vector<std::vector<std::string>> groups;
  for (const datasets::SensitiveFeature& f : test.sensitive) {
    out += ',';
    out += csv_field(f.name);
    groups.push_back(f.values());
  }
  out += "\n";
  const std::vector<double> y = test.y.to_vector<double>();
  for (size_t i = 0; i < y.size(); ++i) {
    out += fmt::format("{},{:.17g}", y[i], p_one[i]);
    for (const auto& column : groups) {
      out += ',';
      out += csv_field(column[i]);
    }
    out += "\n";
  }
  return out;
}

void run_mitigate(const MitigateArgs& args) {
  check_data_options(args.data);
  fairness::MitigationOptions options;
  fairness::BootstrapOptions bootstrap;
  bootstrap.replicates = static_cast<int>(std::min<int64_t>(args.bootstrap, INT32_MAX));
  bootstrap.seed = args.options.seed;
  try {
    options = options_of(args);
    options.validate();
    bootstrap.validate();
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  StagedFolder folder(args.out);  // refuses an --out it must not replace, before any work
  const fs::path out = folder.path();
  nn::RunConfig config;
  config.data = datasets::absolute_paths(args.data);
  config.seed = options.seed;
  datasets::Splits splits = datasets::load_splits(config.data, config.seed);
  print_warnings(splits.warnings);
  const datasets::Encoder encoder = datasets::Encoder::fit(splits.train, splits.schema);
  const datasets::Encoded train = encoder.transform(splits.train), validation = encoder.transform(splits.validation),
                          test = encoder.transform(splits.test);

  const fairness::MitigationResult r = fairness::mitigate(encoder, train, validation, test, options);
  print_warnings(r.warnings);

  // Before and after on the same test rows, with their intervals.
  fairness::MethodOutcome before{"before", "base " + options.learner, test.y.to_vector<double>(), r.before_test, {}, NAN};
  before.groups = fairness::groups_of({datasets::find_feature(test.sensitive, r.feature)});
  fairness::MethodOutcome after = before;
  after.name = "after";
  after.method = options.summary();
  after.p_one = r.after_test;
  after.fit_seconds = r.fit_seconds;
  const std::vector<fairness::ComparisonRow> rows = fairness::compare_methods({before, after}, bootstrap);
  // The full audit (candor audit's report) of the predictions as deployed: a randomised classifier
  // is audited on one seeded draw (its expected values are in "test" above).
  fairness::AuditInput audited;
  audited.y_true = before.y_true;
  audited.y_pred = r.randomised ? fairness::sample_predictions(r.after_test, options.seed) : r.after_test;
  for (const datasets::SensitiveFeature& f : test.sensitive) {
    audited.sensitive_names.push_back(f.name);
    audited.sensitive.push_back(f.values());
  }
  fairness::AuditOptions audit_options;
  audit_options.bootstrap = bootstrap;

  if (r.module) {
    config.model.kind = options.learner == "logistic" && options.method != fairness::MitigationMethod::Adversarial
                            ? "logistic" : "mlp";
    config.model.mlp.hidden = options.method == fairness::MitigationMethod::Adversarial ? options.adversarial.predictor_hidden
                                                                                          : options.mlp.hidden;
    config.model.logistic = options.logistic;
    nn::save_checkpoint((out / "model.safetensors").string(), r.module->state_dict(), config, encoder);
  }
  nlohmann::json config_json = nn::to_json(config);
  config_json["mitigation"] = options.to_json();
  config_json["mitigation"]["sensitive"] = r.feature;
  write_json((out / "config.json").string(), config_json);
  write_json((out / "mitigation.json").string(), r.state);
  write_json((out / "encoder.json").string(), encoder.to_json());
  write_file_atomically(out / "test_predictions.csv", test_predictions_csv(test, r.after_test));
  write_json((out / "metrics.json").string(), {{"method", options.summary()},
                                               {"sensitive", r.feature},
                                               {"randomised", r.randomised},
                                               {"fit_seconds", r.fit_seconds},
                                               {"test", fairness::to_json(rows)},
                                               {"audit", fairness::audit_json(audited, audit_options)},
                                               {"details", r.details},
                                               {"warnings", r.warnings}});
  folder.commit();
  if (!args.quiet) {
    fmt::print("{} on \"{}\", {} test rows{}\n", options.summary(), r.feature, test.y.numel(),
               r.randomised ? " (expected values of the randomised classifier)" : "");
    fmt::print("{}", fairness::format_table(rows));
    fmt::print("wrote {}/{{config.json, mitigation.json, encoder.json, {}test_predictions.csv, metrics.json}}\n", args.out,
               r.module ? "model.safetensors, " : "");
  }
}

}  // namespace

void add_mitigate_command(CLI::App& app) {
  auto args = std::make_shared<MitigateArgs>();
  fairness::MitigationOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "mitigate", "apply a mitigation (reweighing, correlation remover, reductions, thresholds, adversarial) and write a run");
  add_data_options(*cmd, args->data);
  cmd->add_option("--method", args->method, "reweighing, correlation-remover, expgrad, gridsearch, threshold or adversarial")
      ->required()
      ->check(CLI::IsMember({"reweighing", "correlation-remover", "expgrad", "gridsearch", "threshold", "adversarial"}));
  cmd->add_option("--constraint", o.constraint, "dp, eo, tpr or fpr (threshold and adversarial: dp or eo)")
      ->check(CLI::IsMember({"dp", "eo", "tpr", "fpr"}));
  cmd->add_option("--learner", o.learner, "base learner: logistic or mlp")->check(CLI::IsMember({"logistic", "mlp"}));
  cmd->add_option("--C", o.logistic.C, "logistic: inverse L2 strength, as scikit-learn's C")->check(CLI::PositiveNumber);
  cmd->add_option("--hidden", o.mlp.hidden, "mlp: hidden widths, e.g. 64,64")->delimiter(',');
  cmd->add_option("--eps", o.expgrad.eps, "expgrad: bound on the Lagrange multipliers' L1 norm is 1/eps")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--difference-bound", o.difference_bound, "reductions: the bound on each group's difference")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-iter", o.expgrad.max_iter, "expgrad: iterations at most")->check(CLI::PositiveNumber);
  cmd->add_option("--nu", args->nu, "expgrad: duality-gap tolerance (default: from the data, as Fairlearn)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--grid-size", args->grid_size, "gridsearch: grid points (10); threshold: grid resolution (1000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--objective", args->objective, "threshold: accuracy or balanced_accuracy")
      ->check(CLI::IsMember({"accuracy", "balanced_accuracy"}));
  cmd->add_option("--alpha", o.alpha,
                  "correlation-remover: share of the correlation removed, in [0, 1]; adversarial: weight of the "
                  "adversary's gradient")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--epochs", args->epochs, "mlp learner and adversarial: epochs")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", args->batch_size, "mlp learner and adversarial: rows per step")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", args->lr, "mlp learner and adversarial: learning rate")->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap replicates for the intervals (0: none)")
      ->check(CLI::Range(int64_t{0}, int64_t{fairness::BootstrapOptions::kMaxReplicates}));
  cmd->add_option("--seed", o.seed, "seed for the split, initial weights and shuffles");
  cmd->add_option("--out", args->out, "run folder to write")->required();
  cmd->add_flag("--quiet", args->quiet, "no summary");
  cmd->callback([args] { run_mitigate(*args); });
}

}  // namespace candor::cli
