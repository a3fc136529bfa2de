// The rows of a sensitive feature as the mitigations read them: each row's group id, checked
// against the number of rows the caller has, and the rows of each group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/sensitive.h"

namespace candor::fairness {

// ids[row] of `feature`, as size_t. ValueError, prefixed with `who` ("threshold optimizer"), when
// the feature has no ids, another number of rows than `rows`, or an id outside its groups.
std::vector<size_t> feature_ids(const datasets::SensitiveFeature& feature, size_t rows, const std::string& who);

// The group ids that have rows, ordered by group name (byte order, as pandas' groupby sorts).
std::vector<size_t> groups_by_name(const datasets::SensitiveFeature& feature, const std::vector<size_t>& ids);

// "Female, Male": names joined for a message.
std::string join_groups(const std::vector<std::string>& names);

}  // namespace candor::fairness
