// The fine-tuning run behind `candor finetune` and each point of `candor sweep`: the command's
// options, turned into fairness::FinetuneOptions, and the run folder around fairness::finetune.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/source.h"
#include "fairness/finetune.h"

namespace CLI {
class App;
}

namespace candor::cli {

struct FinetuneConfig {
  std::string init;          // checkpoint written by candor train (or pretrain); or, for text:
  std::string pretrained;    // a GPT-2 directory (config.json, model.safetensors, vocab.json, merges.txt)
  std::string text_column;   // with pretrained: the CSV's text column
  int64_t max_length = 128;  // with pretrained: tokens kept per text
  datasets::DataSource data;  // --sensitive names the penalised columns; the rest replaces the run's data
  // What is optimised, always said explicitly: a penalty with its weight, or a constraint.
  std::optional<std::string> penalty;  // dp | eo | eopp
  std::optional<double> lambda;        // penalty weight; with a constraint the multiplier's start (default 1)
  std::string form = "abs";            // abs | squared | hinge
  double epsilon = 0;                  // hinge slack
  std::string reduction = "max_min";
  std::string surrogate = "mean";      // mean | rate | wasserstein (fairness/surrogate.h)
  double temperature = 0.25;           // rate: the smoothing temperature, in logits
  int64_t quantiles = 32;              // wasserstein: quantile levels
  std::string constraint;              // e.g. "dp<=0.02": constrained mode
  double dual_lr = 2.0;                // multiplier step in constrained mode
  int64_t dual_every = 20;             // steps between multiplier updates
  double validation_tolerance = 1.0;   // standard errors a candidate's validation gap may exceed the bound by
  std::string mode = "full";           // full | head | lora (nn/tunable.h)
  bool cache_features = false;         // head mode: run the frozen backbone once
  int64_t lora_rank = 8;
  double lora_alpha = 16;
  double lora_dropout = 0;
  std::vector<std::string> lora_targets;  // empty: the model's default (every Linear of an MLP, c_attn of a transformer)
  int64_t epochs = 10;
  double lr = 1e-3;
  int64_t batch_size = 256;
  std::string schedule = "cosine";     // constant | cosine | linear
  int64_t bootstrap = 200;             // resamples for the fairness intervals (0: none)
  uint64_t seed = 0;
  std::string out;
  std::string device = "cpu";          // where the model trains; not saved (the run is the same)
  bool quiet = false;
};

nlohmann::json to_json(const FinetuneConfig& config);

// The library's options for this config. UsageError when the objective is not said (neither
// --penalty with --lambda nor --constraint), or said twice (--penalty with --constraint).
fairness::FinetuneOptions finetune_options(const FinetuneConfig& config);

// The options shared by finetune and sweep: data, mode (--mode, --cache-features, --lora-*),
// penalty form, training (epochs, lr, batch size, schedule, seed) and --quiet.
void add_finetune_options(CLI::App& command, FinetuneConfig& config);

// Loads the checkpoint (or the pretrained GPT-2 with a new classification head, over the CSV's
// text), reports before, runs fairness::finetune, reports after, and writes the run folder
// (config.json, model.safetensors, metrics.json, log.jsonl, and adapter.safetensors in LoRA mode:
// the adapters alone, loadable on top of the starting model; model.safetensors holds the weights
// with the adapters merged in, so every command reads it as a plain checkpoint). Returns
// metrics.json's content:
// {"before": {"validation": S, "test": S}, "after": {...}, "penalised": [...], "lambda": x,
//  "mode": m, "trainable_parameters": n, "total_parameters": n, "lora_layers": [...],
//  "chosen_step": n, "steps": n, "constraint": {...} (constrained mode), "warnings": [...]}
// with S = {"accuracy", "roc_auc", "log_loss", "fairness": <candor audit's JSON>}.
nlohmann::json run_finetune(const FinetuneConfig& config);

// The before/after table of accuracy and fairness for every sensitive feature, on stdout.
void print_finetune_summary(const nlohmann::json& metrics, const FinetuneConfig& config);

}  // namespace candor::cli
