// The audit report (fairness/report.h's JSON) as aligned text: per sensitive feature, the
// MetricFrame-like table (one row per group, then the overall row), the named metrics with their
// bootstrap intervals, the bias AUCs and the warnings.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace candor::fairness {

std::string format_audit(const nlohmann::json& report);

}  // namespace candor::fairness
