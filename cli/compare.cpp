// candor compare RUN...: the methods behind several run folders side by side on the same test
// rows (fairness/compare.h): accuracy, balanced accuracy, DPD and EOD with bootstrap intervals and
// the fit time, as a table; with --out, compare.json and a Pareto plot (accuracy against a gap).
//
// A run folder is read in one of two ways:
//   - test_predictions.csv (candor mitigate writes it: y_true, p_one = P(ŷ = 1), the sensitive
//     columns), for randomised classifiers and post-processed models;
//   - otherwise its model.safetensors (candor train, finetune, pretrain), scored on the test split
//     of its data and thresholded at 0.5.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/prediction_columns.h"
#include "cli/run_folder.h"
#include "cli/svg_plot.h"
#include "datasets/errors.h"
#include "engine/files.h"
#include "fairness/compare.h"
#include "nn/run.h"
#include "nn/scoring.h"

namespace candor::cli {

namespace fs = std::filesystem;

namespace {

struct CompareArgs {
  std::vector<std::string> runs;
  std::string sensitive, gap = "dpd", out;
  int64_t bootstrap = 200;
  uint64_t seed = 0;
};

std::string folder_name(const std::string& folder) {
  fs::path p = fs::path(folder).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

// What produced the run, from its config.json.
std::string method_of(const nlohmann::json& config) {
  if (config.contains("mitigation")) return config["mitigation"].value("summary", "mitigate");
  if (config.contains("finetune")) {
    const nlohmann::json& f = config["finetune"];
    std::string s = "finetune " + f.value("mode", std::string("full"));
    if (f.contains("penalty") && f["penalty"].is_string()) s += " " + f["penalty"].get<std::string>();
    if (f.contains("lambda") && f["lambda"].is_number()) s += fmt::format(" lambda={:g}", f["lambda"].get<double>());
    if (f.contains("constraint") && f["constraint"].is_string() && !f["constraint"].get<std::string>().empty()) {
      s += " " + f["constraint"].get<std::string>();
    }
    return s;
  }
  if (config.contains("model")) return "train " + config["model"].value("kind", std::string("mlp"));
  return "run";
}

fairness::Groups groups_named(const std::vector<std::string>& names, const std::vector<std::vector<std::string>>& values,
                              const std::string& wanted, const std::string& where) {
  if (names.empty()) throw Error(fmt::format("compare: {} has no sensitive column", where));
  size_t k = 0;
  if (!wanted.empty()) {
    k = std::find(names.begin(), names.end(), wanted) - names.begin();
    if (k == names.size()) throw datasets::unknown_column(wanted, names, fmt::format("compare: {} (--sensitive)", where));
  }
  return fairness::make_groups({values[k]}, {names[k]});
}

fairness::MethodOutcome from_predictions(const fs::path& folder, const std::string& sensitive) {
  const std::string path = (folder / "test_predictions.csv").string();
  const datasets::RawTable table = datasets::read_csv(path, datasets::CsvOptions{});
  for (const char* column : {"y_true", "p_one"}) {
    if (!table.has_column(column)) throw datasets::unknown_column(column, table.names, "compare: " + path);
  }
  fairness::MethodOutcome o;
  o.y_true = binary_column(table, "y_true", "compare: " + path);
  o.p_one = number_column(table, "p_one", "compare: " + path, 0.0, 1.0, "probabilities in [0, 1]");
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
  for (size_t c = 0; c < table.names.size(); ++c) {
    if (table.names[c] == "y_true" || table.names[c] == "p_one") continue;
    names.push_back(table.names[c]);
    values.push_back(table.cells[c]);
  }
  o.groups = groups_named(names, values, sensitive, path);
  return o;
}

fairness::MethodOutcome from_model(const fs::path& folder, const std::string& sensitive) {
  nn::LoadedRun run = nn::load_run(folder.string());
  datasets::Splits splits = datasets::load_splits(nn::run_data(run), run.config.seed);
  const datasets::Encoded test = run.encoder.transform(splits.test);
  const nn::Scores scores = nn::score(*run.model, test);
  fairness::MethodOutcome o;
  o.y_true = scores.y;
  for (double s : scores.score) o.p_one.push_back(s > 0.5 ? 1.0 : 0.0);
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;
  for (const datasets::SensitiveFeature& f : test.sensitive) {
    names.push_back(f.name);
    values.push_back(f.values());
  }
  o.groups = groups_named(names, values, sensitive, folder.string());
  return o;
}

fairness::MethodOutcome outcome_of(const std::string& run, const std::string& sensitive) {
  const fs::path folder(run);
  if (!fs::is_directory(folder)) throw Error(fmt::format("compare: {} is not a run folder", run));
  fairness::MethodOutcome o;
  if (fs::exists(folder / "test_predictions.csv")) {
    o = from_predictions(folder, sensitive);
  } else if (fs::exists(folder / "model.safetensors")) {
    o = from_model(folder, sensitive);
  } else {
    throw Error(fmt::format("compare: {} has neither test_predictions.csv (candor mitigate) nor model.safetensors "
                            "(candor train, finetune)",
                            run));
  }
  o.name = folder_name(run);
  o.method = fs::exists(folder / "config.json") ? method_of(read_json((folder / "config.json").string())) : "run";
  if (fs::exists(folder / "metrics.json")) {
    const nlohmann::json metrics = read_json((folder / "metrics.json").string());
    if (metrics.contains("fit_seconds") && metrics["fit_seconds"].is_number()) o.fit_seconds = metrics["fit_seconds"];
  }
  return o;
}

// The accuracy-gap plane: one labelled point per run.
std::string pareto_svg(const std::vector<fairness::ComparisonRow>& rows, const std::string& gap,
                       const std::string& sensitive) {
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  Plot plot;
  const bool dpd = gap == "dpd";
  plot.title = fmt::format("accuracy against {} ({}), test rows", dpd ? "demographic parity difference" : "equalized odds difference",
                           sensitive);
  plot.x_label = dpd ? "demographic parity difference" : "equalized odds difference";
  plot.y_label = "accuracy";
  for (size_t i = 0; i < rows.size(); ++i) {
    const fairness::Estimate& x = dpd ? rows[i].dpd : rows[i].eod;
    PlotSeries run = point_series(rows[i].name, kColors[i % 10], {x.value}, {rows[i].accuracy.value}, 6);
    run.x_low = {x.interval.low};  // the bootstrap interval of the gap (NaN without --bootstrap)
    run.x_high = {x.interval.high};
    plot.series.push_back(run);
  }
  return render_svg(plot);
}

void run_compare(const CompareArgs& args) {
  fairness::BootstrapOptions bootstrap;
  bootstrap.replicates = static_cast<int>(std::min<int64_t>(args.bootstrap, INT32_MAX));
  bootstrap.seed = args.seed;
  try {
    bootstrap.validate();
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  std::optional<StagedFolder> folder;
  if (!args.out.empty()) folder.emplace(args.out);  // refuses an --out it must not replace, before any work
  std::vector<fairness::MethodOutcome> outcomes;
  for (const std::string& run : args.runs) {
    outcomes.push_back(outcome_of(run, args.sensitive));
    // The same test rows for every run, or the comparison means nothing.
    if (outcomes.back().y_true != outcomes.front().y_true) {
      throw Error(fmt::format("compare: {} and {} were not evaluated on the same test rows ({} and {} rows, or other "
                              "labels): compare runs on the same data and split",
                              args.runs.front(), run, outcomes.front().y_true.size(), outcomes.back().y_true.size()));
    }
  }
  const std::vector<fairness::ComparisonRow> rows = fairness::compare_methods(outcomes, bootstrap);
  const std::string sensitive = outcomes.front().groups.name();
  std::cout << fmt::format("test rows: {}; groups of \"{}\"; {} bootstrap replicates\n", rows.front().rows, sensitive,
                           bootstrap.replicates);
  std::cout << fairness::format_table(rows);
  if (folder) {
    const fs::path out = folder->path();
    write_json((out / "compare.json").string(),
               {{"sensitive", sensitive}, {"bootstrap", {{"replicates", bootstrap.replicates}, {"seed", bootstrap.seed}}},
                {"runs", args.runs}, {"rows", fairness::to_json(rows)}});
    write_file_atomically((out / "pareto.svg").string(), pareto_svg(rows, args.gap, sensitive));
    folder->commit();
    std::cout << fmt::format("wrote {}/{{compare.json, pareto.svg}}\n", args.out);
  }
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "compare runs on the same test rows: accuracy against fairness gaps");
  cmd->add_option("runs", args->runs, "run folders (candor train, finetune or mitigate)")->required();
  cmd->add_option("--sensitive", args->sensitive, "sensitive column for the gaps (default: each run's first)");
  cmd->add_option("--gap", args->gap, "the plot's x axis: dpd or eod")->check(CLI::IsMember({"dpd", "eod"}));
  cmd->add_option("--bootstrap", args->bootstrap, "bootstrap replicates for the intervals (0: none)")
      ->check(CLI::Range(int64_t{0}, int64_t{fairness::BootstrapOptions::kMaxReplicates}));
  cmd->add_option("--seed", args->seed, "seed of the bootstrap");
  cmd->add_option("--out", args->out, "folder for compare.json and pareto.svg");
  cmd->callback([args] { run_compare(*args); });
}

}  // namespace candor::cli
