// A run folder: config.json, model.safetensors (weights plus the config and the fitted encoder in
// its metadata), metrics.json and log.jsonl. Everything needed to evaluate or predict later.
#pragma once

#include <map>
#include <memory>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/run_config.h"
#include "datasets/encoder.h"
#include "nn/layers.h"

namespace candor::cli {

struct LoadedRun {
  RunConfig config;
  datasets::Encoder encoder;
  std::shared_ptr<nn::Module> model;  // forward(x [N, F]) -> logits [N, 1]
};

// The FT-Transformer's feature tokens for the encoder's columns: a numeric (or ordinal) feature is
// one column, a one-hot categorical one is its block of columns.
std::vector<nn::TabularToken> tabular_tokens(const datasets::Encoder& encoder);

// The model a config describes (an MLP or an FT-Transformer over the encoder's features), with
// seeded initial weights.
std::shared_ptr<nn::Module> build_model(const RunConfig& config, const datasets::Encoder& encoder);

void write_json(const std::string& path, const nlohmann::json& j);
nlohmann::json read_json(const std::string& path);

void save_checkpoint(const std::string& path, const nn::Module& model, const RunConfig& config,
                     const datasets::Encoder& encoder);
// The same with the tensors given (e.g. a fine-tuned model's state without its LoRA adapters).
void save_checkpoint(const std::string& path, const std::map<std::string, Tensor>& state, const RunConfig& config,
                     const datasets::Encoder& encoder);
// Rebuilds the model from a checkpoint's own metadata and loads its weights (strict).
LoadedRun load_checkpoint(const std::string& path);
// folder/model.safetensors, with the LoRA adapters of `adapter` (a LoRA fine-tune's
// adapter.safetensors) applied on top when it is not empty.
LoadedRun load_run(const std::string& folder, const std::string& adapter = "");

}  // namespace candor::cli
