#include "cli/finetune_run.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/data_options.h"
#include "cli/run_folder.h"
#include "datasets/errors.h"
#include "engine/files.h"
#include "engine/engine.h"
#include "fairness/evaluation.h"
#include "nn/gpt2.h"
#include "nn/lora.h"
#include "nn/run.h"
#include "nn/safetensors.h"
#include "nn/text_data.h"

namespace candor::cli {

namespace {

// What the fine-tuning starts from, for a tabular checkpoint or a pretrained language model.
struct Start {
  nn::Tunable tunable;
  datasets::Encoded train, validation, test;
  nlohmann::json config;  // config.json's content before the "finetune" part
  std::function<void(const std::string& path, const std::map<std::string, Tensor>& state)> save;
};

// A candor checkpoint (MLP or FT-Transformer), its data split and encoded as at training time, or
// the user's own data (--data / --csv) typed as the encoder read its training rows.
Start start_from_checkpoint(const FinetuneConfig& c) {
  nn::LoadedRun run = nn::load_checkpoint(c.init);
  const datasets::DataSource defaults;
  datasets::DataSource data;
  if (!c.data.name.empty() || !c.data.file.empty()) {
    check_data_options(c.data);
    const datasets::Schema typed = run.encoder.schema();
    data = c.data;
    data.sensitive = typed.sensitive;
    data.sensitive_bins = typed.sensitive_bins;
    data.categorical.insert(data.categorical.end(), typed.categorical.begin(), typed.categorical.end());
    data.exclude_sensitive = !typed.sensitive_as_features;
  } else if (!c.data.sensitive_bins.empty() || !c.data.drop.empty() || !c.data.categorical.empty() ||
             c.data.exclude_sensitive || !c.data.label.empty() || !c.data.positive.empty() ||
             c.data.delimiter != defaults.delimiter || c.data.validation_fraction != defaults.validation_fraction ||
             c.data.test_fraction != defaults.test_fraction || c.data.folds != defaults.folds ||
             c.data.fold != defaults.fold) {
    throw UsageError("--sensitive-bins, --drop, --categorical, --exclude-sensitive, --label, --positive, --delimiter and "
                     "the split fractions and folds describe --data or --csv; without them the checkpoint's own data is split "
                     "and typed as at training");
  } else {
    data = nn::run_data(run);
    if (!c.data.data_dir.empty()) data.data_dir = c.data.data_dir;
  }
  // The fine-tuned checkpoint and its config.json name the data it was tuned on.
  run.config.data = datasets::absolute_paths(data);
  datasets::Splits splits = datasets::load_splits(data, run.config.seed);
  print_warnings(splits.warnings);
  Start s{nn::tunable(run.model), run.encoder.transform(splits.train), run.encoder.transform(splits.validation),
          run.encoder.transform(splits.test), nn::to_json(run.config), {}};
  const nn::RunConfig config = run.config;
  const datasets::Encoder encoder = run.encoder;
  s.save = [config, encoder](const std::string& path, const std::map<std::string, Tensor>& state) {
    nn::save_checkpoint(path, state, config, encoder);
  };
  return s;
}

// A pretrained GPT-2 with a new classification head over the CSV's text column; every sensitive
// column given is penalised.
Start start_from_language_model(const FinetuneConfig& c) {
  if (c.data.file.empty() || c.text_column.empty()) {
    throw UsageError("--pretrained needs --csv FILE with --text-column COLUMN, --label and --sensitive");
  }
  if (c.data.sensitive.empty()) throw UsageError("--pretrained needs --sensitive COLUMNS to audit and penalise");
  check_data_options(c.data);
  datasets::DataSource data = c.data;
  data.categorical.push_back(c.text_column);  // text stays text even when it looks like numbers
  datasets::Splits splits = datasets::load_splits(data, c.seed);
  print_warnings(splits.warnings);
  nn::Gpt2Tokenizer tokenizer = nn::Gpt2Tokenizer::from_directory(c.pretrained);
  const int64_t pad = nn::text_pad_id(tokenizer);
  auto lm = nn::from_pretrained(c.pretrained);
  Generator gen(c.seed);
  auto classifier = std::make_shared<nn::Gpt2ForSequenceClassification>(lm->transformer, 1, pad, gen);
  const int64_t max_length = std::min(c.max_length, lm->config().n_positions);
  const datasets::Encoder encoder = nn::fit_text_label_encoder(splits.train, splits.schema);
  auto encode = [&](const datasets::Table& t) {
    return nn::encode_text(t, encoder, tokenizer, c.text_column, max_length, pad);
  };
  nlohmann::json text = {{"pretrained", c.pretrained}, {"text_column", c.text_column}, {"max_length", max_length},
                         {"pad_token_id", pad}, {"data", datasets::to_json(datasets::absolute_paths(data))}, {"seed", c.seed}};
  Start s{nn::tunable(classifier, true), encode(splits.train), encode(splits.validation), encode(splits.test),
          {{"text_classifier", text}}, {}};
  s.save = [text, encoder](const std::string& path, const std::map<std::string, Tensor>& state) {
    nn::save_safetensors(path, state, nn::with_data_checksum(state, {{"candor.text_classifier", text.dump()},
                                                                      {"candor.encoder", encoder.to_json().dump()}}));
  };
  return s;
}

// The features to penalise: the ones --sensitive names, or the data's only one; said up front,
// before any work, when the data has several and none is named.
std::vector<std::string> penalised_features(const FinetuneConfig& c, const datasets::Encoded& train) {
  std::vector<std::string> names;
  for (const datasets::SensitiveFeature& f : train.sensitive) names.push_back(f.name);
  if (!c.data.sensitive.empty()) {
    datasets::select_features(train.sensitive, c.data.sensitive);  // DataError naming an unknown one
    return c.data.sensitive;
  }
  if (names.size() == 1) return names;
  if (names.empty()) throw UsageError("the model's data has no sensitive column to penalise (train it with --sensitive)");
  throw UsageError(fmt::format("say which sensitive column to penalise: --sensitive {}", datasets::join_names(names)));
}

nlohmann::json to_json(const fairness::Iterate& it) {
  return {{"step", it.step}, {"epoch", it.epoch}, {"lambda", it.lambda}, {"train_gap", it.train_gap},
          {"validation_gap", it.validation_gap},
          {"validation_gap_standard_error", it.validation_gap_standard_error}, {"validation_accuracy", it.validation_accuracy},
          {"collapsed", it.collapsed}, {"feasible", it.feasible}};
}

nlohmann::json to_json(const fairness::EpochRecord& e) {
  return {{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"lr", e.lr}, {"lambda", e.lambda},
          {"validation", e.validation}};
}

}  // namespace

nlohmann::json to_json(const FinetuneConfig& c) {
  return {{"init", c.init}, {"pretrained", c.pretrained}, {"text_column", c.text_column},
          {"max_length", c.max_length}, {"mode", c.mode}, {"cache_features", c.cache_features},
          {"lora", {{"rank", c.lora_rank}, {"alpha", c.lora_alpha}, {"dropout", c.lora_dropout}, {"targets", c.lora_targets}}},
          {"penalty", c.penalty ? nlohmann::json(*c.penalty) : nlohmann::json(nullptr)},
          {"lambda", c.lambda ? nlohmann::json(*c.lambda) : nlohmann::json(nullptr)}, {"form", c.form},
          {"epsilon", c.epsilon}, {"reduction", c.reduction},
          {"surrogate", c.surrogate}, {"temperature", c.temperature}, {"quantiles", c.quantiles}, {"constraint", c.constraint},
          {"dual_lr", c.dual_lr}, {"dual_every", c.dual_every},
          {"validation_tolerance", c.validation_tolerance}, {"epochs", c.epochs}, {"lr", c.lr},
          {"batch_size", c.batch_size}, {"schedule", c.schedule}, {"bootstrap", c.bootstrap}, {"seed", c.seed},
          {"sensitive", c.data.sensitive}, {"data", datasets::to_json(c.data)}};
}

fairness::FinetuneOptions finetune_options(const FinetuneConfig& c) {
  fairness::FinetuneOptions o;
  const bool constrained = !c.constraint.empty();
  if (constrained && c.penalty) {
    throw UsageError(fmt::format("--constraint \"{}\" names the gap it bounds: drop --penalty", c.constraint));
  }
  if (!constrained && !c.penalty && !c.lambda) {
    throw UsageError("say what to optimise: --penalty dp|eo|eopp with --lambda WEIGHT (--lambda 0: no penalty), "
                     "or --constraint \"dp<=0.02\"");
  }
  if (c.penalty && !c.lambda) throw UsageError(fmt::format("--penalty {} needs --lambda WEIGHT", *c.penalty));
  if (!constrained && !c.penalty && *c.lambda != 0) {
    throw UsageError("--lambda needs --penalty dp|eo|eopp (which gap it weighs)");
  }
  if (c.cache_features && c.mode != "head") throw UsageError("--cache-features applies to --mode head only");
  try {
    if (constrained) o.constraint = fairness::parse_constraint(c.constraint);
    if (c.penalty) o.penalty.gap = fairness::parse_gap(*c.penalty);
    o.penalty.form = fairness::parse_form(c.form);
    o.penalty.reduction = fairness::parse_reduction(c.reduction);
    o.surrogate.kind = fairness::parse_surrogate(c.surrogate);
    o.mode = fairness::parse_mode(c.mode);
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  o.sensitive = c.data.sensitive;
  o.penalty.epsilon = c.epsilon;
  o.surrogate.temperature = c.temperature;
  o.surrogate.quantiles = c.quantiles;
  o.lambda = c.lambda.value_or(constrained ? 1.0 : 0.0);
  o.dual_step = c.dual_lr;
  o.dual_every = c.dual_every;
  o.validation_tolerance = c.validation_tolerance;
  o.cache_features = c.cache_features;
  o.lora.rank = c.lora_rank;
  o.lora.alpha = c.lora_alpha;
  o.lora.dropout = c.lora_dropout;
  o.lora.targets = c.lora_targets;
  o.epochs = c.epochs;
  o.batch_size = c.batch_size;
  o.lr = c.lr;
  o.schedule = c.schedule;
  o.seed = c.seed;
  o.progress = !c.quiet;
  o.device = parse_device(c.device);
  try {
    o.validate();
  } catch (const ValueError& e) {
    throw UsageError(e.what());
  }
  return o;
}

void add_finetune_options(CLI::App& cmd, FinetuneConfig& config) {
  add_data_options(cmd, config.data);
  cmd.add_option("--mode", config.mode, "what trains: full (everything), head (the head only) or lora (low-rank adapters)")
      ->check(CLI::IsMember({"full", "head", "lora"}));
  cmd.add_flag("--cache-features", config.cache_features, "head mode: run the frozen backbone once, in eval mode");
  cmd.add_option("--lora-rank", config.lora_rank, "LoRA rank r")->check(CLI::PositiveNumber);
  cmd.add_option("--lora-alpha", config.lora_alpha, "LoRA alpha (the update is scaled by alpha / r)")->check(CLI::PositiveNumber);
  cmd.add_option("--lora-dropout", config.lora_dropout, "dropout on the adapters' input")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--lora-targets", config.lora_targets,
                 "layers to adapt, as name patterns (default: every Linear of an MLP, *c_attn of a transformer)")
      ->delimiter(',');
  cmd.add_option("--form", config.form, "abs, squared or hinge")->check(CLI::IsMember({"abs", "squared", "hinge"}));
  cmd.add_option("--epsilon", config.epsilon, "slack of the hinge form")->check(CLI::NonNegativeNumber);
  cmd.add_option("--reduction", config.reduction, "across groups: max_min or mean_abs")
      ->check(CLI::IsMember({"max_min", "mean_abs"}));
  cmd.add_option("--surrogate", config.surrogate,
                 "what the penalty measures: mean (mean-score gap), rate (smoothed rates above 0.5) or wasserstein "
                 "(distance between the groups' score distributions)")
      ->check(CLI::IsMember({"mean", "rate", "wasserstein"}));
  cmd.add_option("--temperature", config.temperature, "rate surrogate: smoothing of the decision, in logits")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--quantiles", config.quantiles, "wasserstein surrogate: quantile levels compared")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--epochs", config.epochs, "fine-tuning epochs")->check(CLI::PositiveNumber);
  cmd.add_option("--lr", config.lr, "learning rate (Adam), decayed to 0 by --schedule")->check(CLI::PositiveNumber);
  cmd.add_option("--batch-size", config.batch_size, "rows per step")->check(CLI::PositiveNumber);
  cmd.add_option("--schedule", config.schedule, "learning-rate decay over the run: cosine, linear or constant")
      ->check(CLI::IsMember({"cosine", "linear", "constant"}));
  cmd.add_option("--bootstrap", config.bootstrap, "bootstrap resamples for the fairness intervals")
      ->check(CLI::Range(int64_t{0}, int64_t{fairness::BootstrapOptions::kMaxReplicates}));
  cmd.add_option("--seed", config.seed, "seed for the row order and the adapters");
  cmd.add_flag("--quiet", config.quiet, "no progress bar or summary");
  cmd.add_option("--device", config.device, "where the model trains: cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
}

nlohmann::json run_finetune(const FinetuneConfig& c) {
  if (c.init.empty() == c.pretrained.empty()) {
    throw UsageError("give either --init CHECKPOINT (a tabular run) or --pretrained DIR (a GPT-2 over text), not both");
  }
  fairness::FinetuneOptions options = finetune_options(c);
  StagedFolder folder(c.out);  // refuses an --out it must not replace, before any work
  Start s = c.pretrained.empty() ? start_from_checkpoint(c) : start_from_language_model(c);
  nn::Module& model = *s.tunable.model;
  options.sensitive = penalised_features(c, s.train);

  // Reports cover every sensitive feature, and the penalised intersection when there is one.
  fairness::AuditOptions audit;
  audit.bootstrap.replicates = static_cast<int>(c.bootstrap);
  audit.bootstrap.seed = c.seed;
  auto reported = [&](const datasets::Encoded& rows) {
    std::vector<datasets::SensitiveFeature> features = rows.sensitive;
    if (options.sensitive.size() > 1) {
      features.push_back(datasets::intersection(datasets::select_features(rows.sensitive, options.sensitive)));
    }
    return features;
  };
  auto report = [&] {
    return nlohmann::json{
        {"validation", fairness::evaluate_split(nn::score(model, s.validation), reported(s.validation), audit)},
        {"test", fairness::evaluate_split(nn::score(model, s.test), reported(s.test), audit)}};
  };
  nlohmann::json metrics = {{"mode", c.mode}, {"before", report()}};

  const std::filesystem::path out = folder.path();
  std::ofstream log((out / "log.jsonl").string());
  if (!log) throw Error(fmt::format("cannot write {}", (out / "log.jsonl").string()));
  options.on_epoch = [&log](const fairness::EpochRecord& e) { log << to_json(e).dump() << "\n" << std::flush; };
  const auto started = std::chrono::steady_clock::now();
  fairness::FinetuneResult r = fairness::finetune(s.tunable, s.train, s.validation, options);
  metrics["fit_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log.close();
  if (!log) throw FileError(fmt::format("cannot write {}", (out / "log.jsonl").string()));

  metrics["after"] = report();
  metrics["penalised"] = r.penalised;
  metrics["lambda"] = r.final_lambda;
  metrics["steps"] = r.steps;
  metrics["chosen_step"] = r.chosen_step;
  metrics["trainable_parameters"] = r.trainable_parameters;
  metrics["total_parameters"] = r.total_parameters;
  metrics["lora_layers"] = r.adapted_layers;
  if (options.constraint) {
    nlohmann::json iterates = nlohmann::json::array();
    const fairness::Iterate* chosen = nullptr;
    for (const fairness::Iterate& it : r.iterates) {
      iterates.push_back(to_json(it));
      if (it.step == r.chosen_step) chosen = &it;
    }
    metrics["constraint"] = {{"constraint", fairness::to_string(*options.constraint)}, {"met", r.bound_met},
                             {"validation_gap_standard_error", r.validation_gap_standard_error},
                             {"chosen", to_json(*chosen)}, {"iterates", iterates}};
  }
  metrics["warnings"] = r.warnings;
  print_warnings(r.warnings);

  nlohmann::json config = s.config;
  config["finetune"] = to_json(c);
  write_json((out / "config.json").string(), config);
  std::map<std::string, Tensor> state = model.state_dict();
  if (options.mode == fairness::TuneMode::Lora) {
    // The adapters alone, then the merged weights without them: a plain checkpoint of the base's shape.
    nn::save_lora((out / "adapter.safetensors").string(), model, r.lora);
    nn::merge_lora(model);
    state = model.state_dict();
    for (const auto& [name, adapter] : nn::lora_state_dict(model)) state.erase(name);
  }
  s.save((out / "model.safetensors").string(), state);
  write_json((out / "metrics.json").string(), metrics);
  folder.commit();
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
  if (m.contains("constraint")) {
    const nlohmann::json& k = m["constraint"];
    const nlohmann::json& chosen = k["chosen"];
    fmt::print("constraint {} {}: the model after step {} of {} (epoch {}), gap {:.4f} on the training rows and {:.4f} "
               "on validation\n",
               k["constraint"].get<std::string>(), k["met"].get<bool>() ? "met" : "NOT MET", chosen["step"].get<int64_t>(),
               m["steps"].get<int64_t>(), chosen["epoch"].get<int64_t>(), number(chosen["train_gap"]),
               number(chosen["validation_gap"]));
  } else if (m["lambda"].get<double>() == 0) {
    fmt::print("no fairness penalty (lambda 0): plain fine-tuning\n");
  }
  fmt::print("final lambda {:.4g}; wrote {}/{{config.json, model.safetensors, metrics.json, log.jsonl{}}}\n",
             m["lambda"].get<double>(), c.out, c.mode == "lora" ? ", adapter.safetensors" : "");
}

}  // namespace candor::cli
