#include "cli/finetune_run.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "cli/run_folder.h"
#include "cli/scoring.h"
#include "datasets/loader.h"
#include "engine/engine.h"
#include "fairness/named_metrics.h"
#include "fairness/penalty.h"
#include "nn/optim.h"
#include "nn/trainer.h"

namespace candor::cli {

namespace {

// Steps between two updates of the multiplier in constrained mode.
constexpr int64_t kDualEvery = 20;

struct Constraint {
  std::string gap;   // dp | eo | eopp
  double bound = 0;  // epsilon in gap <= epsilon
};

Constraint parse_constraint(const std::string& text) {
  size_t at = text.find("<=");
  Constraint c;
  if (at != std::string::npos) {
    c.gap = text.substr(0, at);
    try {
      size_t used = 0;
      c.bound = std::stod(text.substr(at + 2), &used);
      if (used == text.size() - at - 2 && c.bound >= 0) {
        fairness::parse_gap(c.gap);  // throws for an unknown gap
        return c;
      }
    } catch (const std::logic_error&) {
    }
  }
  throw ValueError(fmt::format("--constraint \"{}\": expected GAP<=BOUND with GAP dp, eo or eopp and "
                               "BOUND >= 0, e.g. \"dp<=0.02\"", text));
}

// The hard (thresholded) gap on a split: Fairlearn's difference between groups.
double hard_gap(const std::string& gap, const Scores& s, const std::vector<std::vector<std::string>>& groups) {
  fairness::MetricFrame frame(s.y, thresholded(s.score), groups, {}, s.weight);
  if (gap == "dp") return fairness::demographic_parity_difference(frame);
  if (gap == "eopp") return fairness::equal_opportunity_difference(frame);
  return fairness::equalized_odds_difference(frame);
}

struct EncodedSplit {
  datasets::Encoded data;
  std::vector<std::vector<std::string>> all_sensitive;  // every sensitive column, for reports
  std::vector<std::vector<std::string>> penalised;      // the penalised columns, for the hard gap
};

}  // namespace

nlohmann::json to_json(const FinetuneConfig& c) {
  return {{"init", c.init}, {"penalty", c.penalty}, {"lambda", c.lambda}, {"form", c.form},
          {"epsilon", c.epsilon}, {"reduction", c.reduction}, {"constraint", c.constraint},
          {"dual_lr", c.dual_lr}, {"epochs", c.epochs}, {"lr", c.lr}, {"batch_size", c.batch_size},
          {"bootstrap", c.bootstrap}, {"seed", c.seed}, {"sensitive", c.data.sensitive}};
}

nlohmann::json run_finetune(const FinetuneConfig& c) {
  LoadedRun run = load_checkpoint(c.init);
  bool own_data = c.data.data.empty() && c.data.csv.empty();
  DataConfig data = own_data ? run.config.data : c.data;
  if (own_data) data.data_dir = c.data.data_dir.empty() ? run.config.data.data_dir : c.data.data_dir;
  data.sensitive.clear();  // split and encode exactly as at training time
  Splits splits = load_splits(data, run.config.seed);
  const std::vector<std::string>& all_names = run.encoder.sensitive();
  std::vector<std::string> penalised = c.data.sensitive.empty() ? std::vector<std::string>{all_names.at(0)}
                                                                 : c.data.sensitive;
  std::vector<size_t> penalised_index;
  for (const std::string& name : penalised) {
    auto it = std::find(all_names.begin(), all_names.end(), name);
    if (it == all_names.end()) {
      throw ValueError(fmt::format("--sensitive {}: not a sensitive column of this checkpoint ({})", name,
                                   fmt::join(all_names, ", ")));
    }
    penalised_index.push_back(static_cast<size_t>(it - all_names.begin()));
  }
  auto encode = [&](const datasets::Table& table) {
    EncodedSplit e;
    e.data = run.encoder.transform(table);
    e.all_sensitive = sensitive_values(table, all_names, e.data.kept_rows);
    e.penalised = sensitive_values(table, penalised, e.data.kept_rows);
    return e;
  };
  EncodedSplit train = encode(splits.train), validation = encode(splits.validation), test = encode(splits.test);

  // Group ids for the penalty: the intersection of the penalised columns, id = sum_k id_k * stride_k.
  int64_t groups = 1;
  Tensor group_id = zeros({train.data.y.size(0)}, kInt64);
  for (size_t k : penalised_index) {
    auto count = static_cast<int64_t>(run.encoder.group_names(k).size());
    group_id = group_id * static_cast<double>(count) + train.data.groups.at(k);
    groups *= count;
  }
  train.data.groups = {group_id};

  auto report = [&](nn::Module& model) {
    return nlohmann::json{
        {"validation", split_report(score_model(model, validation.data), all_names, validation.all_sensitive, c.bootstrap, c.seed)},
        {"test", split_report(score_model(model, test.data), all_names, test.all_sensitive, c.bootstrap, c.seed)}};
  };
  nlohmann::json metrics = {{"penalised", penalised}, {"before", report(*run.model)}};

  bool constrained = !c.constraint.empty();
  Constraint constraint = constrained ? parse_constraint(c.constraint) : Constraint{c.penalty, 0};
  fairness::PenaltyOptions penalty;
  penalty.gap = fairness::parse_gap(constraint.gap);
  penalty.form = fairness::parse_form(c.form);
  penalty.reduction = fairness::parse_reduction(c.reduction);
  penalty.epsilon = c.epsilon;
  double lambda = c.lambda;

  nn::Module& model = *run.model;
  nn::Adam optimizer(model.parameters(), nn::AdamOptions{c.lr, 0.9, 0.999, 1e-8, 0});
  datasets::DataLoader loader(train.data, c.batch_size, true, c.seed);
  int64_t steps = 0;
  nn::TrainingHooks hooks;
  hooks.batches_per_epoch = loader.batches();
  hooks.start_epoch = [&](int64_t epoch) {
    if (epoch > 1) loader.next_epoch();
  };
  hooks.batch_loss = [&](int64_t b) {
    if (constrained && steps > 0 && steps % kDualEvery == 0) {
      // Dual ascent on the measured (hard) violation of the constraint, projected onto lambda >= 0.
      double gap = hard_gap(constraint.gap, score_model(model, validation.data), validation.penalised);
      if (!std::isnan(gap)) lambda = std::max(0.0, lambda + c.dual_lr * (gap - constraint.bound));
      model.train();
    }
    ++steps;
    datasets::Batch batch = loader.batch(b);
    Tensor logits = reshape(model(batch.x), {-1});  // [B]
    // The loss line: task loss plus lambda times the penalty, built from differentiable ops.
    Tensor task = binary_cross_entropy_with_logits(logits, batch.y, batch.weight);
    Tensor fair = fairness::fairness_penalty(sigmoid(logits), batch.y, batch.groups.at(0), groups,
                                             batch.weight, penalty);
    return task + fair * lambda;
  };
  hooks.validate = [&] {
    Scores s = score_model(model, validation.data);
    std::map<std::string, double> m = task_metrics(s);
    m["gap"] = hard_gap(constraint.gap, s, validation.penalised);
    m["lambda"] = lambda;
    return m;
  };
  std::filesystem::create_directories(c.out);
  nn::FitOptions fit_options;
  fit_options.epochs = c.epochs;
  fit_options.monitor = "gap";
  fit_options.log_path = (std::filesystem::path(c.out) / "log.jsonl").string();
  fit_options.progress = !c.quiet;
  nn::fit(model, optimizer, hooks, fit_options);  // the last epoch's weights are kept

  metrics["after"] = report(model);
  metrics["lambda"] = lambda;
  nlohmann::json config = to_json(run.config);
  config["finetune"] = to_json(c);
  write_json((std::filesystem::path(c.out) / "config.json").string(), config);
  save_checkpoint((std::filesystem::path(c.out) / "model.safetensors").string(), model, run.config, run.encoder);
  write_json((std::filesystem::path(c.out) / "metrics.json").string(), metrics);
  return metrics;
}

void print_finetune_summary(const nlohmann::json& m, const FinetuneConfig& c) {
  if (c.quiet) return;
  auto number = [](const nlohmann::json& j) { return j.is_number() ? j.get<double>() : NAN; };
  fmt::print("{:<10} {:<8} {:>9} {:>9} {:>10} {:>10}\n", "split", "", "accuracy", "roc_auc", "feature", "DP diff / EO diff");
  for (const char* split : {"validation", "test"}) {
    for (const char* when : {"before", "after"}) {
      const nlohmann::json& s = m[when][split];
      for (const auto& [feature, section] : s["fairness"]["sensitive_features"].items()) {
        const nlohmann::json& f = section["fairlearn"];
        fmt::print("{:<10} {:<8} {:>9.4f} {:>9.4f} {:>10} {:>8.4f} / {:.4f}\n", split, when,
                   number(s["accuracy"]), number(s["roc_auc"]), feature,
                   number(f["demographic_parity_difference"]["value"]),
                   number(f["equalized_odds_difference"]["value"]));
      }
    }
  }
  fmt::print("final lambda {:.4g}; wrote {}/{{config.json, model.safetensors, metrics.json, log.jsonl}}\n",
             m["lambda"].get<double>(), c.out);
}

}  // namespace candor::cli
