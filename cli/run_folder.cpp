#include "cli/run_folder.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/csv_field.h"
#include "engine/error.h"
#include "engine/files.h"

namespace candor::cli {

std::string safe_file_stem(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

void write_json(const std::string& path, const nlohmann::json& j) { write_file_atomically(path, j.dump(2) + "\n"); }

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read {}", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
}

void write_predictions(const std::string& path, const PredictionRows& rows) {
  std::ostringstream out;
  const bool labelled = !rows.y_true.empty();
  out << (labelled ? "y_true,y_pred,score" : "y_pred,score");
  for (const std::string& s : rows.sensitive_names) out << "," << csv_field(s);
  out << "\n";
  for (size_t i = 0; i < rows.score.size(); ++i) {
    if (labelled) out << (std::isnan(rows.y_true[i]) ? "" : fmt::format("{}", rows.y_true[i])) << ",";
    const double p = rows.score[i];
    const int label = rows.y_pred.empty() ? (p >= 0.5 ? 1 : 0) : static_cast<int>(rows.y_pred[i]);
    out << (std::isnan(p) ? "," : fmt::format("{},{:.{}g}", label, p, rows.digits));
    for (const auto& column : rows.sensitive) out << "," << csv_field(column[i]);
    out << "\n";
  }
  write_file_atomically(path, out.str());
}

}  // namespace candor::cli
