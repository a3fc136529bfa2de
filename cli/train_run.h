// The training run behind `candor train` and the tabular `candor pretrain`, and the options that
// describe a model and its training, shared by both commands.
#pragma once

#include <string>

#include "nn/run.h"

namespace CLI {
class App;
}

namespace candor::cli {

// Trains the model the config describes (nn::train_classifier), and writes the run folder
// (config.json, model.safetensors, metrics.json, log.jsonl) whole or not at all (a StagedFolder);
// the config saves the data's paths absolute.
void run_train(nn::RunConfig config, const std::string& out, bool quiet);

void add_model_options(CLI::App& command, nn::RunConfig& config);     // MLP and FT-Transformer shapes
void add_training_options(CLI::App& command, nn::RunConfig& config);  // epochs, optimizer, seed, ...

}  // namespace candor::cli
