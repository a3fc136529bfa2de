#include "cli/finetune_run.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "cli/run_folder.h"
#include "cli/text_data.h"
#include "cli/tunable.h"
#include "cli/scoring.h"
#include "datasets/loader.h"
#include "engine/engine.h"
#include "fairness/named_metrics.h"
#include "fairness/penalty.h"
#include "nn/gpt2.h"
#include "nn/lora.h"
#include "nn/optim.h"
#include "nn/safetensors.h"
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

// What the fine-tuning loop starts from, for a tabular checkpoint or a pretrained language model.
struct Start {
  Tunable tunable;
  datasets::Encoder encoder;            // label, sensitive columns and (tabular) features
  std::vector<std::string> penalised;
  EncodedSplit train, validation, test;
  nlohmann::json config;                // config.json's content before the "finetune" part
  std::function<void(const std::string& path, const std::map<std::string, Tensor>& state)> save;
};

std::vector<size_t> indices_of(const std::vector<std::string>& names, const std::vector<std::string>& all) {
  std::vector<size_t> out;
  for (const std::string& name : names) {
    auto it = std::find(all.begin(), all.end(), name);
    if (it == all.end()) {
      throw ValueError(fmt::format("--sensitive {}: not a sensitive column of this checkpoint ({})", name,
                                   fmt::join(all, ", ")));
    }
    out.push_back(static_cast<size_t>(it - all.begin()));
  }
  return out;
}

void encode_splits(Start& s, const Splits& splits, const std::function<datasets::Encoded(const datasets::Table&)>& encode) {
  auto one = [&](const datasets::Table& table) {
    EncodedSplit e;
    e.data = encode(table);
    e.all_sensitive = sensitive_values(table, s.encoder.sensitive(), e.data.kept_rows);
    e.penalised = sensitive_values(table, s.penalised, e.data.kept_rows);
    return e;
  };
  s.train = one(splits.train);
  s.validation = one(splits.validation);
  s.test = one(splits.test);
}

// A candor checkpoint (MLP or FT-Transformer), its data split and encoded as at training time.
Start start_from_checkpoint(const FinetuneConfig& c) {
  LoadedRun run = load_checkpoint(c.init);
  bool own_data = c.data.data.empty() && c.data.csv.empty();
  DataConfig data = own_data ? run.config.data : c.data;
  if (own_data) data.data_dir = c.data.data_dir.empty() ? run.config.data.data_dir : c.data.data_dir;
  data.sensitive.clear();  // split and encode exactly as at training time
  Splits splits = load_splits(data, run.config.seed);
  Start s{tunable(run.model), run.encoder, {}, {}, {}, {}, to_json(run.config), {}};
  s.penalised = c.data.sensitive.empty() ? std::vector<std::string>{run.encoder.sensitive().at(0)} : c.data.sensitive;
  indices_of(s.penalised, run.encoder.sensitive());
  encode_splits(s, splits, [&](const datasets::Table& t) { return run.encoder.transform(t); });
  const RunConfig config = run.config;
  const datasets::Encoder encoder = run.encoder;
  s.save = [config, encoder](const std::string& path, const std::map<std::string, Tensor>& state) {
    save_checkpoint(path, state, config, encoder);
  };
  return s;
}

// A pretrained GPT-2 with a new classification head over the CSV's text column; every sensitive
// column given is penalised.
Start start_from_language_model(const FinetuneConfig& c) {
  if (c.data.csv.empty() || c.text_column.empty()) {
    throw ValueError("--pretrained needs --csv FILE with --text-column COLUMN, --label and --sensitive");
  }
  if (c.data.sensitive.empty()) throw ValueError("--pretrained needs --sensitive COLUMNS to audit and penalise");
  DataConfig data = c.data;
  data.categorical.push_back(c.text_column);  // text stays text even when it looks like numbers
  Splits splits = load_splits(data, c.seed);
  nn::Gpt2Tokenizer tokenizer = nn::Gpt2Tokenizer::from_directory(c.pretrained);
  const int64_t pad = text_pad_id(tokenizer);
  auto lm = nn::from_pretrained(c.pretrained);
  Generator gen(c.seed);
  auto classifier = std::make_shared<nn::Gpt2ForSequenceClassification>(lm->transformer, 1, pad, gen);
  const int64_t max_length = std::min(c.max_length, lm->config().n_positions);
  Start s{tunable(classifier, true), fit_text_label_encoder(splits.train, splits.schema), c.data.sensitive, {}, {}, {}, {}, {}};
  encode_splits(s, splits, [&](const datasets::Table& t) {
    return encode_text(t, s.encoder, tokenizer, c.text_column, max_length, pad);
  });
  RunConfig run;
  run.data = data;
  nlohmann::json text = {{"pretrained", c.pretrained}, {"text_column", c.text_column}, {"max_length", max_length},
                         {"pad_token_id", pad}, {"data", to_json(run)["data"]}, {"seed", c.seed}};
  s.config = {{"text_classifier", text}};
  const datasets::Encoder encoder = s.encoder;
  s.save = [text, encoder](const std::string& path, const std::map<std::string, Tensor>& state) {
    nn::save_safetensors(path, state, {{"candor.text_classifier", text.dump()}, {"candor.encoder", encoder.to_json().dump()}});
  };
  return s;
}

