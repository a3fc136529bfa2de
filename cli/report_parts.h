// The pieces build_report (cli/report.h) puts together: a loaded run, HTML helpers, and one
// function per section, each returning "" when no run has anything for it.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/report.h"

namespace candor::cli::report {

struct Run {
  std::filesystem::path path;
  std::string name;  // the folder's own name
  RunKind kind;
  nlohmann::json config, metrics;  // null when the folder has no such file
};

// j[keys[0]][keys[1]]...; null when any is missing (runs from older versions lack some fields).
const nlohmann::json& lookup(const nlohmann::json& j, std::initializer_list<std::string> keys);
// Text escaped for HTML (explain::xml_escape).
std::string esc(const std::string& text);
// A number with three decimals; "-" for null or a non-number.
std::string num(const nlohmann::json& value);
// {"value", "ci_low", "ci_high"} as "0.021 [0.010, 0.033]"; a plain number as num().
std::string with_interval(const nlohmann::json& metric);
// An SVG file's text, ready to sit inside HTML (an XML declaration dropped).
std::string inline_svg(const std::filesystem::path& file);
// The fairness section of a run's test split (after a fine-tune); null when it has none.
const nlohmann::json& test_fairness(const Run& run);
// A run's test metrics (accuracy, roc_auc, log_loss); null when it has none.
const nlohmann::json& test_metrics(const Run& run);
// Rows of models' test metrics with intervals (compare.json "rows", mitigation metrics "test") as a
// table: name, method, accuracy, balanced accuracy, demographic parity and equalized odds differences.
std::string rows_table(const nlohmann::json& rows);
// Group bars: one bar per group, values in [0, 1], under a title and a line of smaller text; a
// whisker from lows[g] to highs[g] on group g's bar where both are finite (none when empty).
std::string group_bars_svg(const std::string& title, const std::string& subtitle, const std::vector<std::string>& groups,
                           const std::vector<double>& values, const std::vector<double>& lows = {},
                           const std::vector<double>& highs = {});

std::string summary_section(const std::vector<Run>& runs);
std::string audit_section(const std::vector<Run>& runs);
std::string training_section(const std::vector<Run>& runs);
std::string finetune_section(const std::vector<Run>& runs);
std::string mitigation_section(const std::vector<Run>& runs);
std::string pareto_section(const std::vector<Run>& runs);
std::string ebm_section(const std::vector<Run>& runs);
std::string explain_section(const std::vector<Run>& runs);

}  // namespace candor::cli::report
