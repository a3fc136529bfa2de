// candor explain: post-hoc explanations of a trained run (explain/posthoc), written as JSON and SVG.
//   candor explain --run R --method ig|shap|lime|permutation|pdp|fairness [--rows 0-99] [--split test]
//                  [--background N] [--seed S] --out DIR
// DIR/explanation.json holds the numbers, DIR/plots/ the pictures: an attribution summary and
// waterfalls (ig, shap), LIME's local weights, permutation importances, PDP/ICE curves, and the
// decomposition of a group gap in mean scores (fairness).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/explain_subject.h"
#include "cli/run_folder.h"
#include "engine/files.h"
#include "engine/ops/ops.h"
#include "explain/posthoc/dependence.h"
#include "explain/posthoc/gap_attribution.h"
#include "explain/posthoc/permutation.h"
#include "explain/posthoc/plots.h"
#include "explain/posthoc/shapley.h"
#include "nn/metrics.h"
#include "nn/progress.h"
#include "nn/scoring.h"

namespace candor::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ExplainArgs {
  std::string run, adapter, method, split = "test", rows, out, scale = "probability";
  std::string background_kind, baseline = "mean", rule = "gausslegendre", metric = "roc_auc";
  std::string sensitive, shapley;  // shapley: exact, kernel or auto (set by run_explain when empty)
  std::vector<std::string> features;
  size_t background = 0, coalitions = 2048, steps = 64, samples = 5000, repeats = 5, grid = 20;
  uint64_t seed = 0;
  bool quiet = false;
};

// What each method needs, built once from the subject and the arguments.
struct Context {
  const ExplainArgs& args;
  ExplainSubject& subject;
  explain::Matrix rows;          // the selected rows
  std::vector<size_t> indices;   // their indices in the split
  explain::Predictor model;      // on the chosen scale
  fs::path out;                  // the staging folder
};

std::string scale_label(const Context& c) { return c.args.scale == "logit" ? "logit" : "probability"; }

// k-means runs on at most 4096 training rows drawn with the seed: enough for a few dozen centroids,
// and seconds rather than a minute on Adult's 30,000 rows.
explain::Background background(const Context& c) {
  Generator gen(c.args.seed);
  if (c.args.background_kind != "kmeans") return explain::sample_background(c.subject.train, c.args.background, gen);
  const explain::Background pool = explain::sample_background(c.subject.train, 4096, gen);
  return explain::kmeans_background(pool.rows, c.args.background, gen);
}

void write_plot(const Context& c, const std::string& name, const std::string& svg) {
  fs::create_directories(c.out / "plots");
  write_file_atomically(c.out / "plots" / name, svg);
}

// Per-player attributions of the selected rows as JSON, the summary bars and the first rows'
// waterfalls.
json attributions_json(const Context& c, const explain::Matrix& values, const std::vector<double>& prediction,
                       double base, const std::string& title) {
  const auto& players = c.subject.players;
  json rows = json::array();
  std::vector<explain::Bar> summary;
  for (size_t j = 0; j < players.size(); ++j) summary.push_back({players[j].name, 0.0, 0.0});
  for (size_t r = 0; r < values.rows; ++r) {
    json attributions = json::object(), features = json::object();
    for (size_t j = 0; j < players.size(); ++j) {
      attributions[players[j].name] = values(r, j);
      features[players[j].name] = c.subject.value_text(c.rows, r, j);
      summary[j].value += std::abs(values(r, j)) / static_cast<double>(values.rows);
    }
    rows.push_back({{"row", c.indices[r]}, {"prediction", prediction[r]}, {"features", features},
                    {"attributions", attributions}});
  }
  std::stable_sort(summary.begin(), summary.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
  write_plot(c, "summary.svg",
             explain::bars_svg(title + ": mean |attribution|", summary, "mean |attribution| (" + scale_label(c) + ")",
                               fmt::format("over {} rows of the {} split", values.rows, c.args.split)));
  for (size_t r = 0; r < std::min<size_t>(values.rows, 3); ++r) {
    std::vector<size_t> order(players.size());
    for (size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return std::abs(values(r, a)) > std::abs(values(r, b)); });
    std::vector<explain::WaterfallStep> steps;
    double rest = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t j = order[k];
      if (k < 12) {
        steps.push_back({players[j].name + " = " + c.subject.value_text(c.rows, r, j), values(r, j)});
      } else {
        rest += values(r, j);
      }
    }
    const std::string label = c.subject.y.empty() ? "" : fmt::format(" (label {})", c.subject.y[c.indices[r]]);
    write_plot(c, fmt::format("waterfall_row{}.svg", c.indices[r]),
               explain::waterfall_svg(fmt::format("{}: row {}{}", title, c.indices[r], label), base, steps, rest,
                                      scale_label(c)));
  }
  return rows;
}

