// Saving and loading a Model as JSON. Doubles are written with the shortest digits that read back
// to the same bits (nlohmann::json's dtoa), so a loaded model predicts bit-identical scores.
// Loading validates the whole structure (format tag, version, feature kinds, cut order, term
// features and tensor sizes) and throws EbmError naming the file and the field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "explain/ebm/model.h"

namespace candor::explain::ebm {

nlohmann::json model_to_json(const Model& model);
// `source` names the file (or "<json>") in error messages.
Model model_from_json(const nlohmann::json& json, const std::string& source = "<json>");

void save_model(const Model& model, const std::string& path);
Model load_model(const std::string& path);

}  // namespace candor::explain::ebm
