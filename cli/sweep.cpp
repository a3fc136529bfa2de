// candor sweep: fine-tune once per lambda, then write pareto.json and pareto.svg (accuracy against
// the fairness gap, validation and test) and pick the most accurate model whose validation gap
// satisfies the selection constraint.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/finetune_run.h"
#include "cli/run_folder.h"
#include "cli/svg_plot.h"
#include "engine/error.h"
#include "engine/files.h"
#include "nn/progress.h"

namespace candor::cli {

namespace {

struct SweepArgs {
  FinetuneConfig base;
  std::string penalty = "dp";
  std::vector<double> lambdas = {0, 0.25, 0.5, 1, 2, 4};
  double select_bound = 0.02;
};

const char* gap_key(const std::string& penalty) {
  if (penalty == "eo") return "equalized_odds_difference";
  if (penalty == "eopp") return "equal_opportunity_difference";
  return "demographic_parity_difference";
}

// The gap's name as a person reads it, for plot axes.
std::string gap_name(const std::string& penalty) {
  std::string name = gap_key(penalty);
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

nlohmann::json point_of(const nlohmann::json& split, const std::string& feature, const std::string& penalty) {
  const nlohmann::json& gap = split["fairness"]["sensitive_features"][feature]["fairlearn"][gap_key(penalty)];
  return {{"accuracy", split["accuracy"]}, {"gap", gap["value"]}, {"gap_ci_low", gap["ci_low"]},
          {"gap_ci_high", gap["ci_high"]}};
}

double number(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : NAN; }

void run_sweep(const SweepArgs& args) {
  if (args.lambdas.empty()) throw UsageError("sweep: --lambdas needs at least one value");
  for (double lambda : args.lambdas) {  // every lambda is checked before the first run starts
    FinetuneConfig c = args.base;
    c.penalty = args.penalty;
    c.lambda = lambda;
    finetune_options(c);
  }
  StagedFolder folder(args.base.out);  // every point's run folder inside it; replaced as a whole
  const std::filesystem::path out = folder.path();
  nlohmann::json points = nlohmann::json::array();
  nlohmann::json before;
  std::string feature;
  nn::ProgressBar bar("sweep", static_cast<int64_t>(args.lambdas.size()), !args.base.quiet);
  for (size_t i = 0; i < args.lambdas.size(); ++i) {
    FinetuneConfig c = args.base;
    c.penalty = args.penalty;
    c.lambda = args.lambdas[i];
    c.quiet = true;
    const std::string name = fmt::format("lambda_{}", i);
    c.out = (out / name).string();
    nlohmann::json m = run_finetune(c);
    feature = fmt::format("{}", fmt::join(m["penalised"].get<std::vector<std::string>>(), "|"));  // the intersection's name
    before = m["before"];
    points.push_back({{"lambda", args.lambdas[i]}, {"run", (std::filesystem::path(args.base.out) / name).string()},
                      {"validation", point_of(m["after"]["validation"], feature, args.penalty)},
                      {"test", point_of(m["after"]["test"], feature, args.penalty)}});
    bar.set_suffix(fmt::format("lambda {}", args.lambdas[i]));
    bar.advance();
  }
  bar.finish();
  // Pareto-optimal on validation: no other point is at least as accurate with a smaller gap.
  nlohmann::json selected = nullptr;
  double best_accuracy = -1;
  for (size_t i = 0; i < points.size(); ++i) {
    double acc = number(points[i]["validation"]["accuracy"]), gap = number(points[i]["validation"]["gap"]);
    bool dominated = false;
    for (size_t j = 0; j < points.size(); ++j) {
      double acc_j = number(points[j]["validation"]["accuracy"]), gap_j = number(points[j]["validation"]["gap"]);
      if (j != i && acc_j >= acc && gap_j <= gap && (acc_j > acc || gap_j < gap)) dominated = true;
    }
    points[i]["pareto_optimal"] = !dominated;
    if (gap <= args.select_bound && acc > best_accuracy) {
      best_accuracy = acc;
      selected = i;
    }
  }
  nlohmann::json pareto = {{"penalty", args.penalty}, {"feature", feature},
                           {"select", fmt::format("{}<={}", args.penalty, args.select_bound)},
                           {"before", {{"validation", point_of(before["validation"], feature, args.penalty)},
                                       {"test", point_of(before["test"], feature, args.penalty)}}},
                           {"points", points}, {"selected", selected}};
  write_json((out / "pareto.json").string(), pareto);

  Plot plot;
  plot.title = fmt::format("accuracy against {} ({}), one point per lambda", gap_name(args.penalty), feature);
  plot.x_label = fmt::format("{} ({})", gap_name(args.penalty), feature);
  plot.y_label = "accuracy";
  // Test points labelled by lambda with their bootstrap interval; the line joins only the test
  // front (no point more accurate at a smaller gap), in order of the gap, so it never doubles back
  // and dominated points (hollow) stand apart.
  PlotSeries validation = point_series("validation", "#1f77b4", {}, {});
  PlotSeries front = point_series("test: the front", "#ff7f0e", {}, {}, 0);
  PlotSeries test = point_series("test", "#ff7f0e", {}, {}), dominated = point_series("test: dominated", "#ff7f0e", {}, {});
  front.connect = true;
  dominated.hollow = true;
  std::vector<std::pair<double, double>> front_points;
  for (const auto& p : points) {
    validation.x.push_back(number(p["validation"]["gap"]));
    validation.y.push_back(number(p["validation"]["accuracy"]));
    const double gap = number(p["test"]["gap"]), acc = number(p["test"]["accuracy"]);
    bool is_dominated = false;
    for (const auto& q : points) {
      const double gap_q = number(q["test"]["gap"]), acc_q = number(q["test"]["accuracy"]);
      if (acc_q >= acc && gap_q <= gap && (acc_q > acc || gap_q < gap)) is_dominated = true;
    }
    PlotSeries& into = is_dominated ? dominated : test;
    into.x.push_back(gap);
    into.y.push_back(acc);
    into.point_labels.push_back(fmt::format("\u03bb {}", p["lambda"].get<double>()));
    into.x_low.push_back(number(p["test"]["gap_ci_low"]));
    into.x_high.push_back(number(p["test"]["gap_ci_high"]));
    if (!is_dominated) front_points.emplace_back(gap, acc);
  }
  std::sort(front_points.begin(), front_points.end());
  for (const auto& [gap, acc] : front_points) {
    front.x.push_back(gap);
    front.y.push_back(acc);
  }
  const PlotSeries start = point_series("before fine-tuning", "#7f7f7f", {number(pareto["before"]["test"]["gap"])},
                                        {number(pareto["before"]["test"]["accuracy"])}, 5);
  plot.series = {validation, front, test, dominated, start};
  if (!selected.is_null()) {
    const auto& p = points[selected.get<size_t>()];
    plot.series.push_back(
        point_series("selected (test)", "#d62728", {number(p["test"]["gap"])}, {number(p["test"]["accuracy"])}, 7));
  }
  write_file_atomically(out / "pareto.svg", render_svg(plot));
  folder.commit();

  if (!args.base.quiet) {
    fmt::print("{:>8} {:>10} {:>10} {:>10} {:>10}\n", "lambda", "val acc", "val gap", "test acc", "test gap");
    for (const auto& p : points) {
      fmt::print("{:>8} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f}{}\n", p["lambda"].get<double>(),
                 number(p["validation"]["accuracy"]), number(p["validation"]["gap"]), number(p["test"]["accuracy"]),
                 number(p["test"]["gap"]), p["pareto_optimal"].get<bool>() ? "  pareto" : "");
    }
    if (selected.is_null()) {
      fmt::print("no lambda meets {}<={} on validation\n", args.penalty, args.select_bound);
    } else {
      fmt::print("selected lambda {} ({})\n", points[selected.get<size_t>()]["lambda"].get<double>(),
                 points[selected.get<size_t>()]["run"].get<std::string>());
    }
    fmt::print("wrote {}/{{pareto.json, pareto.svg}}\n", args.base.out);
  }
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  args->base.bootstrap = 0;
  CLI::App* cmd = app.add_subcommand("sweep", "fine-tune over a grid of lambdas and plot accuracy against fairness");
  cmd->add_option("--init", args->base.init, "checkpoint to start from")->required();
  cmd->add_option("--penalty", args->penalty, "dp, eo or eopp")->check(CLI::IsMember({"dp", "eo", "eopp"}));
  cmd->add_option("--lambdas", args->lambdas, "penalty weights, e.g. 0,0.5,1,2")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--select", args->select_bound, "pick the most accurate model with validation gap <= this")
      ->check(CLI::NonNegativeNumber);
  add_finetune_options(*cmd, args->base);
  cmd->add_option("--out", args->base.out, "folder for the sweep")->required();
  cmd->callback([args] { run_sweep(*args); });
}

}  // namespace candor::cli