explain::ShapleyOptions shapley_options(const Context& c, const std::string& label) {
  explain::ShapleyOptions o;
  o.coalitions = c.args.coalitions;
  o.seed = c.args.seed;
  if (c.args.shapley == "exact") o.max_exact_players = SIZE_MAX;  // beyond 20 players: a clear error
  if (c.args.shapley == "kernel") o.max_exact_players = 1;
  auto bar = std::make_shared<nn::ProgressBar>(label, static_cast<int64_t>(c.rows.rows), !c.args.quiet);
  o.progress = [bar](size_t, size_t) { bar->advance(); };
  return o;
}

json run_shap(const Context& c) {
  const explain::Background b = background(c);
  const explain::ShapleyResult r =
      explain::shapley_values(c.rows, c.subject.players, b, c.model, shapley_options(c, "Shapley values"));
  return {{"shapley", r.method},
          {"coalitions_per_row", r.coalitions},
          {"background_rows", b.rows.rows},
          {"base_value", r.base_value},
          {"rows", attributions_json(c, r.values, r.prediction, r.base_value, "Shapley values")}};
}

json run_ig(const Context& c) {
  explain::Background baseline;
  if (c.args.baseline == "background") {
    baseline = background(c);
  } else {
    baseline.rows = explain::Matrix(1, c.rows.cols);
    baseline.weights = {1.0};
    if (c.args.baseline == "mean") {
      for (size_t r = 0; r < c.subject.train.rows; ++r) {
        for (size_t k = 0; k < c.rows.cols; ++k) {
          baseline.rows(0, k) += c.subject.train(r, k) / static_cast<double>(c.subject.train.rows);
        }
      }
    }
  }
  explain::IntegratedGradientsOptions o;
  o.steps = c.args.steps;
  o.rule = explain::quadrature_rule(c.args.rule);
  o.gradient.dtype = kFloat64;
  auto bar = std::make_shared<nn::ProgressBar>("integrated gradients", static_cast<int64_t>(c.rows.rows), !c.args.quiet);
  o.progress = [bar](size_t, size_t) { bar->advance(); };
  explain::TensorFunction f = c.subject.network;
  if (c.args.scale == "probability") f = [net = c.subject.network](const Tensor& x) { return sigmoid(net(x)); };
  const explain::IntegratedGradients ig = explain::integrated_gradients(f, c.rows, baseline, o);
  double worst = 0;
  for (double d : ig.delta) worst = std::max(worst, std::abs(d));
  return {{"baseline", c.args.baseline},
          {"rule", c.args.rule},
          {"steps", c.args.steps},
          {"baseline_value", ig.baseline_value},
          {"max_abs_delta", worst},
          {"delta", ig.delta},
          {"rows", attributions_json(c, explain::sum_by_player(ig.attributions, c.subject.players), ig.prediction,
                                     ig.baseline_value, "Integrated gradients")}};
}

