// Groups from one or several sensitive columns. With several columns a group is an intersection
// of values, labelled by joining them with '|' ("Female|Black"), as Fairlearn's MetricFrame does
// when it is given several sensitive features.
//
// Groups are sorted by their tuple of values (column by column, as pandas' groupby sorts), not by
// the joined label. Two choices of group set:
//   - observed combinations only (the default), what a training penalty wants;
//   - every combination of the observed values of each column (Fairlearn's MetricFrame reindexes
//     its by_group table over this product), so an intersection with no rows is reported as an
//     empty group with NaN metrics instead of silently missing.
// Labels are for display and JSON keys: values containing '|' make labels ambiguous (ids never are).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "datasets/sensitive.h"

namespace candor::fairness {

inline constexpr char kGroupSeparator = datasets::kGroupSeparator;

struct Groups {
  std::vector<std::string> features;             // the sensitive column names, e.g. {"sex", "race"}
  std::vector<std::vector<std::string>> levels;  // levels[g][f]: value of feature f in group g
  std::vector<std::string> labels;               // labels[g]: levels[g] joined by '|'
  std::vector<size_t> ids;                       // ids[row]: the group of each row
  std::vector<size_t> counts;                    // counts[g]: rows in group g (0 for an empty one)

  size_t size() const { return labels.size(); }
  size_t rows() const { return ids.size(); }
  // Number of groups with at least one row.
  size_t observed() const;
  // The index of the group with this label, if any.
  std::optional<size_t> find(const std::string& label) const;
  // members()[g]: the rows of group g, in row order.
  std::vector<std::vector<size_t>> members() const;
  // "sex|race": the feature names joined as the labels are.
  std::string name() const;
};

// columns[f][row] is the value of sensitive feature f in that row; every column must have the same
// length and there must be at least one column (ValueError otherwise). `names` defaults to
// "sensitive_feature_0", ... as Fairlearn names unnamed features.
Groups make_groups(const std::vector<std::vector<std::string>>& columns,
                   const std::vector<std::string>& names = {}, bool all_combinations = false);

// The groups of encoded sensitive features (datasets::SensitiveFeature: ids and group names, as the
// encoder, a DataLoader batch or the penalty see them), with no string matching per row: one
// feature's groups are its own, in id order; several give their intersection, in the order of
// datasets::intersection: the observed combinations only, or with all_combinations every
// combination of the values each feature shows in these rows (as make_groups).
Groups groups_of(const std::vector<datasets::SensitiveFeature>& features, bool all_combinations = false);

// The same groups (labels, levels, indices) restricted to `rows` in that order (rows may repeat,
// as in a bootstrap resample); counts are recomputed.
Groups take_rows(const Groups& groups, const std::vector<size_t>& rows);

// Joins values with '|'.
std::string join_label(const std::vector<std::string>& values);

}  // namespace candor::fairness
