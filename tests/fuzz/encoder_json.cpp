// An encoder's JSON (a checkpoint's "candor.encoder" metadata), as every command that loads a run
// reads it. What loads must write the same JSON back, and encode rows of the columns it names.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "tests/fuzz/fuzz.h"

namespace {

using namespace candor;

// Three rows over every column the encoder reads: a value it knows, "1", and a missing cell.
datasets::RawTable rows_for(const datasets::Encoder& encoder) {
  datasets::RawTable raw;
  auto add = [&](const std::string& name, const std::string& known) {
    if (name.empty() || raw.has_column(name)) return;
    raw.names.push_back(name);
    raw.cells.push_back({known, "1", ""});
    raw.missing.push_back({false, false, true});
    raw.lines = {1, 2, 3};
  };
  add(encoder.label(), "0");
  for (size_t s = 0; s < encoder.sensitive().size(); ++s) {
    const auto& groups = encoder.group_names(s);
    add(encoder.sensitive()[s], groups.empty() ? "0" : groups.front());
  }
  add(encoder.schema().weight, "1");
  for (const auto& f : encoder.features()) add(f.column, f.categories.empty() ? "0" : f.categories.front());
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json json = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  try {
    datasets::Encoder encoder = datasets::Encoder::from_json(json);
    fuzz::require(datasets::Encoder::from_json(encoder.to_json()).to_json() == encoder.to_json(),
                  "the encoder's JSON does not read back to the same encoder");
    datasets::RawTable raw = rows_for(encoder);
    encoder.transform_unlabelled(datasets::make_unlabelled_table(raw, encoder.schema()));
    encoder.transform(datasets::make_table(raw, encoder.schema()));
  } catch (const Error&) {
  }
  return 0;
}