json run_lime(const Context& c) {
  explain::LimeOptions o;
  o.num_samples = c.args.samples;
  o.seed = c.args.seed;
  const explain::LimeTabular lime(c.subject.train, c.subject.players, o, c.subject.displays);
  json rows = json::array();
  for (size_t r = 0; r < c.rows.rows; ++r) {
    const explain::LimeExplanation e = lime.explain(c.rows, r, c.model);
    json weights = json::array();
    std::vector<explain::Bar> bars;
    for (size_t j = 0; j < c.subject.players.size(); ++j) {
      weights.push_back({{"feature", c.subject.players[j].name}, {"condition", e.descriptions[j]},
                         {"weight", e.coefficients[j]}});
      bars.push_back({e.descriptions[j], e.coefficients[j], 0.0});
    }
    std::stable_sort(bars.begin(), bars.end(),
                     [](const auto& a, const auto& b) { return std::abs(a.value) > std::abs(b.value); });
    write_plot(c, fmt::format("lime_row{}.svg", c.indices[r]),
               explain::bars_svg(fmt::format("LIME: row {}", c.indices[r]), bars, "local weight (" + scale_label(c) + ")",
                                 fmt::format("local fit R^2 {:.3f}; model {:.4f}, surrogate {:.4f}", e.score,
                                             e.model_prediction, e.local_prediction)));
    rows.push_back({{"row", c.indices[r]}, {"intercept", e.intercept}, {"model_prediction", e.model_prediction},
                    {"local_prediction", e.local_prediction}, {"score", e.score}, {"weights", weights}});
  }
  return {{"samples", c.args.samples}, {"rows", rows}};
}

json run_permutation(const Context& c) {
  std::vector<double> y;
  for (size_t i : c.indices) y.push_back(c.subject.y[i]);
  // Scored on probabilities, whatever --scale says: accuracy thresholds them at 0.5 and log loss
  // needs them. Higher is better, so the log loss enters negated (scikit-learn's neg_log_loss).
  const explain::Predictor probability = explain::probability_of(c.subject.logit);
  explain::Metric metric = [y](const std::vector<double>& p) { return nn::roc_auc(y, p); };
  if (c.args.metric == "accuracy") {
    metric = [y](const std::vector<double>& p) { return nn::accuracy(y, nn::thresholded(p)); };
  } else if (c.args.metric == "neg_log_loss") {
    metric = [y](const std::vector<double>& p) { return -nn::log_loss(y, p); };
  }
  explain::PermutationOptions o;
  o.n_repeats = c.args.repeats;
  o.seed = c.args.seed;
  const explain::PermutationImportance r =
      explain::permutation_importance(c.rows, c.subject.players, probability, metric, o);
  json players = json::array();
  std::vector<explain::Bar> bars;
  for (const auto& p : r.players) {
    players.push_back({{"feature", p.name}, {"mean", p.mean}, {"std", p.std}, {"repeats", p.repeats}});
    bars.push_back({p.name, p.mean, p.std});
  }
  std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
  write_plot(c, "permutation.svg",
             explain::bars_svg("Permutation importance", bars, "drop in " + c.args.metric,
                               fmt::format("{} on {} rows: {:.4f}; {} shuffles per feature (whiskers: +-1 sd)",
                                           c.args.metric, c.rows.rows, r.baseline, c.args.repeats)));
  return {{"metric", c.args.metric}, {"baseline", r.baseline}, {"repeats", c.args.repeats}, {"features", players}};
}

// A PDP grid point as a person reads it: the category, or the number in raw units.
explain::DependenceCurves curves_of(const explain::Player& player, const explain::PlayerDisplay& display,
                                    const explain::Dependence& d) {
  explain::DependenceCurves curves;
  curves.feature = player.name;
  for (size_t g = 0; g < d.grid.rows; ++g) {
    const double* point = d.grid.row(g);
    if (d.grid.cols > 1) {  // one-hot: the column set to 1
      const size_t k = static_cast<size_t>(std::max_element(point, point + d.grid.cols) - point);
      curves.categories.push_back(k < display.categories.size() ? display.categories[k] : fmt::format("#{}", k));
    } else if (display.categorical) {
      const auto k = static_cast<size_t>(point[0]);
      curves.categories.push_back(k < display.categories.size() ? display.categories[k] : fmt::format("#{}", k));
    } else {
      curves.x.push_back(display.to_raw ? display.to_raw(point[0]) : point[0]);
    }
  }
  curves.average = d.average;
  for (size_t r = 0; r < d.ice.rows; ++r) curves.individual.emplace_back(d.ice.row(r), d.ice.row(r) + d.ice.cols);
  return curves;
}

