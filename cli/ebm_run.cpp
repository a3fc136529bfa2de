#include "cli/ebm_run.h"

#include <filesystem>

#include <fmt/format.h>

#include "cli/run_folder.h"
#include "datasets/json_integer.h"
#include "engine/error.h"
#include "explain/ebm/model_io.h"

namespace candor::cli {

LoadedEbm load_ebm_run(const std::string& folder) {
  const std::filesystem::path dir(folder);
  const nlohmann::json config = read_json((dir / "config.json").string());
  datasets::DataSource data;
  uint64_t seed = 0;
  try {
    data = datasets::data_source_from_json(config.at("data"));
    seed = datasets::json_integer<uint64_t>(config.at("seed"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not an EBM run's config ({})", (dir / "config.json").string(), e.what()));
  }
  return {explain::ebm::load_model((dir / "model.ebm.json").string()), datasets::load_splits(data, seed)};
}

bool is_ebm_run(const std::string& folder) {
  return std::filesystem::exists(std::filesystem::path(folder) / "model.ebm.json");
}

}  // namespace candor::cli
