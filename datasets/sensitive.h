// A sensitive feature of N rows: each row's group as an id, and each group's name. The one type
// that datasets, the fairness penalty and the fairness metrics share: the encoder makes it, a
// DataLoader batches it, the penalty reads the ids and fairness::groups_of builds a MetricFrame's
// groups from ids and names without going through strings row by row.
//
// Several features combine into their intersection, one group per combination of values, named
// by joining the values with '|' as Fairlearn's MetricFrame labels them ("Female|Black"):
//   id = sum_k id_k * stride_k,  stride_k = product of the group counts of the features after k
// so ids run over the combinations in lexicographic order of the features' own ids.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace candor::datasets {

inline constexpr char kGroupSeparator = '|';

struct SensitiveFeature {
  std::string name;                 // the column, e.g. "sex"; "sex|race" for an intersection
  std::vector<std::string> groups;  // id -> group name, e.g. {"Female", "Male"}
  Tensor ids;                       // [N] int64 in [0, groups.size())

  size_t size() const { return groups.size(); }
  int64_t rows() const { return ids.defined() ? ids.size(0) : 0; }
  // values()[row]: the name of the row's group.
  std::vector<std::string> values() const;
  // The same feature on the rows at `index` ([M] int64).
  SensitiveFeature take(const Tensor& index) const;
};

// The groups of a numeric attribute cut at increasing points c_1 < ... < c_k: "<c_1",
// "[c_1, c_2)", ..., ">=c_k" ("<25" and ">=25" for age cut at 25); a value's group is the number
// of cut points <= it.
std::vector<std::string> bin_labels(const std::vector<double>& cuts);
int64_t bin_of(const std::vector<double>& cuts, double value);

// The intersection of `features` (one feature: itself). ValueError for an empty list, features
// of different lengths, or more than 2^31 combinations.
SensitiveFeature intersection(const std::vector<SensitiveFeature>& features);

// The feature called `name`; DataError listing the names when there is none.
const SensitiveFeature& find_feature(const std::vector<SensitiveFeature>& features, const std::string& name);
// The features called `names`, in that order.
std::vector<SensitiveFeature> select_features(const std::vector<SensitiveFeature>& features,
                                              const std::vector<std::string>& names);

}  // namespace candor::datasets