json run_pdp(const Context& c) {
  std::vector<size_t> chosen;
  for (const std::string& name : c.args.features) {
    size_t j = 0;
    while (j < c.subject.players.size() && c.subject.players[j].name != name) ++j;
    if (j == c.subject.players.size()) {
      std::string known;
      for (const auto& p : c.subject.players) known += (known.empty() ? "" : ", ") + p.name;
      throw UsageError(fmt::format("--features: the model has no feature \"{}\" (it has: {})", name, known));
    }
    chosen.push_back(j);
  }
  if (chosen.empty()) {
    for (size_t j = 0; j < c.subject.players.size(); ++j) chosen.push_back(j);
  }
  json features = json::array();
  nn::ProgressBar bar("partial dependence", static_cast<int64_t>(chosen.size()), !c.args.quiet);
  for (size_t j : chosen) {
    const explain::Player& player = c.subject.players[j];
    explain::DependenceOptions o;
    o.grid_resolution = c.args.grid;
    o.categorical = c.subject.displays[j].categorical;
    const explain::Dependence d = explain::partial_dependence(c.rows, player, c.model, o);
    const explain::DependenceCurves curves = curves_of(player, c.subject.displays[j], d);
    json grid = curves.x.empty() ? json(curves.categories) : json(curves.x);
    features.push_back({{"feature", player.name}, {"grid", grid}, {"average", d.average}});
    write_plot(c, fmt::format("pdp_{}.svg", safe_file_stem(player.name)), explain::dependence_svg(curves, scale_label(c)));
    bar.advance();
  }
  return {{"rows", c.rows.rows}, {"features", features}};
}

json run_fairness(const Context& c) {
  const datasets::SensitiveFeature* chosen = nullptr;
  for (const auto& s : c.subject.sensitive) {
    if (c.args.sensitive.empty() || s.name == c.args.sensitive) {
      chosen = &s;
      break;
    }
  }
  if (chosen == nullptr) {
    throw UsageError(c.subject.sensitive.empty()
                         ? std::string("--method fairness needs a sensitive column, and the run's data names none")
                         : fmt::format("--sensitive: the run's data has no sensitive column \"{}\"", c.args.sensitive));
  }
  datasets::SensitiveFeature groups = *chosen;
  std::vector<int64_t> all = chosen->ids.to_vector<int64_t>(), ids;
  for (size_t i : c.indices) ids.push_back(all[i]);
  groups.ids = from_vector(ids, {static_cast<int64_t>(ids.size())});
  const explain::Background b = background(c);
  const explain::ShapleyResult r =
      explain::shapley_values(c.rows, c.subject.players, b, c.model, shapley_options(c, "Shapley values"));
  const explain::GapAttribution gap = explain::attribute_gap(r, groups);
  std::vector<explain::Bar> bars;
  for (const auto& f : gap.contributions) bars.push_back({f.player, f.contribution, 0.0});
  write_plot(c, "gap.svg",
             explain::bars_svg(fmt::format("Where the gap in mean {} between {} and {} comes from", scale_label(c),
                                           gap.high_group, gap.low_group),
                               bars, "contribution to the gap",
                               fmt::format("{} {:.4f} - {} {:.4f} = {:.4f} over {} rows; bars add up to the gap",
                                           gap.high_group, gap.high_mean, gap.low_group, gap.low_mean, gap.gap,
                                           c.rows.rows)));
  if (!c.args.quiet) fmt::print("{}\n", explain::describe(gap));
  return {{"shapley", r.method}, {"background_rows", b.rows.rows}, {"base_value", r.base_value},
          {"gap", explain::to_json(gap)}};
}

