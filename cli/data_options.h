// What a run needs to be repeated: where its data comes from and how it is split, the model's
// shape and the training settings. Saved as the run folder's config.json, and inside the
// checkpoint's metadata, so a run folder (or a lone checkpoint) is self-describing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "nn/ft_transformer.h"
#include "nn/layers.h"

namespace CLI {
class App;
}

namespace candor::cli {

struct DataConfig {
  std::string data;                    // built-in name; empty when csv is set
  std::string csv;                     // a user file
  std::string label;                   // --csv only
  std::vector<std::string> sensitive;  // overrides the built-in's sensitive columns when set
  std::vector<std::string> categorical, drop, positive;
  std::string delimiter = ",";
  std::string data_dir;                // where built-in files live (default: shipped data)
  double validation_fraction = 0.1;
  double test_fraction = 0.2;          // ignored for Adult, which has its own test file
};

struct TrainConfig {
  int64_t epochs = 20;
  int64_t batch_size = 256;
  std::string optimizer = "adam";  // adam | adamw | sgd
  double lr = 1e-3;
  double weight_decay = 0;
  double momentum = 0.9;            // sgd only
  int64_t patience = 5;
  std::string monitor = "log_loss";  // validation metric for early stopping and the best checkpoint
};

struct RunConfig {
  DataConfig data;
  std::string model_kind = "mlp";  // mlp | ft_transformer
  nn::MlpOptions model;            // mlp
  nn::FtTransformerConfig ft;      // ft_transformer
  TrainConfig train;
  uint64_t seed = 0;
};

nlohmann::json to_json(const RunConfig& config);
RunConfig run_config_from_json(const nlohmann::json& j);

// The options that say which data to use, shared by train, eval and predict.
void add_data_options(CLI::App& command, DataConfig& data);

// Train, validation and test tables with their schema, split as the config says (seeded).
struct Splits {
  datasets::Schema schema;
  datasets::Table train, validation, test;
};
Splits load_splits(const DataConfig& data, uint64_t seed);
const datasets::Table& split_by_name(const Splits& splits, const std::string& name);

}  // namespace candor::cli
