#include "fairness/feature_rows.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

std::vector<size_t> feature_ids(const datasets::SensitiveFeature& feature, size_t rows, const std::string& who) {
  if (!feature.ids.defined() || feature.ids.dim() != 1) {
    throw ValueError(fmt::format("{}: the sensitive feature \"{}\" has no ids [N]", who, feature.name));
  }
  if (static_cast<size_t>(feature.rows()) != rows) {
    throw ValueError(fmt::format("{}: {} rows but the sensitive feature \"{}\" has {}", who, rows, feature.name,
                                 feature.rows()));
  }
  std::vector<size_t> out(rows);
  const std::vector<int64_t> ids = feature.ids.to_vector<int64_t>();
  for (size_t i = 0; i < rows; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= feature.size()) {
      throw ValueError(fmt::format("{}: row {} has group id {} but \"{}\" has {} groups", who, i, ids[i], feature.name,
                                   feature.size()));
    }
    out[i] = static_cast<size_t>(ids[i]);
  }
  return out;
}

std::vector<size_t> groups_by_name(const datasets::SensitiveFeature& feature, const std::vector<size_t>& ids) {
  std::vector<bool> present(feature.size(), false);
  for (size_t id : ids) present[id] = true;
  std::vector<size_t> out;
  for (size_t g = 0; g < feature.size(); ++g) {
    if (present[g]) out.push_back(g);
  }
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return feature.groups[a] < feature.groups[b]; });
  return out;
}

std::string join_groups(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + quote_value(names[i]);
  return out;
}

}  // namespace candor::fairness
