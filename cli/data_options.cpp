#include "cli/run_config.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "datasets/csv.h"
#include "datasets/data_dir.h"
#include "datasets/labels.h"
#include "datasets/split.h"
#include "engine/error.h"

namespace candor::cli {

nlohmann::json to_json(const RunConfig& c) {
  const DataConfig& d = c.data;
  return {{"data", {{"data", d.data}, {"csv", d.csv}, {"label", d.label}, {"sensitive", d.sensitive},
                    {"categorical", d.categorical}, {"drop", d.drop}, {"positive", d.positive},
                    {"delimiter", d.delimiter}, {"data_dir", d.data_dir},
                    {"validation_fraction", d.validation_fraction}, {"test_fraction", d.test_fraction}}},
          {"model", {{"kind", c.model_kind}, {"hidden", c.model.hidden}, {"activation", c.model.activation},
                     {"dropout", c.model.dropout}, {"d_token", c.ft.d_token}, {"n_blocks", c.ft.n_blocks},
                     {"n_heads", c.ft.n_heads}, {"ffn_factor", c.ft.ffn_factor},
                     {"attention_dropout", c.ft.attention_dropout}, {"ffn_dropout", c.ft.ffn_dropout},
                     {"residual_dropout", c.ft.residual_dropout}}},
          {"train", {{"epochs", c.train.epochs}, {"batch_size", c.train.batch_size},
                     {"optimizer", c.train.optimizer}, {"lr", c.train.lr},
                     {"weight_decay", c.train.weight_decay}, {"momentum", c.train.momentum},
                     {"patience", c.train.patience}, {"monitor", c.train.monitor}}},
          {"seed", c.seed}};
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  try {
    RunConfig c;
    const auto& d = j.at("data");
    c.data.data = d.at("data");
    c.data.csv = d.at("csv");
    c.data.label = d.at("label");
    c.data.sensitive = d.at("sensitive").get<std::vector<std::string>>();
    c.data.categorical = d.at("categorical").get<std::vector<std::string>>();
    c.data.drop = d.at("drop").get<std::vector<std::string>>();
    c.data.positive = d.at("positive").get<std::vector<std::string>>();
    c.data.delimiter = d.at("delimiter");
    c.data.data_dir = d.at("data_dir");
    c.data.validation_fraction = d.at("validation_fraction");
    c.data.test_fraction = d.at("test_fraction");
    const auto& m = j.at("model");
    c.model.hidden = m.at("hidden").get<std::vector<int64_t>>();
    c.model.activation = m.at("activation");
    c.model.dropout = m.at("dropout");
    c.model_kind = m.value("kind", "mlp");
    if (c.model_kind == "ft_transformer") {
      c.ft.d_token = m.at("d_token");
      c.ft.n_blocks = m.at("n_blocks");
      c.ft.n_heads = m.at("n_heads");
      c.ft.ffn_factor = m.at("ffn_factor");
      c.ft.attention_dropout = m.at("attention_dropout");
      c.ft.ffn_dropout = m.at("ffn_dropout");
      c.ft.residual_dropout = m.at("residual_dropout");
    } else if (c.model_kind != "mlp") {
      throw Error(fmt::format("run config: unknown model kind \"{}\" (mlp, ft_transformer)", c.model_kind));
    }
    const auto& t = j.at("train");
    c.train.epochs = t.at("epochs");
    c.train.batch_size = t.at("batch_size");
    c.train.optimizer = t.at("optimizer");
    c.train.lr = t.at("lr");
    c.train.weight_decay = t.at("weight_decay");
    c.train.momentum = t.at("momentum");
    c.train.patience = t.at("patience");
    c.train.monitor = t.at("monitor");
    c.seed = j.at("seed");
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("run config: {} (was config.json written by another version?)", e.what()));
  }
}

void add_data_options(CLI::App& command, DataConfig& data) {
  command.add_option("--data", data.data, "built-in dataset: adult, german, compas, synthetic");
  command.add_option("--csv", data.csv, "a CSV file of your own (with --label)");
  command.add_option("--label", data.label, "label column (--csv)");
  command.add_option("--positive", data.positive, "label values that mean 1 (--csv; default: 1)")->delimiter(',');
  command.add_option("--sensitive", data.sensitive, "sensitive columns, comma-separated")->delimiter(',');
  command.add_option("--categorical", data.categorical, "columns to treat as categorical")->delimiter(',');
  command.add_option("--drop", data.drop, "columns to ignore")->delimiter(',');
  command.add_option("--delimiter", data.delimiter, "CSV field separator (--csv)");
  command.add_option("--data-dir", data.data_dir, "directory holding the built-in datasets' files");
  command.add_option("--validation-fraction", data.validation_fraction, "share of training rows held out")
      ->check(CLI::Range(0.0, 0.9));
  command.add_option("--test-fraction", data.test_fraction, "share of rows held out for test (not Adult)")
      ->check(CLI::Range(0.0, 0.9));
}

namespace {

datasets::Dataset load_dataset(const DataConfig& d) {
  if (!d.csv.empty()) {
    if (!d.data.empty()) throw ValueError("give either --data or --csv, not both");
    if (d.label.empty()) throw ValueError("--csv needs --label COLUMN");
    if (d.delimiter.size() != 1) throw ValueError(fmt::format("--delimiter must be one character, got \"{}\"", d.delimiter));
    datasets::Schema schema;
    schema.label = d.label;
    schema.positive_labels = d.positive;
    schema.sensitive = d.sensitive;
    schema.categorical = d.categorical;
    schema.drop = d.drop;
    datasets::CsvOptions options;
    options.delimiter = d.delimiter[0];
    return datasets::load_csv(d.csv, schema, options);
  }
  if (d.data.empty()) throw ValueError("say which data to use: --data NAME or --csv FILE");
  datasets::Dataset ds =
      datasets::load_builtin(d.data, d.data_dir.empty() ? datasets::default_data_dir() : d.data_dir);
  if (!d.sensitive.empty()) ds.schema.sensitive = d.sensitive;
  return ds;
}

}  // namespace

Splits load_splits(const DataConfig& d, uint64_t seed) {
  datasets::Dataset ds = load_dataset(d);
  Splits s;
  s.schema = ds.schema;
  datasets::Table all = ds.train.drop_missing_rows();
  bool own_test = ds.test.has_value();
  datasets::Split split = datasets::stratified_split(datasets::binary_labels(all, ds.schema), d.validation_fraction,
                                                     own_test ? 0.0 : d.test_fraction, seed);
  s.train = all.select_rows(split.train);
  s.validation = all.select_rows(split.validation);
  s.test = own_test ? ds.test->drop_missing_rows() : all.select_rows(split.test);
  return s;
}

const datasets::Table& split_by_name(const Splits& splits, const std::string& name) {
  if (name == "train") return splits.train;
  if (name == "validation") return splits.validation;
  if (name == "test") return splits.test;
  throw ValueError(fmt::format("unknown split \"{}\" (train, validation, test)", name));
}

}  // namespace candor::cli
