#include "cli/run_folder.h"

#include <fstream>

#include <fmt/format.h>

#include "engine/error.h"
#include "nn/safetensors.h"

namespace candor::cli {

std::shared_ptr<nn::Sequential> build_model(const RunConfig& config, int64_t features) {
  Generator gen(config.seed);
  return nn::make_mlp(features, 1, config.model, gen);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) throw Error(fmt::format("cannot write {}", path));
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read {}", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
}

void save_checkpoint(const std::string& path, const nn::Module& model, const RunConfig& config,
                     const datasets::Encoder& encoder) {
  nn::save_safetensors(path, model.state_dict(),
                       {{"candor.config", to_json(config).dump()},
                        {"candor.encoder", encoder.to_json().dump()}});
}

LoadedRun load_checkpoint(const std::string& path) {
  nn::SafetensorsFile file = nn::load_safetensors(path);
  for (const char* key : {"candor.config", "candor.encoder"}) {
    if (!file.metadata.count(key)) {
      throw Error(fmt::format("{}: no \"{}\" in the metadata: not a checkpoint written by candor train", path, key));
    }
  }
  LoadedRun run;
  try {
    run.config = run_config_from_json(nlohmann::json::parse(file.metadata.at("candor.config")));
    run.encoder = datasets::Encoder::from_json(nlohmann::json::parse(file.metadata.at("candor.encoder")));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: metadata is not valid JSON ({})", path, e.what()));
  }
  run.model = build_model(run.config, static_cast<int64_t>(run.encoder.feature_names().size()));
  run.model->load_state_dict(file.tensors, true);
  run.model->eval();
  return run;
}

}  // namespace candor::cli