int64_t count_parameters(const std::vector<Tensor>& tensors) {
  int64_t n = 0;
  for (const Tensor& t : tensors) n += t.numel();
  return n;
}

// The head's inputs for every row of `x`, from the frozen backbone in eval mode.
Tensor cached_features(const Tunable& t, const Tensor& x) {
  NoGradGuard no_grad;
  t.model->eval();
  std::vector<Tensor> parts;
  constexpr int64_t kChunk = 1024;
  for (int64_t start = 0; start < x.size(0); start += kChunk) {
    parts.push_back(t.features(narrow(x, 0, start, std::min(kChunk, x.size(0) - start))));
  }
  return concat(parts, 0);
}

}  // namespace

nlohmann::json to_json(const FinetuneConfig& c) {
  return {{"init", c.init}, {"pretrained", c.pretrained}, {"text_column", c.text_column},
          {"max_length", c.max_length}, {"mode", c.mode}, {"cache_features", c.cache_features},
          {"lora", {{"rank", c.lora_rank}, {"alpha", c.lora_alpha}, {"dropout", c.lora_dropout}, {"targets", c.lora_targets}}},
          {"penalty", c.penalty}, {"lambda", c.lambda}, {"form", c.form},
          {"epsilon", c.epsilon}, {"reduction", c.reduction}, {"constraint", c.constraint},
          {"dual_lr", c.dual_lr}, {"epochs", c.epochs}, {"lr", c.lr}, {"batch_size", c.batch_size},
          {"bootstrap", c.bootstrap}, {"seed", c.seed}, {"sensitive", c.data.sensitive}};
}