// "0-99", "3,17,40-45" or "all": indices into a split of `n` rows.
std::vector<size_t> parse_rows(const std::string& spec, size_t n, const std::string& split) {
  std::vector<size_t> rows;
  if (spec == "all") {
    for (size_t i = 0; i < n; ++i) rows.push_back(i);
    return rows;
  }
  auto number = [&](const std::string& text) {
    size_t used = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || text[0] == '-' || text[0] == '+') {
      throw UsageError(fmt::format("--rows: \"{}\" is not a row number (give e.g. 0-99, 3,17 or all)", text));
    }
    if (v >= n) throw UsageError(fmt::format("--rows: row {} is out of range: the {} split has {} rows", text, split, n));
    return static_cast<size_t>(v);
  };
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string part = spec.substr(start, comma - start);
    const size_t dash = part.find('-', 1);
    if (dash == std::string::npos) {
      rows.push_back(number(part));
    } else {
      const size_t a = number(part.substr(0, dash)), b = number(part.substr(dash + 1));
      if (b < a) throw UsageError(fmt::format("--rows: the range {} runs backwards", part));
      for (size_t i = a; i <= b; ++i) rows.push_back(i);
    }
    start = comma + 1;
  }
  return rows;
}

// Rows to explain when --rows is not given: the first 100 (ig, shap), the first 5 (lime), 1000
// drawn with the seed (fairness: a gap needs many rows of each group, and exact Shapley values cost
// 2^M model calls per row), every row (permutation, pdp).
std::vector<size_t> default_rows(const ExplainArgs& args, size_t n) {
  std::vector<size_t> rows;
  if (args.method == "fairness" && n > 1000) {
    explain::Matrix index(n, 1);
    for (size_t i = 0; i < n; ++i) index(i, 0) = static_cast<double>(i);
    Generator gen(args.seed);
    for (double v : explain::sample_background(index, 1000, gen).rows.values) rows.push_back(static_cast<size_t>(v));
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  const size_t count = args.method == "ig" || args.method == "shap" ? 100 : args.method == "lime" ? 5 : n;
  for (size_t i = 0; i < std::min(count, n); ++i) rows.push_back(i);
  return rows;
}

void run_explain(ExplainArgs args) {
  StagedFolder folder(args.out);  // refuses an --out it must not replace, before any work
  ExplainSubject subject = load_explain_subject(args.run, args.split, args.adapter);
  const bool ebm = !subject.network;
  if (ebm && args.background_kind == "kmeans") {
    throw UsageError("--background-kind kmeans: centroids are not rows an EBM can read (they would average "
                     "category codes); use --background-kind sample");
  }
  // The fairness decomposition needs many rows of each group; its defaults keep it to seconds:
  // KernelSHAP over 20 background rows (k-means centroids for a network). The group means of the
  // values average out each row's estimation noise, and the contributions add up to the gap
  // exactly either way.
  const bool fairness = args.method == "fairness";
  if (args.background == 0) args.background = fairness ? 20 : 100;
  if (args.background_kind.empty()) args.background_kind = fairness && !ebm ? "kmeans" : "sample";
  if (args.shapley.empty()) args.shapley = fairness ? "kernel" : "auto";
  if (args.method == "ig" && !subject.network) {
    throw Error(fmt::format("integrated gradients need a model with gradients, and an {} run has none: use --method "
                            "shap, lime, permutation or pdp",
                            subject.kind));
  }
  if (subject.rows.rows == 0) throw Error(fmt::format("the {} split of {} has no rows", args.split, args.run));
  Context c{args, subject, {}, {}, {}, folder.path()};
  c.indices = args.rows.empty() ? default_rows(args, subject.rows.rows)
                                : parse_rows(args.rows, subject.rows.rows, args.split);
  c.rows = subject.rows.take_rows(c.indices);
  if (args.method == "ig") use_float64(subject);
  c.model = args.scale == "logit" ? subject.logit : explain::probability_of(subject.logit);

  json result;
  if (args.method == "shap") result = run_shap(c);
  if (args.method == "ig") result = run_ig(c);
  if (args.method == "lime") result = run_lime(c);
  if (args.method == "permutation") result = run_permutation(c);
  if (args.method == "pdp") result = run_pdp(c);
  if (args.method == "fairness") result = run_fairness(c);
  result["method"] = args.method;
  result["run"] = fs::absolute(args.run).string();
  result["model"] = subject.kind;
  result["split"] = args.split;
  result["scale"] = args.scale;
  result["seed"] = args.seed;
  result["explained_rows"] = c.indices.size();
  write_json((c.out / "explanation.json").string(), result);
  folder.commit();
  if (!args.quiet) fmt::print("wrote {}\n", (fs::path(args.out) / "explanation.json").string());
}

}  // namespace

