#include "fairness/groups.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

size_t Groups::observed() const {
  return static_cast<size_t>(std::count_if(counts.begin(), counts.end(), [](size_t c) { return c > 0; }));
}

std::optional<size_t> Groups::find(const std::string& label) const {
  auto it = std::find(labels.begin(), labels.end(), label);
  if (it == labels.end()) return std::nullopt;
  return static_cast<size_t>(it - labels.begin());
}

std::vector<std::vector<size_t>> Groups::members() const {
  std::vector<std::vector<size_t>> rows_of(size());
  for (size_t g = 0; g < size(); ++g) rows_of[g].reserve(counts[g]);
  for (size_t row = 0; row < ids.size(); ++row) rows_of[ids[row]].push_back(row);
  return rows_of;
}

std::string Groups::name() const { return join_label(features); }

std::string join_label(const std::vector<std::string>& values) {
  std::string label;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) label.push_back(kGroupSeparator);
    label += values[i];
  }
  return label;
}

namespace {
// Every tuple of the product of `values` (each sorted), in lexicographic order.
std::vector<std::vector<std::string>> product(const std::vector<std::vector<std::string>>& values) {
  std::vector<std::vector<std::string>> out = {{}};
  for (const auto& column : values) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : out) {
      for (const std::string& v : column) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    }
    out = std::move(next);
  }
  return out;
}
}  // namespace

Groups make_groups(const std::vector<std::vector<std::string>>& columns,
                   const std::vector<std::string>& names, bool all_combinations) {
  if (columns.empty()) throw ValueError("groups: at least one sensitive column is needed");
  if (!names.empty() && names.size() != columns.size()) {
    throw ValueError(fmt::format("groups: {} names for {} sensitive columns", names.size(), columns.size()));
  }
  size_t n = columns[0].size();
  for (size_t f = 1; f < columns.size(); ++f) {
    if (columns[f].size() != n) {
      throw ValueError(fmt::format("groups: sensitive column {} has {} rows, column 0 has {}", f,
                                   columns[f].size(), n));
    }
  }
  Groups groups;
  for (size_t f = 0; f < columns.size(); ++f) {
    groups.features.push_back(names.empty() ? fmt::format("sensitive_feature_{}", f) : names[f]);
  }
  // The observed tuples, sorted; and the observed values of each column for the full product.
  std::map<std::vector<std::string>, size_t> index;
  std::vector<std::set<std::string>> values(columns.size());
  std::vector<std::string> tuple(columns.size());
  for (size_t row = 0; row < n; ++row) {
    for (size_t f = 0; f < columns.size(); ++f) {
      tuple[f] = columns[f][row];
      values[f].insert(tuple[f]);
    }
    index.emplace(tuple, 0);
  }
  if (all_combinations && n > 0) {
    std::vector<std::vector<std::string>> sorted_values;
    for (const auto& v : values) sorted_values.emplace_back(v.begin(), v.end());
    for (auto& t : product(sorted_values)) index.emplace(std::move(t), 0);
  }
  for (auto& [levels, id] : index) {
    id = groups.levels.size();
    groups.levels.push_back(levels);
    groups.labels.push_back(join_label(levels));
  }
  groups.counts.assign(groups.size(), 0);
  groups.ids.resize(n);
  for (size_t row = 0; row < n; ++row) {
    for (size_t f = 0; f < columns.size(); ++f) tuple[f] = columns[f][row];
    size_t id = index.at(tuple);
    groups.ids[row] = id;
    ++groups.counts[id];
  }
  return groups;
}

Groups groups_of(const std::vector<datasets::SensitiveFeature>& features, bool all_combinations) {
  if (features.empty()) throw ValueError("groups: at least one sensitive feature is needed");
  const datasets::SensitiveFeature all = datasets::intersection(features);
  // levels of combination g: feature k's group is (g / stride_k) % size_k, stride_k the product of
  // the sizes after k (datasets/sensitive.h).
  std::vector<std::vector<std::string>> levels(all.size());
  for (size_t g = 0; g < all.size(); ++g) {
    size_t rest = g;
    for (size_t k = features.size(); k-- > 0;) {
      levels[g].insert(levels[g].begin(), features[k].groups.at(rest % features[k].size()));
      rest /= features[k].size();
    }
  }
  std::vector<size_t> counts(all.size(), 0);
  std::vector<int64_t> ids = all.ids.to_vector<int64_t>();
  for (int64_t id : ids) ++counts.at(static_cast<size_t>(id));
  // Each feature's observed groups: as make_groups, the product is over observed values only.
  std::vector<std::set<std::string>> observed(features.size());
  for (size_t g = 0; g < all.size(); ++g) {
    for (size_t k = 0; k < features.size() && counts[g] > 0; ++k) observed[k].insert(levels[g][k]);
  }
  // Keep every combination of observed values, or the observed combinations only, renumbered in
  // the same order.
  std::vector<size_t> renumber(all.size());
  Groups groups;
  for (const datasets::SensitiveFeature& f : features) groups.features.push_back(f.name);
  for (size_t g = 0; g < all.size(); ++g) {
    renumber[g] = groups.labels.size();
    bool keep = counts[g] > 0;
    if (all_combinations) {
      keep = true;
      for (size_t k = 0; k < features.size(); ++k) keep = keep && observed[k].count(levels[g][k]) > 0;
    }
    if (!keep) continue;
    groups.levels.push_back(levels[g]);
    groups.labels.push_back(all.groups[g]);
    groups.counts.push_back(counts[g]);
  }
  for (int64_t id : ids) groups.ids.push_back(renumber[static_cast<size_t>(id)]);
  return groups;
}

Groups take_rows(const Groups& groups, const std::vector<size_t>& rows) {
  Groups out;
  out.features = groups.features;
  out.levels = groups.levels;
  out.labels = groups.labels;
  out.counts.assign(groups.size(), 0);
  out.ids.reserve(rows.size());
  for (size_t row : rows) {
    if (row >= groups.rows()) {
      throw IndexError(fmt::format("groups: row {} is out of range for {} rows", row, groups.rows()));
    }
    out.ids.push_back(groups.ids[row]);
    ++out.counts[groups.ids[row]];
  }
  return out;
}

}  // namespace candor::fairness