nlohmann::json run_finetune(const FinetuneConfig& c) {
  if (c.init.empty() == c.pretrained.empty()) {
    throw ValueError("give either --init CHECKPOINT (a tabular run) or --pretrained DIR (a GPT-2 over text), not both");
  }
  if (c.mode != "full" && c.mode != "head" && c.mode != "lora") {
    throw ValueError(fmt::format("--mode {}: expected full, head or lora", c.mode));
  }
  if (c.cache_features && c.mode != "head") throw ValueError("--cache-features applies to --mode head only");
  Start s = c.pretrained.empty() ? start_from_checkpoint(c) : start_from_language_model(c);
  const Tunable& t = s.tunable;
  nn::Module& model = *t.model;
  const std::vector<std::string>& all_names = s.encoder.sensitive();

  // Group ids for the penalty: the intersection of the penalised columns, id = sum_k id_k * stride_k.
  int64_t groups = 1;
  Tensor group_id = zeros({s.train.data.y.size(0)}, kInt64);
  for (size_t k : indices_of(s.penalised, all_names)) {
    auto count = static_cast<int64_t>(s.encoder.group_names(k).size());
    group_id = group_id * static_cast<double>(count) + s.train.data.groups.at(k);
    groups *= count;
  }
  s.train.data.groups = {group_id};

  auto report = [&] {
    return nlohmann::json{
        {"validation", split_report(score_model(model, s.validation.data), all_names, s.validation.all_sensitive, c.bootstrap, c.seed)},
        {"test", split_report(score_model(model, s.test.data), all_names, s.test.all_sensitive, c.bootstrap, c.seed)}};
  };
  nlohmann::json metrics = {{"penalised", s.penalised}, {"mode", c.mode}, {"before", report()}};

  // The mode decides what trains (cli/tunable.h).
  nn::LoraOptions lora;
  std::vector<std::string> adapted;
  if (c.mode == "head") {
    model.freeze("*");
    model.unfreeze(t.head);
  } else if (c.mode == "lora") {
    lora.rank = c.lora_rank;
    lora.alpha = c.lora_alpha;
    lora.dropout = c.lora_dropout;
    lora.targets = c.lora_targets.empty() ? t.lora_targets : c.lora_targets;
    if (t.fresh_head) lora.also_train = {t.head};
    lora.seed = c.seed;
    adapted = nn::apply_lora(model, lora);
  }
  std::vector<Tensor> trainable = model.parameters();
  int64_t total = 0;
  for (const auto& [name, p] : model.named_parameters()) total += p.numel();
  metrics["trainable_parameters"] = count_parameters(trainable);
  metrics["total_parameters"] = total;
  metrics["lora_layers"] = adapted;
  if (c.cache_features) s.train.data.x = cached_features(t, s.train.data.x);

  bool constrained = !c.constraint.empty();
  Constraint constraint = constrained ? parse_constraint(c.constraint) : Constraint{c.penalty, 0};
  fairness::PenaltyOptions penalty;
  penalty.gap = fairness::parse_gap(constraint.gap);
  penalty.form = fairness::parse_form(c.form);
  penalty.reduction = fairness::parse_reduction(c.reduction);
  penalty.epsilon = c.epsilon;
  double lambda = c.lambda;

  nn::Adam optimizer(trainable, nn::AdamOptions{c.lr, 0.9, 0.999, 1e-8, 0});
  datasets::DataLoader loader(s.train.data, c.batch_size, true, c.seed);
  int64_t steps = 0;
  nn::TrainingHooks hooks;
  hooks.batches_per_epoch = loader.batches();
  hooks.start_epoch = [&](int64_t epoch) {
    if (epoch > 1) loader.next_epoch();
  };
  hooks.batch_loss = [&](int64_t b) {
    if (constrained && steps > 0 && steps % kDualEvery == 0) {
      // Dual ascent on the measured (hard) violation of the constraint, projected onto lambda >= 0.
      double gap = hard_gap(constraint.gap, score_model(model, s.validation.data), s.validation.penalised);
      if (!std::isnan(gap)) lambda = std::max(0.0, lambda + c.dual_lr * (gap - constraint.bound));
      model.train();
    }
    ++steps;
    datasets::Batch batch = loader.batch(b);
    Tensor logits = reshape(c.cache_features ? t.head_forward(batch.x) : model(batch.x), {-1});  // [B]
    // The loss line: task loss plus lambda times the penalty, built from differentiable ops.
    Tensor task = binary_cross_entropy_with_logits(logits, batch.y, batch.weight);
    Tensor fair = fairness::fairness_penalty(sigmoid(logits), batch.y, batch.groups.at(0), groups,
                                             batch.weight, penalty);
    return task + fair * lambda;
  };
  hooks.validate = [&] {
    Scores sc = score_model(model, s.validation.data);
    std::map<std::string, double> m = task_metrics(sc);
    m["gap"] = hard_gap(constraint.gap, sc, s.validation.penalised);
    m["lambda"] = lambda;
    return m;
  };
  std::filesystem::create_directories(c.out);
  const std::filesystem::path out(c.out);
  nn::FitOptions fit_options;
  fit_options.epochs = c.epochs;
  fit_options.monitor = "gap";
  fit_options.log_path = (out / "log.jsonl").string();
  fit_options.progress = !c.quiet;
  nn::fit(model, optimizer, hooks, fit_options);  // the last epoch's weights are kept

  metrics["after"] = report();
  metrics["lambda"] = lambda;
  nlohmann::json config = s.config;
  config["finetune"] = to_json(c);
  write_json((out / "config.json").string(), config);
  std::map<std::string, Tensor> state = model.state_dict();
  if (c.mode == "lora") {
    // The adapters alone, then the merged weights without them: a plain checkpoint of the base's shape.
    nn::save_lora((out / "adapter.safetensors").string(), model, lora);
    nn::merge_lora(model);
    state = model.state_dict();
    for (const auto& [name, adapter] : nn::lora_state_dict(model)) state.erase(name);
  }
  s.save((out / "model.safetensors").string(), state);
  write_json((out / "metrics.json").string(), metrics);
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
  const auto trained = m["trainable_parameters"].get<int64_t>(), total = m["total_parameters"].get<int64_t>();
  fmt::print("mode {}: {} of {} parameters trained ({:.2f}%)\n", c.mode, trained, total,
             100.0 * static_cast<double>(trained) / static_cast<double>(std::max<int64_t>(total, 1)));
  fmt::print("final lambda {:.4g}; wrote {}/{{config.json, model.safetensors, metrics.json, log.jsonl{}}}\n",
             m["lambda"].get<double>(), c.out, c.mode == "lora" ? ", adapter.safetensors" : "");
}

}  // namespace candor::cli
