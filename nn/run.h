// A training run's description (its data, model and training settings) and the checkpoint that
// carries it: model.safetensors holds the weights plus, in its metadata, the run's config and the
// fitted encoder, so a lone checkpoint rebuilds its model and encodes new rows as training did.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "datasets/source.h"
#include "nn/classifier.h"
#include "nn/tabular.h"

namespace candor::nn {

struct RunConfig {
  datasets::DataSource data;
  TabularModelSpec model;
  TrainOptions train;  // its seed, log_path and progress are not saved: the run's seed is `seed`
  uint64_t seed = 0;   // the split, the initial weights and the row order
  // A sensitive column whose Kamiran & Calders reweighing multiplies the training rows' weights
  // (candor train --reweigh; fairness/reweighing.h); empty: none.
  std::string reweigh;
};

// config.json's content; run_config_from_json reads it back (Error naming a bad key).
nlohmann::json to_json(const RunConfig& config);
RunConfig run_config_from_json(const nlohmann::json& json);

struct LoadedRun {
  std::string path;  // the checkpoint
  RunConfig config;  // its data is what the checkpoint says; read the data through run_data
  datasets::Encoder encoder;
  std::shared_ptr<Module> model;  // forward(x [N, F]) -> logits [N, 1], in eval mode
};

void save_checkpoint(const std::string& path, const std::map<std::string, Tensor>& state, const RunConfig& config,
                     const datasets::Encoder& encoder);
// Checkpoints carry a checksum of their tensor data (nn/safetensors.h), checked on load.
// Rebuilds the model from the checkpoint's own metadata and loads its weights (strict); Error
// for a file candor train did not write, CheckpointError when the metadata describes a model of
// another size than the file holds (checked before the model is allocated).
LoadedRun load_checkpoint(const std::string& path);
// The data the run was trained on, read from the config.json beside its checkpoint:
// the checkpoint's own metadata never makes candor open a file (a checkpoint from elsewhere cannot
// name one the user did not). CheckpointError when there is no readable config.json or when it
// names other data than the checkpoint's metadata.
datasets::DataSource run_data(const LoadedRun& run);

// folder/model.safetensors, with the LoRA adapters of `adapter` (a LoRA fine-tune's
// adapter.safetensors) applied on top when it is not empty.
LoadedRun load_run(const std::string& folder, const std::string& adapter = "");

}  // namespace candor::nn
