#include "datasets/builtin.h"

#include <filesystem>

#include <fmt/format.h>

#include "datasets/data_dir.h"
#include "datasets/errors.h"

namespace candor::datasets {

Dataset load_csv(const std::string& path, const Schema& schema, const CsvOptions& options) {
  Dataset d;
  d.name = std::filesystem::path(path).stem().string();
  d.schema = schema;
  d.train = make_table(read_csv(path, options), schema);
  return d;
}

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {"adult", "german", "compas", "synthetic"};
  return names;
}

Dataset load_builtin(const std::string& name, const std::string& data_dir) {
  std::string dir = data_dir.empty() ? default_data_dir() : data_dir;
  if (name == "adult") return load_adult(dir);
  if (name == "german") return load_german(dir);
  if (name == "compas") return load_compas(dir);
  if (name == "synthetic") return make_synthetic(SyntheticOptions{});
  throw DataError(fmt::format("unknown dataset \"{}\" (built-in datasets: {})", name,
                              join_names(builtin_names())));
}

}  // namespace candor::datasets
