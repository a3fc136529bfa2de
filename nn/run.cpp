#include "nn/run.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "datasets/json_integer.h"
#include "engine/error.h"
#include "nn/lora.h"
#include "nn/safetensors.h"

namespace candor::nn {

nlohmann::json to_json(const RunConfig& c) {
  const TrainOptions& t = c.train;
  const FtTransformerConfig& ft = c.model.ft;
  return {{"data", datasets::to_json(c.data)},
          {"model", {{"kind", c.model.kind}, {"hidden", c.model.mlp.hidden}, {"activation", c.model.mlp.activation},
                     {"dropout", c.model.mlp.dropout}, {"d_token", ft.d_token}, {"n_blocks", ft.n_blocks},
                     {"n_heads", ft.n_heads}, {"ffn_factor", ft.ffn_factor}, {"attention_dropout", ft.attention_dropout},
                     {"ffn_dropout", ft.ffn_dropout}, {"residual_dropout", ft.residual_dropout},
                     {"C", c.model.logistic.C}, {"numeric_bins", c.model.numeric_bins}}},
          {"train", {{"epochs", t.epochs}, {"batch_size", t.batch_size}, {"optimizer", t.optimizer}, {"lr", t.lr},
                     {"weight_decay", t.weight_decay}, {"momentum", t.momentum}, {"patience", t.patience},
                     {"monitor", t.monitor}}},
          {"seed", c.seed},
          {"reweigh", c.reweigh}};
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  try {
    RunConfig c;
    c.data = datasets::data_source_from_json(j.at("data"));
    const auto& m = j.at("model");
    c.model.mlp.hidden = datasets::json_integers<int64_t>(m.at("hidden"));
    c.model.mlp.activation = m.at("activation");
    c.model.mlp.dropout = m.at("dropout");
    c.model.kind = m.value("kind", "mlp");
    c.model.numeric_bins = m.contains("numeric_bins") ? datasets::json_integer<int64_t>(m.at("numeric_bins")) : 0;
    if (c.model.kind == "ft_transformer") {
      FtTransformerConfig& ft = c.model.ft;
      ft.d_token = datasets::json_integer<int64_t>(m.at("d_token"));
      ft.n_blocks = datasets::json_integer<int64_t>(m.at("n_blocks"));
      ft.n_heads = datasets::json_integer<int64_t>(m.at("n_heads"));
      ft.ffn_factor = m.at("ffn_factor");
      ft.attention_dropout = m.at("attention_dropout");
      ft.ffn_dropout = m.at("ffn_dropout");
      ft.residual_dropout = m.at("residual_dropout");
    } else if (c.model.kind == "logistic") {
      c.model.logistic.C = m.at("C");
    } else if (c.model.kind != "mlp") {
      throw Error(fmt::format("run config: unknown model kind \"{}\" (mlp, ft_transformer, logistic)", c.model.kind));
    }
    const auto& t = j.at("train");
    c.train.epochs = datasets::json_integer<int64_t>(t.at("epochs"));
    c.train.batch_size = datasets::json_integer<int64_t>(t.at("batch_size"));
    c.train.optimizer = t.at("optimizer");
    c.train.lr = t.at("lr");
    c.train.weight_decay = t.at("weight_decay");
    c.train.momentum = t.at("momentum");
    c.train.patience = datasets::json_integer<int64_t>(t.at("patience"));
    c.train.monitor = t.at("monitor");
    c.seed = datasets::json_integer<uint64_t>(j.at("seed"));
    c.reweigh = j.value("reweigh", std::string());  // absent in runs written before it existed
    c.train.seed = c.seed;
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("run config: {} (was config.json written by another version?)", e.what()));
  }
}

void save_checkpoint(const std::string& path, const std::map<std::string, Tensor>& state, const RunConfig& config,
                     const datasets::Encoder& encoder) {
  save_safetensors(path, state, with_data_checksum(state, {{"candor.config", to_json(config).dump()},
                                                           {"candor.encoder", encoder.to_json().dump()}}));
}

LoadedRun load_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  for (const char* key : {"candor.config", "candor.encoder"}) {
    if (!file.metadata.count(key)) {
      throw Error(fmt::format("{}: no \"{}\" in the metadata: not a checkpoint written by candor train", path, key));
    }
  }
  LoadedRun run;
  run.path = path;
  try {
    run.config = run_config_from_json(nlohmann::json::parse(file.metadata.at("candor.config")));
    run.encoder = datasets::Encoder::from_json(nlohmann::json::parse(file.metadata.at("candor.encoder")));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: metadata is not valid JSON ({})", path, e.what()));
  }
  // The metadata decides how much the model allocates: it must describe the values the file holds.
  int64_t held = 0;
  for (const auto& [name, t] : file.tensors) held += t.numel();
  int64_t described = 0;
  try {
    described = tabular_parameter_count(run.config.model, run.encoder);
  } catch (const Error& e) {
    throw CheckpointError(fmt::format("{}: its metadata describes an impossible model ({})", path, e.what()));
  }
  if (described != held) {
    throw CheckpointError(fmt::format("{}: its metadata describes a model of {} parameters but the file holds {} "
                                      "values: the metadata does not belong to these weights",
                                      path, described, held));
  }
  run.model = build_tabular_model(run.config.model, run.encoder, run.config.seed);
  run.model->load_state_dict(file.tensors, true);
  run.model->eval();
  return run;
}

datasets::DataSource run_data(const LoadedRun& run) {
  const std::filesystem::path config_path = std::filesystem::path(run.path).parent_path() / "config.json";
  std::ifstream in(config_path);
  if (!in) {
    throw CheckpointError(fmt::format("{}: the data a checkpoint was trained on is read from the config.json beside "
                                      "it, and {} cannot be read: name the data yourself",
                                      run.path, config_path.string()));
  }
  datasets::DataSource data;
  try {
    data = datasets::data_source_from_json(nlohmann::json::parse(in).at("data"));
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(fmt::format("{}: no data source in it ({})", config_path.string(), e.what()));
  }
  if (datasets::to_json(data) != datasets::to_json(run.config.data)) {
    throw CheckpointError(fmt::format("{} and {} name different training data: they come from different runs",
                                      config_path.string(), run.path));
  }
  return data;
}

LoadedRun load_run(const std::string& folder, const std::string& adapter) {
  LoadedRun run = load_checkpoint((std::filesystem::path(folder) / "model.safetensors").string());
  if (!adapter.empty()) {
    load_lora(adapter, *run.model);
    run.model->eval();
  }
  return run;
}

}  // namespace candor::nn
