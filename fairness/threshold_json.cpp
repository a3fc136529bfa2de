// ThresholdResult to and from JSON (fairness/threshold_optimizer.h). JSON has no infinity, and the
// outermost thresholds are ±∞, so a threshold is a number or the string "inf" / "-inf".
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "datasets/json_integer.h"
#include "engine/error.h"
#include "fairness/threshold_optimizer.h"

namespace candor::fairness {

namespace {

constexpr const char* kFormat = "candor.threshold_optimizer";
constexpr int kVersion = 1;

nlohmann::json threshold_json(double t) {
  if (std::isinf(t)) return t > 0 ? "inf" : "-inf";
  return t;
}

double parse_threshold(const nlohmann::json& j) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw ValueError(fmt::format("threshold optimizer json: threshold {} is neither a number nor \"inf\"/\"-inf\"",
                                 quote_value(s)));
  }
  return j.get<double>();
}

nlohmann::json operation_json(const ThresholdOperation& op) {
  return {{"operator", std::string(1, op.op)}, {"threshold", threshold_json(op.threshold)}};
}

ThresholdOperation parse_operation(const nlohmann::json& j) {
  const std::string op = j.at("operator").get<std::string>();
  if (op != ">" && op != "<") {
    throw ValueError(fmt::format("threshold optimizer json: operator {} is not \">\" or \"<\"", quote_value(op)));
  }
  return {op[0], parse_threshold(j.at("threshold"))};
}

double probability(const nlohmann::json& j, const char* key) {
  const double p = j.at(key).get<double>();
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError(fmt::format("threshold optimizer json: {} = {} is not in [0, 1]", key, p));
  return p;
}

}  // namespace

nlohmann::json ThresholdResult::to_json() const {
  nlohmann::json out = {
      {"format", kFormat},
      {"version", kVersion},
      {"options",
       {{"constraint", constraint_name(options.constraint)},
        {"objective", objective_name(options.objective)},
        {"grid_size", options.grid_size},
        {"flip", options.flip}}},
      {"feature", feature},
      {"x", x},
      {"y", y},
      {"objective", objective},
  };
  nlohmann::json list = nlohmann::json::array();
  for (const GroupThreshold& g : groups) {
    nlohmann::json hull = nlohmann::json::array();
    for (const CurvePoint& p : g.hull) {
      nlohmann::json point = operation_json(p.operation);
      point["x"] = p.x;
      point["y"] = p.y;
      hull.push_back(point);
    }
    list.push_back({{"group", g.group},
                    {"rows", g.rows},
                    {"positives", g.positives},
                    {"x", g.x},
                    {"y", g.y},
                    {"p0", g.p0},
                    {"operation0", operation_json(g.operation0)},
                    {"p1", g.p1},
                    {"operation1", operation_json(g.operation1)},
                    {"p_ignore", g.p_ignore},
                    {"prediction_constant", g.prediction_constant},
                    {"hull", hull}});
  }
  out["groups"] = list;
  return out;
}

ThresholdResult ThresholdResult::from_json(const nlohmann::json& j) {
  ThresholdResult r;
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      throw ValueError(fmt::format("threshold optimizer json: not a threshold optimizer (expected \"format\": \"{}\")",
                                   kFormat));
    }
    const int version = datasets::json_integer<int>(j.at("version"));
    if (version != kVersion) {
      throw ValueError(fmt::format("threshold optimizer json: version {} is not supported (this build reads {})",
                                   version, kVersion));
    }
    const nlohmann::json& o = j.at("options");
    r.options.constraint = parse_threshold_constraint(o.at("constraint").get<std::string>());
    r.options.objective = parse_threshold_objective(o.at("objective").get<std::string>());
    r.options.grid_size = datasets::json_integer<int64_t>(o.at("grid_size"));
    r.options.flip = o.at("flip").get<bool>();
    r.options.validate();
    r.feature = j.at("feature").get<std::string>();
    r.x = j.at("x").get<double>();
    r.y = j.at("y").get<double>();
    r.objective = j.at("objective").get<double>();
    for (const nlohmann::json& g : j.at("groups")) {
      GroupThreshold gt;
      gt.group = g.at("group").get<std::string>();
      gt.rows = datasets::json_integer<int64_t>(g.at("rows"));
      gt.positives = datasets::json_integer<int64_t>(g.at("positives"));
      gt.x = g.at("x").get<double>();
      gt.y = g.at("y").get<double>();
      gt.p0 = probability(g, "p0");
      gt.operation0 = parse_operation(g.at("operation0"));
      gt.p1 = probability(g, "p1");
      gt.operation1 = parse_operation(g.at("operation1"));
      gt.p_ignore = probability(g, "p_ignore");
      gt.prediction_constant = probability(g, "prediction_constant");
      for (const nlohmann::json& p : g.at("hull")) {
        gt.hull.push_back({p.at("x").get<double>(), p.at("y").get<double>(), parse_operation(p)});
      }
      for (const GroupThreshold& seen : r.groups) {
        if (seen.group == gt.group) {
          throw ValueError(fmt::format("threshold optimizer json: group {} appears twice", quote_value(gt.group)));
        }
      }
      r.groups.push_back(std::move(gt));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("threshold optimizer json: {}", e.what()));
  }
  return r;
}

}  // namespace candor::fairness
