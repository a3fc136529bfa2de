// An EBM model's JSON, as `candor ebm predict` and `candor ebm explain` read it. What loads must
// write the same JSON back, and score and explain rows of the features it names.
#include <cmath>

#include <nlohmann/json.hpp>

#include "explain/ebm/explanation.h"
#include "explain/ebm/model_io.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace candor;

// Four rows over the model's features: a known category (or 0), an unseen one (or a huge number),
// a missing cell and an infinity (or another unseen category).
datasets::Table rows_for(const explain::ebm::Model& model) {
  datasets::Table table;
  for (const auto& f : model.features) {
    if (table.has_column(f.name)) continue;
    if (f.kind == explain::ebm::FeatureKind::Continuous) {
      table.add_column(datasets::Column::numeric(f.name, {0, 1e300, NAN, -INFINITY}));
    } else {
      std::string known = f.categories.empty() ? "a" : f.categories.front();
      table.add_column(datasets::Column::categorical(f.name, {known, "unseen", "", "b"}, {false, false, true, false}));
    }
  }
  return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json json = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  try {
    explain::ebm::Model model = explain::ebm::model_from_json(json, "fuzz.json");
    nlohmann::json written = explain::ebm::model_to_json(model);
    fuzz::require(explain::ebm::model_to_json(explain::ebm::model_from_json(written)) == written,
                  "the model's JSON does not read back to the same model");
    datasets::Table table = rows_for(model);
    model.decision_function(table);
    explain::ebm::explain_local_json(model, table);
    explain::ebm::explain_global(model);
  } catch (const Error&) {
  }
  return 0;
}
