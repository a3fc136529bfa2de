#include "datasets/sensitive.h"

#include <algorithm>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "engine/ops/ops.h"

namespace candor::datasets {

std::vector<std::string> SensitiveFeature::values() const {
  std::vector<std::string> out;
  if (!ids.defined()) return out;
  for (int64_t id : ids.to_vector<int64_t>()) out.push_back(groups.at(static_cast<size_t>(id)));
  return out;
}

SensitiveFeature SensitiveFeature::take(const Tensor& index) const {
  return {name, groups, index_select(ids, 0, index)};
}

std::vector<std::string> bin_labels(const std::vector<double>& cuts) {
  if (cuts.empty()) throw ValueError("sensitive bins: no cut point");
  std::vector<std::string> labels = {fmt::format("<{}", cuts.front())};
  for (size_t i = 1; i < cuts.size(); ++i) labels.push_back(fmt::format("[{}, {})", cuts[i - 1], cuts[i]));
  labels.push_back(fmt::format(">={}", cuts.back()));
  return labels;
}

int64_t bin_of(const std::vector<double>& cuts, double value) {
  return std::upper_bound(cuts.begin(), cuts.end(), value) - cuts.begin();
}

SensitiveFeature intersection(const std::vector<SensitiveFeature>& features) {
  if (features.empty()) throw ValueError("sensitive features: the intersection of no feature");
  if (features.size() == 1) return features[0];
  size_t combinations = 1;
  for (const SensitiveFeature& f : features) {
    if (f.size() == 0 || combinations > (size_t{1} << 31) / f.size()) {
      throw ValueError(fmt::format("sensitive features: the intersection at \"{}\" has no group or more than 2^31", f.name));
    }
    combinations *= f.size();
  }
  SensitiveFeature out;
  out.groups = {""};
  out.ids = zeros({features[0].rows()}, kInt64);
  for (size_t k = 0; k < features.size(); ++k) {
    const SensitiveFeature& f = features[k];
    if (f.rows() != features[0].rows()) {
      throw ValueError(fmt::format("sensitive features: \"{}\" has {} rows, \"{}\" has {}", f.name, f.rows(),
                                   features[0].name, features[0].rows()));
    }
    std::vector<std::string> groups;
    for (const std::string& prefix : out.groups) {
      for (const std::string& g : f.groups) groups.push_back(k == 0 ? g : prefix + kGroupSeparator + g);
    }
    out.name += (k == 0 ? "" : std::string(1, kGroupSeparator)) + f.name;
    out.groups = std::move(groups);
    out.ids = out.ids * static_cast<double>(f.size()) + f.ids;  // id = sum_k id_k * stride_k
  }
  return out;
}

const SensitiveFeature& find_feature(const std::vector<SensitiveFeature>& features, const std::string& name) {
  std::vector<std::string> names;
  for (const SensitiveFeature& f : features) {
    if (f.name == name) return f;
    names.push_back(f.name);
  }
  throw DataError(fmt::format("\"{}\" is not a sensitive feature of this data (sensitive: {})", name,
                              names.empty() ? "none" : join_names(names)));
}

std::vector<SensitiveFeature> select_features(const std::vector<SensitiveFeature>& features,
                                              const std::vector<std::string>& names) {
  std::vector<SensitiveFeature> out;
  for (const std::string& name : names) out.push_back(find_feature(features, name));
  return out;
}

}  // namespace candor::datasets
