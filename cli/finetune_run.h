// The fine-tuning run behind `candor finetune` and each point of `candor sweep`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/run_config.h"

namespace candor::cli {

struct FinetuneConfig {
  std::string init;          // checkpoint written by candor train
  DataConfig data;           // --sensitive picks the penalised columns; the rest defaults to the run's
  std::string penalty = "dp";  // dp | eo | eopp
  double lambda = 1.0;       // penalty weight; the initial multiplier in constrained mode
  std::string form = "abs";  // abs | squared | hinge
  double epsilon = 0;        // hinge slack
  std::string reduction = "max_min";
  std::string constraint;    // e.g. "dp<=0.02": constrained mode
  double dual_lr = 2.0;      // multiplier step in constrained mode
  int64_t epochs = 10;
  double lr = 1e-3;
  int64_t batch_size = 256;
  int64_t bootstrap = 200;   // resamples for the fairness intervals (0: none)
  uint64_t seed = 0;
  std::string out;
  bool quiet = false;
};

nlohmann::json to_json(const FinetuneConfig& config);

// Loads the checkpoint, reports before, fine-tunes, reports after, and writes the run folder
// (config.json, model.safetensors, metrics.json, log.jsonl). Returns metrics.json's content:
// {"before": {"validation": S, "test": S}, "after": {...}, "penalised": [...], "lambda": x}
// with S = {"accuracy", "roc_auc", "log_loss", "fairness": <candor audit's JSON>}.
nlohmann::json run_finetune(const FinetuneConfig& config);

// The before/after table of accuracy and fairness for every sensitive feature, on stdout.
void print_finetune_summary(const nlohmann::json& metrics, const FinetuneConfig& config);

}  // namespace candor::cli
