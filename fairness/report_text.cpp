#include "fairness/report_text.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace candor::fairness {

namespace {

using json = nlohmann::json;

// Short column headers for the table.
const std::map<std::string, std::string>& short_names() {
  static const std::map<std::string, std::string> names = {
      {"selection_rate", "sel_rate"}, {"mean_score", "score"},   {"accuracy", "acc"},   {"balanced_accuracy", "bal_acc"},
      {"precision", "ppv"},           {"roc_auc", "auc"},        {"log_loss", "logloss"}, {"calibration_error", "ece"}};
  return names;
}

std::string cell(const json& v) {
  if (v.is_null()) return "nan";
  if (v.is_number_integer() || v.is_number_unsigned()) return fmt::format("{}", v.get<long long>());
  double x = v.get<double>();
  return fmt::format("{:.4f}", x);
}

// Columns padded to their widest cell; the first column left-aligned, the others right-aligned.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c == 0) {
        line += fmt::format("{:<{}}", row[c], width[c]);
      } else {
        line += fmt::format("  {:>{}}", row[c], width[c]);
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line.push_back('\n');
    out += line;
  }
  return out;
}

std::string interval(const json& item) {
  if (item["ci_low"].is_null() && item["ci_high"].is_null()) return "";
  return fmt::format("[{}, {}]", cell(item["ci_low"]), cell(item["ci_high"]));
}

// The named metrics of one block in the order of `keys` (those present).
void named_block(std::vector<std::vector<std::string>>& rows, const json& block, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    if (!block.contains(key)) continue;
    const json& item = block[key];
    std::string name = key;
    if (item.contains("alpha")) name += fmt::format(" (alpha {:g})", item["alpha"].get<double>());
    rows.push_back({name, cell(item["value"]), interval(item)});
  }
}

const std::vector<std::string> kFairlearn = {
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
    "equalized_odds_difference_mean", "equalized_odds_ratio", "equalized_odds_ratio_mean",
    "equal_opportunity_difference", "equal_opportunity_ratio"};
const std::vector<std::string> kAif360 = {
    "statistical_parity_difference", "disparate_impact", "equal_opportunity_difference", "average_odds_difference",
    "average_abs_odds_difference", "theil_index", "generalized_entropy_index"};

}  // namespace

std::string format_audit(const json& report) {
  std::string out;
  double confidence = report["bootstrap"]["confidence"].get<double>();
  int replicates = report["bootstrap"]["replicates"].get<int>();
  for (const auto& name_json : report["features"]) {
    std::string name = name_json.get<std::string>();
    const json& s = report["sensitive_features"][name];
    out += fmt::format("sensitive feature: {} ({} groups, {} rows)\n", name, s["groups"].size(), report["rows"].get<long long>());
    // The MetricFrame table: groups as rows, metrics as columns, the overall row last.
    // Columns in the order of the base metrics (the JSON object itself is sorted by key).
    static const std::vector<std::string> order = {"count", "weight", "selection_rate", "accuracy", "balanced_accuracy",
                                                   "tpr", "fpr", "tnr", "fnr", "precision", "npv", "mean_score",
                                                   "roc_auc", "log_loss", "brier", "calibration_error"};
    std::vector<std::string> columns;
    for (const std::string& k : order) {
      if (s["overall"].contains(k)) columns.push_back(k);
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"group"};
    for (const std::string& k : columns) header.push_back(short_names().count(k) ? short_names().at(k) : k);
    rows.push_back(header);
    auto add_row = [&](const std::string& label, const json& values) {
      std::vector<std::string> row = {label};
      for (const std::string& k : columns) row.push_back(cell(values[k]));
      rows.push_back(row);
    };
    for (const auto& g : s["groups"]) add_row(g.get<std::string>(), s["by_group"][g.get<std::string>()]);
    add_row("overall", s["overall"]);
    out += table(rows, "  ");

    std::vector<std::vector<std::string>> named;
    std::string ci_header = replicates > 0 ? fmt::format("{:g}% CI (B={})", confidence * 100, replicates) : "";
    named.push_back({fmt::format("fairlearn ({})", s["fairlearn"]["method"].get<std::string>()), "value", ci_header});
    named_block(named, s["fairlearn"], kFairlearn);
    const json& privileged = s["aif360"]["privileged"];
    named.push_back({privileged.is_null() ? std::string("aif360")
                                          : fmt::format("aif360 (privileged \"{}\" against the rest)", privileged.get<std::string>()),
                     "", ""});
    named_block(named, s["aif360"], kAif360);
    out += "\n";
    out += table(named, "  ");

    if (s.contains("bias_auc")) {
      std::vector<std::vector<std::string>> aucs = {{"bias AUCs", "subgroup", "bpsn", "bnsp"}};
      for (const auto& g : s["groups"]) {
        std::string label = g.get<std::string>();
        if (!s["bias_auc"].contains(label)) continue;
        const json& a = s["bias_auc"][label];
        aucs.push_back({label, cell(a["subgroup_auc"]), cell(a["bpsn_auc"]), cell(a["bnsp_auc"])});
      }
      out += "\n";
      out += table(aucs, "  ");
    }
    if (!s["warnings"].empty()) {
      out += "\n  warnings:\n";
      for (const auto& w : s["warnings"]) out += fmt::format("    - {}\n", w.get<std::string>());
    }
    out += "\n";
  }
  return out;
}

}  // namespace candor::fairness
