#include "fairness/reweighing.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "datasets/json_integer.h"
#include "engine/error.h"
#include "fairness/feature_rows.h"

namespace candor::fairness {

namespace {

constexpr const char* kWho = "reweighing";
constexpr const char* kFormat = "candor.reweighing";
constexpr int kVersion = 1;

void check_rows(const std::vector<double>& y_true, const std::vector<double>& weight) {
  if (!weight.empty() && weight.size() != y_true.size()) {
    throw ValueError(fmt::format("{}: {} labels but {} weights", kWho, y_true.size(), weight.size()));
  }
  for (size_t i = 0; i < y_true.size(); ++i) {
    if (y_true[i] != 0.0 && y_true[i] != 1.0) {
      throw ValueError(fmt::format("{}: labels must be 0 or 1, found {} at row {}", kWho, y_true[i], i));
    }
    if (!weight.empty() && !(std::isfinite(weight[i]) && weight[i] >= 0)) {
      throw ValueError(fmt::format("{}: weights must be finite and non-negative, found {} at row {}", kWho, weight[i], i));
    }
  }
}

}  // namespace

double Reweighing::factor(const std::string& group, int label) const {
  if (label != 0 && label != 1) throw ValueError(fmt::format("{}: label {} is not 0 or 1", kWho, label));
  for (const ReweighingCell& c : cells) {
    if (c.group == group && c.label == label) return c.factor;
  }
  std::vector<std::string> names;
  for (const ReweighingCell& c : cells) {
    if (c.label == 0) names.push_back(c.group);
  }
  throw ValueError(fmt::format("{}: group {} of \"{}\" was not seen in fitting (fitted groups: {})", kWho,
                               quote_value(group), feature, join_groups(names)));
}

std::vector<double> Reweighing::apply(const std::vector<double>& y_true, const datasets::SensitiveFeature& group,
                                      const std::vector<double>& weight) const {
  check_rows(y_true, weight);
  const std::vector<size_t> ids = feature_ids(group, y_true.size(), kWho);
  // f per (feature id, label), looked up once per group that occurs.
  std::vector<std::vector<double>> by_id(group.size());
  std::vector<double> out(y_true.size());
  for (size_t i = 0; i < y_true.size(); ++i) {
    std::vector<double>& f = by_id[ids[i]];
    if (f.empty()) f = {factor(group.groups[ids[i]], 0), factor(group.groups[ids[i]], 1)};
    out[i] = (weight.empty() ? 1.0 : weight[i]) * f[static_cast<size_t>(y_true[i])];
  }
  return out;
}

Reweighing fit_reweighing(const std::vector<double>& y_true, const datasets::SensitiveFeature& group,
                          const std::vector<double>& weight) {
  if (y_true.empty()) throw ValueError(fmt::format("{}: no rows", kWho));
  check_rows(y_true, weight);
  const std::vector<size_t> ids = feature_ids(group, y_true.size(), kWho);
  const std::vector<size_t> present = groups_by_name(group, ids);

  // Weight sums: W, W_y, and W_ay / rows per feature id.
  double total = 0, label_weight[2] = {0, 0};
  std::vector<std::array<double, 2>> cell_weight(group.size(), {0, 0});
  std::vector<std::array<int64_t, 2>> cell_rows(group.size(), {0, 0});
  for (size_t i = 0; i < y_true.size(); ++i) {
    const double w = weight.empty() ? 1.0 : weight[i];
    const size_t y = static_cast<size_t>(y_true[i]);
    total += w;
    label_weight[y] += w;
    cell_weight[ids[i]][y] += w;
    cell_rows[ids[i]][y] += 1;
  }
  if (total == 0) throw ValueError(fmt::format("{}: the {} rows' weights sum to 0", kWho, y_true.size()));
  for (int y = 0; y < 2; ++y) {
    if (label_weight[y] == 0) {
      throw ValueError(fmt::format("{}: no weight with label {} in the {} rows, so there is no label rate to equalise",
                                   kWho, y, y_true.size()));
    }
  }

  Reweighing r;
  r.feature = group.name;
  r.total = total;
  for (size_t g : present) {
    const double group_weight = cell_weight[g][0] + cell_weight[g][1];  // W_a
    for (int y = 0; y < 2; ++y) {
      ReweighingCell c{group.groups[g], y, cell_rows[g][y], cell_weight[g][y], 1};
      if (c.weight == 0) {
        throw ValueError(fmt::format(
            "{}: group {} of \"{}\" has no weight with label {} (label 0: {} rows weighing {}; label 1: {} rows "
            "weighing {}), so no factor can give it the overall label rate {}",
            kWho, quote_value(c.group), group.name, y, cell_rows[g][0], cell_weight[g][0], cell_rows[g][1],
            cell_weight[g][1], label_weight[1] / total));
      }
      // f(a, y) = (W_y · W_a) / (W · W_ay), in AIF360's order of operations.
      c.factor = label_weight[y] * group_weight / (total * c.weight);
      r.cells.push_back(c);
    }
  }
  r.weights = r.apply(y_true, group, weight);
  return r;
}

nlohmann::json Reweighing::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const ReweighingCell& c : cells) {
    list.push_back({{"group", c.group}, {"label", c.label}, {"rows", c.rows}, {"weight", c.weight}, {"factor", c.factor}});
  }
  return {{"format", kFormat}, {"version", kVersion}, {"feature", feature}, {"total", total}, {"cells", list}};
}

Reweighing Reweighing::from_json(const nlohmann::json& j) {
  Reweighing r;
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      throw ValueError(fmt::format("reweighing json: not a reweighing table (expected \"format\": \"{}\")", kFormat));
    }
    const int version = datasets::json_integer<int>(j.at("version"));
    if (version != kVersion) {
      throw ValueError(fmt::format("reweighing json: version {} is not supported (this build reads {})", version, kVersion));
    }
    r.feature = j.at("feature").get<std::string>();
    r.total = j.at("total").get<double>();
    for (const nlohmann::json& c : j.at("cells")) {
      ReweighingCell cell{c.at("group").get<std::string>(), datasets::json_integer<int>(c.at("label")),
                          datasets::json_integer<int64_t>(c.at("rows")), c.at("weight").get<double>(),
                          c.at("factor").get<double>()};
      if (cell.label != 0 && cell.label != 1) {
        throw ValueError(fmt::format("reweighing json: label {} is not 0 or 1", cell.label));
      }
      if (!(std::isfinite(cell.factor) && cell.factor > 0)) {
        throw ValueError(fmt::format("reweighing json: the factor of group {} label {} is {}, not a positive number",
                                     quote_value(cell.group), cell.label, cell.factor));
      }
      r.cells.push_back(cell);
    }
    // Every group needs both labels, once each.
    for (const ReweighingCell& c : r.cells) {
      int count[2] = {0, 0};
      for (const ReweighingCell& o : r.cells) {
        if (o.group == c.group) ++count[o.label];
      }
      if (count[0] != 1 || count[1] != 1) {
        throw ValueError(fmt::format("reweighing json: group {} needs one cell per label, has {} with label 0 and {} "
                                     "with label 1",
                                     quote_value(c.group), count[0], count[1]));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("reweighing json: {}", e.what()));
  }
  return r;
}

}  // namespace candor::fairness
