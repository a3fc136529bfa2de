// A run folder: config.json, model.safetensors (weights plus the config and the fitted encoder in
// its metadata, nn/run.h), metrics.json and log.jsonl; and the predictions CSV commands write.
// Commands write a run folder through a StagedFolder and every file atomically (engine/files.h):
// a run folder is whole or absent.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"

namespace candor::cli {

void write_json(const std::string& path, const nlohmann::json& j);
// A name made safe for a file: every character but letters and digits becomes '_' ("age & sex" ->
// "age___sex").
std::string safe_file_stem(const std::string& name);
nlohmann::json read_json(const std::string& path);

// Predictions as CSV, one line per row: y_true (when labelled), y_pred, score and each sensitive
// feature's group. Rows that could not be scored (missing inputs) have empty fields.
struct PredictionRows {
  std::vector<double> y_true;    // empty: unlabelled; NaN: this row's label is missing
  std::vector<double> score;     // NaN: not scored
  std::vector<double> y_pred;    // empty: score >= 0.5 (a randomised classifier gives its draws)
  std::vector<std::string> sensitive_names;
  std::vector<std::vector<std::string>> sensitive;  // sensitive[f][row]
  int digits = 9;  // significant digits of the scores (9 round-trips a float, 17 a double)
};
void write_predictions(const std::string& path, const PredictionRows& rows);

}  // namespace candor::cli
