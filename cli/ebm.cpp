// candor ebm: Explainable Boosting Machines (explain/ebm) on a dataset.
//   candor ebm fit --data adult --out runs/ebm [--interactions K] [--outer-bags B] ...
//   candor ebm explain --run runs/ebm [--global | --row N [--split test]]
//   candor ebm predict --run runs/ebm [--split test | --csv new.csv] --out predictions.csv
// The run folder: config.json (data and EBM settings, to rerun), model.ebm.json (the model, an
// exact JSON round trip), metrics.json (accuracy, ROC AUC and log loss on validation and test),
// explanation.json (the global explanation) and plots/ (importance, one shape per main term, one
// heatmap per pair; explain --row adds a waterfall).
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/data_options.h"
#include "cli/ebm_run.h"
#include "cli/run_folder.h"
#include "datasets/json_integer.h"
#include "datasets/labels.h"
#include "engine/files.h"
#include "nn/scoring.h"
#include "engine/error.h"
#include "explain/ebm/ebm.h"

namespace candor::cli {

namespace {

namespace fs = std::filesystem;
using explain::ebm::FitOptions;
using explain::ebm::Model;

struct EbmFitArgs {
  datasets::DataSource data;
  std::string out;
  int64_t interactions = -1;  // -1: 3 x features
  size_t outer_bags = 14, max_bins = 1024, max_interaction_bins = 64, max_rounds = 50000;
  double learning_rate = 0.015;
  std::vector<std::string> monotone;  // feature=+1 / feature=-1
  uint64_t seed = 42;
  bool quiet = false;
};

void write_text(const fs::path& path, const std::string& text) {
  write_file_atomically(path, text);
}

nn::Scores ebm_scores(const Model& model, const datasets::Table& table, const datasets::Schema& schema) {
  nn::Scores s;
  s.y = explain::ebm::labels(table, schema, model.objective);
  s.score = model.predict_proba(table);
  s.weight = explain::ebm::weights(table, schema);
  if (s.weight.empty()) s.weight.assign(s.y.size(), 1.0);
  return s;
}

// Test metrics, the most important terms, and the share of the model's importance carried by
// terms that use each sensitive feature (how much of the score depends on it).
void print_fit_summary(const Model& model, const nlohmann::json& metrics, const std::vector<std::string>& sensitive) {
  if (metrics.contains("test")) {
    fmt::print("EBM test accuracy {:.4f}, ROC AUC {:.4f}, log loss {:.4f}\n", metrics["test"]["accuracy"].get<double>(),
               metrics["test"]["roc_auc"].get<double>(), metrics["test"]["log_loss"].get<double>());
  }
  std::vector<double> importance = explain::ebm::term_importances(model);
  std::vector<size_t> order(importance.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return importance[a] > importance[b]; });
  double total = 0;
  for (double v : importance) total += v;
  fmt::print("top terms (mean |score|):");
  for (size_t k = 0; k < std::min<size_t>(8, order.size()); ++k) {
    fmt::print("{} {} {:.3f}", k == 0 ? "" : ",", model.terms[order[k]].name, importance[order[k]]);
  }
  fmt::print("\n");
  for (const std::string& feature : sensitive) {
    double carried = 0;
    for (size_t t = 0; t < model.terms.size(); ++t) {
      const auto& names = model.terms[t].features;
      bool uses = false;
      for (size_t f : names) uses = uses || model.features[f].name == feature;
      if (uses) carried += importance[t];
    }
    fmt::print("sensitive feature {}: {:.1f}% of the total term importance\n", feature,
               total > 0 ? 100 * carried / total : 0.0);
  }
}

void run_fit(const EbmFitArgs& args) {
  check_data_options(args.data);
  StagedFolder folder(args.out);  // refuses an --out it must not replace, before any work
  const fs::path out = folder.path();
  fs::create_directories(out / "plots");
  datasets::Splits splits = datasets::load_splits(args.data, args.seed);
  print_warnings(splits.warnings);
  FitOptions o;
  o.outer_bags = args.outer_bags;
  o.max_bins = args.max_bins;
  o.max_interaction_bins = args.max_interaction_bins;
  o.max_rounds = args.max_rounds;
  o.learning_rate = args.learning_rate;
  o.seed = args.seed;
  if (args.interactions >= 0) o.interactions = static_cast<size_t>(args.interactions);
  for (const std::string& m : args.monotone) {
    const auto eq = m.rfind('=');
    if (eq == std::string::npos || (m.substr(eq + 1) != "+1" && m.substr(eq + 1) != "1" &&
                                    m.substr(eq + 1) != "-1"))
      throw ValueError(fmt::format("--monotone takes feature=+1 or feature=-1, got \"{}\"", m));
    o.monotone[m.substr(0, eq)] = m.substr(eq + 1) == "-1" ? -1 : 1;
  }
  const bool show = !args.quiet && isatty(fileno(stderr));
  o.progress = [show](const explain::ebm::FitProgress& p) {
    if (show) fmt::print(stderr, "\r{:5} {:3}/{} bags", p.stage, p.done, p.bags);
  };
  const Model model = explain::ebm::fit(splits.train, splits.schema, o);
  if (show) fmt::print(stderr, "\n");
  explain::ebm::save_model(model, (out / "model.ebm.json").string());

  nlohmann::json config = {{"data", datasets::to_json(datasets::absolute_paths(args.data))}, {"seed", args.seed}};
  config["ebm"] = {{"outer_bags", o.outer_bags},
                   {"interactions", args.interactions},
                   {"max_bins", o.max_bins},
                   {"max_interaction_bins", o.max_interaction_bins},
                   {"max_rounds", o.max_rounds},
                   {"learning_rate", o.learning_rate},
                   {"monotone", args.monotone}};
  write_json((out / "config.json").string(), config);
  nlohmann::json metrics;
  for (const char* split : {"validation", "test"}) {
    const datasets::Table& t = datasets::split_by_name(splits, split);
    if (t.rows() > 0) metrics[split] = nn::task_metrics(ebm_scores(model, t, splits.schema));
  }
  write_json((out / "metrics.json").string(), metrics);
  write_json((out / "explanation.json").string(), explain::ebm::explain_global(model));
  write_text(out / "plots" / "importance.svg", explain::ebm::importance_svg(model));
  for (size_t t = 0; t < model.terms.size(); ++t) {
    const bool pair = model.terms[t].features.size() == 2;
    write_text(out / "plots" / ((pair ? "pair_" : "shape_") + safe_file_stem(model.terms[t].name) + ".svg"),
               pair ? explain::ebm::pair_heatmap_svg(model, t) : explain::ebm::shape_svg(model, t));
  }
  folder.commit();
  if (!args.quiet) print_fit_summary(model, metrics, splits.schema.sensitive);
}

struct EbmRunArgs {
  std::string run, split = "test", out, csv, delimiter = ",";
  int64_t row = -1;
  bool global = false;
};

void run_explain(const EbmRunArgs& args) {
  if (args.global == (args.row >= 0)) throw UsageError("ebm explain needs --global or --row N, one of them");
  if (args.global) {
    const Model model = explain::ebm::load_model((fs::path(args.run) / "model.ebm.json").string());
    fmt::print("{}\n", explain::ebm::explain_global(model).dump(2));
    return;
  }
  const LoadedEbm run = load_ebm_run(args.run);
  const datasets::Table& table = datasets::split_by_name(run.splits, args.split);
  const auto row = static_cast<size_t>(args.row);
  const nlohmann::json local = explain::ebm::explain_local_json(run.model, table, {row});
  const auto all = explain::ebm::explain_local(run.model, table);
  const fs::path plot = fs::path(args.run) / "plots" / fmt::format("local_{}_{}.svg", args.split, row);
  fs::create_directories(plot.parent_path());
  const datasets::Column& label = table.column(run.splits.schema.label);
  const std::string note = fmt::format("row {} of {}, {} = {}", row, args.split, label.name,
                                       label.missing[row]  ? "missing"
                                       : label.is_numeric() ? fmt::format("{:.6g}", label.numbers[row])
                                                            : label.values[row]);
  write_text(plot, explain::ebm::waterfall_svg(run.model, all[row], 12,
                                               explain::ebm::feature_values(run.model, table, row), note));
  fmt::print("{}\n", local.dump(2));
}

// The group of each row for every sensitive column (binned ones by their bin's label).
void add_sensitive(PredictionRows& rows, const datasets::Table& table, const datasets::Schema& schema) {
  for (const std::string& c : schema.sensitive) {
    if (!table.has_column(c)) continue;
    const datasets::Column& col = table.column(c);
    const auto bins = schema.sensitive_bins.find(c);
    const std::vector<std::string> labels = bins != schema.sensitive_bins.end() ? datasets::bin_labels(bins->second)
                                                                                : std::vector<std::string>{};
    std::vector<std::string> values;
    for (size_t i = 0; i < table.rows(); ++i) {
      if (col.missing[i]) {
        values.emplace_back();
      } else if (bins != schema.sensitive_bins.end()) {
        values.push_back(labels[static_cast<size_t>(datasets::bin_of(bins->second, col.numbers[i]))]);
      } else {
        values.push_back(col.is_numeric() ? fmt::format("{}", col.numbers[i]) : col.values[i]);
      }
    }
    rows.sensitive_names.push_back(c);
    rows.sensitive.push_back(std::move(values));
  }
}

void run_predict(const EbmRunArgs& args) {
  const LoadedEbm run = load_ebm_run(args.run);
  PredictionRows rows;
  rows.digits = 17;
  if (args.csv.empty()) {
    const datasets::Table& table = datasets::split_by_name(run.splits, args.split);
    const nn::Scores s = ebm_scores(run.model, table, run.splits.schema);
    rows.y_true = s.y;
    rows.score = s.score;
    add_sensitive(rows, table, run.splits.schema);
  } else {
    // New rows, typed as the training rows were; the label is optional.
    const datasets::Schema schema = datasets::typed_like(run.splits.schema, run.splits.train);
    const datasets::NewRows fresh = datasets::load_new_rows(args.csv, args.delimiter, schema);
    print_warnings(fresh.warnings);
    rows.score = run.model.predict_proba(fresh.table);
    if (fresh.labelled) rows.y_true = datasets::binary_labels(fresh.table, schema);
    add_sensitive(rows, fresh.table, schema);
  }
  write_predictions(args.out, rows);
}

}  // namespace