void add_explain_command(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "post-hoc explanations of a trained run (any model kind)");
  cmd->add_option("--run", args->run, "run folder (candor train, finetune or ebm fit)")->required();
  cmd->add_option("--method", args->method, "ig, shap, lime, permutation, pdp or fairness")
      ->required()
      ->check(CLI::IsMember({"ig", "shap", "lime", "permutation", "pdp", "fairness"}));
  cmd->add_option("--out", args->out, "folder to write explanation.json and plots/ into")->required();
  cmd->add_option("--adapter", args->adapter, "LoRA adapters to apply on top (a LoRA fine-tune's adapter.safetensors)");
  cmd->add_option("--split", args->split, "train, validation or test")
      ->check(CLI::IsMember({"train", "validation", "test"}));
  cmd->add_option("--rows", args->rows,
                  "rows of the split, e.g. 0-99, 3,17 or all (default: 100 for ig/shap, 5 for lime, a seeded 1000 "
                  "for fairness, all for permutation/pdp)");
  cmd->add_option("--scale", args->scale, "explain the probability or the logit")
      ->check(CLI::IsMember({"probability", "logit"}));
  cmd->add_option("--background", args->background,
                  "background rows summarising the training rows (shap, ig; default 100; fairness: 20)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--background-kind", args->background_kind,
                  "sample, or kmeans centroids (of up to 4096 training rows) weighted by cluster size (default sample; "
                  "fairness: kmeans)")
      ->check(CLI::IsMember({"sample", "kmeans"}));
  cmd->add_option("--shapley", args->shapley,
                  "exact (2^features coalitions), kernel (KernelSHAP) or auto: exact up to 14 features (default "
                  "auto; fairness: kernel)")
      ->check(CLI::IsMember({"exact", "kernel", "auto"}));
  cmd->add_option("--coalitions", args->coalitions, "KernelSHAP's coalitions per row");
  cmd->add_option("--baseline", args->baseline, "integrated gradients' baseline: mean, zeros or background")
      ->check(CLI::IsMember({"mean", "zeros", "background"}));
  cmd->add_option("--steps", args->steps, "integrated gradients' steps");
  cmd->add_option("--rule", args->rule,
                  "integrated gradients' rule: gausslegendre, riemann_left, riemann_right, riemann_middle or "
                  "riemann_trapezoid");
  cmd->add_option("--samples", args->samples, "LIME's perturbation samples per row");
  cmd->add_option("--repeats", args->repeats, "permutation importance's shuffles per feature");
  cmd->add_option("--metric", args->metric, "permutation importance's metric: roc_auc, accuracy or neg_log_loss")
      ->check(CLI::IsMember({"roc_auc", "accuracy", "neg_log_loss"}));
  cmd->add_option("--features", args->features, "pdp: the features to plot (default: all)")->delimiter(',');
  cmd->add_option("--grid", args->grid, "pdp: grid points of a numeric feature");
  cmd->add_option("--sensitive", args->sensitive, "fairness: the sensitive column (default: the first)");
  cmd->add_option("--seed", args->seed, "seed of every random draw (background, KernelSHAP, LIME, shuffles)");
  cmd->add_flag("--quiet", args->quiet, "no progress bar or summary");
  cmd->callback([args] { run_explain(*args); });
}

}  // namespace candor::cli
