// A run folder: config.json, model.safetensors (weights plus the config and the fitted encoder in
// its metadata), metrics.json and log.jsonl. Everything needed to evaluate or predict later.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/run_config.h"
#include "datasets/encoder.h"
#include "nn/layers.h"

namespace candor::cli {

struct LoadedRun {
  RunConfig config;
  datasets::Encoder encoder;
  std::shared_ptr<nn::Sequential> model;
};

// The MLP a config describes, with seeded initial weights.
std::shared_ptr<nn::Sequential> build_model(const RunConfig& config, int64_t features);

void write_json(const std::string& path, const nlohmann::json& j);
nlohmann::json read_json(const std::string& path);

void save_checkpoint(const std::string& path, const nn::Module& model, const RunConfig& config,
                     const datasets::Encoder& encoder);
// Rebuilds the model from a checkpoint's own metadata and loads its weights (strict).
LoadedRun load_checkpoint(const std::string& path);

}  // namespace candor::cli