void add_ebm_command(CLI::App& app) {
  CLI::App* ebm = app.add_subcommand("ebm", "Explainable Boosting Machines: fit, explain, predict");
  ebm->require_subcommand(1);

  auto fit = std::make_shared<EbmFitArgs>();
  CLI::App* f = ebm->add_subcommand("fit", "fit an EBM (InterpretML's classifier defaults)");
  add_data_options(*f, fit->data);
  f->add_option("--out", fit->out, "run folder to write")->required();
  f->add_option("--interactions", fit->interactions, "pairs chosen by FAST")
      ->default_str("3 x features")
      ->check(CLI::NonNegativeNumber);
  f->add_option("--outer-bags", fit->outer_bags, "bagged models to average")
      ->check(CLI::PositiveNumber);
  f->add_option("--max-bins", fit->max_bins, "bins per feature for main effects");
  f->add_option("--max-interaction-bins", fit->max_interaction_bins, "bins per feature for pairs");
  f->add_option("--max-rounds", fit->max_rounds, "cap on boosting rounds");
  f->add_option("--learning-rate", fit->learning_rate, "learning rate");
  f->add_option("--monotone", fit->monotone, "monotone constraints: feature=+1,feature=-1")->delimiter(',');
  f->add_option("--seed", fit->seed, "random seed");
  f->add_flag("--quiet", fit->quiet, "no progress or metrics on the terminal");
  f->callback([fit] { run_fit(*fit); });

  auto ex = std::make_shared<EbmRunArgs>();
  CLI::App* e = ebm->add_subcommand("explain", "global or local explanation of an EBM run as JSON");
  e->add_option("--run", ex->run, "run folder written by candor ebm fit")->required();
  e->add_flag("--global", ex->global, "every term: shape, +-1 std, importance");
  e->add_option("--row", ex->row, "one row of --split: each term's contribution (and a waterfall SVG)")
      ->check(CLI::NonNegativeNumber);
  e->add_option("--split", ex->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  e->callback([ex] { run_explain(*ex); });

  auto pr = std::make_shared<EbmRunArgs>();
  CLI::App* p = ebm->add_subcommand("predict", "write an EBM run's predictions as CSV");
  p->add_option("--run", pr->run, "run folder written by candor ebm fit")->required();
  p->add_option("--split", pr->split, "split of the run's data: train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  p->add_option("--csv,--file", pr->csv, "score every row of this CSV or ARFF file instead (the label is optional)");
  p->add_option("--delimiter", pr->delimiter, "CSV field separator (--csv)");
  p->add_option("--out", pr->out, "CSV file to write")->required();
  p->callback([pr] { run_predict(*pr); });
}

}  // namespace candor::cli
