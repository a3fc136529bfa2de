#include "cli/run_folder.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "engine/error.h"
#include "nn/lora.h"
#include "nn/safetensors.h"

namespace candor::cli {

std::vector<nn::TabularToken> tabular_tokens(const datasets::Encoder& encoder) {
  std::vector<nn::TabularToken> tokens;
  int64_t column = 0;
  for (const datasets::Encoder::Feature& f : encoder.features()) {
    if (f.type == datasets::ColumnType::Categorical && encoder.options().one_hot) {
      const auto width = static_cast<int64_t>(f.categories.size());
      tokens.push_back({nn::TabularToken::Kind::Categorical, column, width, f.column});
      column += width;
    } else {
      tokens.push_back({nn::TabularToken::Kind::Numeric, column, 1, f.column});
      column += 1;
    }
  }
  return tokens;
}

std::shared_ptr<nn::Module> build_model(const RunConfig& config, const datasets::Encoder& encoder) {
  Generator gen(config.seed);
  const auto features = static_cast<int64_t>(encoder.num_features());
  if (config.model_kind == "ft_transformer") {
    return std::make_shared<nn::FtTransformer>(tabular_tokens(encoder), features, config.ft, gen);
  }
  if (config.model_kind != "mlp") {
    throw ValueError(fmt::format("unknown model kind \"{}\" (mlp, ft_transformer)", config.model_kind));
  }
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
  save_checkpoint(path, model.state_dict(), config, encoder);
}

void save_checkpoint(const std::string& path, const std::map<std::string, Tensor>& state, const RunConfig& config,
                     const datasets::Encoder& encoder) {
  nn::save_safetensors(path, state,
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
  run.model = build_model(run.config, run.encoder);
  run.model->load_state_dict(file.tensors, true);
  run.model->eval();
  return run;
}

LoadedRun load_run(const std::string& folder, const std::string& adapter) {
  LoadedRun run = load_checkpoint((std::filesystem::path(folder) / "model.safetensors").string());
  if (!adapter.empty()) {
    nn::load_lora(adapter, *run.model);
    run.model->eval();
  }
  return run;
}

}  // namespace candor::cli
