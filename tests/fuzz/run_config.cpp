// A run's config.json (also a checkpoint's "candor.config" metadata), as every command that loads
// a run reads it. What loads must write the same JSON back.
#include <nlohmann/json.hpp>

#include "nn/run.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  nlohmann::json json = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  try {
    nlohmann::json written = nn::to_json(nn::run_config_from_json(json));
    fuzz::require(nn::to_json(nn::run_config_from_json(written)) == written,
                  "the run config's JSON does not read back to the same config");
  } catch (const Error&) {
  }
  return 0;
}
