#include "datasets/split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "engine/ops/ops.h"

namespace candor::datasets {

Split stratified_split(const std::vector<double>& labels, double validation_fraction,
                       double test_fraction, uint64_t seed) {
  auto bad_fraction = [](double f) { return !(f >= 0 && f < 1); };
  if (bad_fraction(validation_fraction) || bad_fraction(test_fraction) ||
      !(validation_fraction + test_fraction < 1)) {
    throw DataError(
        fmt::format("stratified_split: validation fraction {} and test fraction {} "
                    "must each be in [0, 1) and sum to less than 1",
                    validation_fraction, test_fraction));
  }
  std::map<double, std::vector<size_t>> classes;  // label -> its rows, in increasing label order
  for (size_t i = 0; i < labels.size(); ++i) {
    if (std::isnan(labels[i])) throw DataError(fmt::format("stratified_split: label {} is NaN", i));
    classes[labels[i]].push_back(i);
  }
  Generator gen(seed);
  Split split;
  for (const auto& [label, rows] : classes) {
    auto n = static_cast<int64_t>(rows.size());
    auto n_test = static_cast<int64_t>(std::llround(static_cast<double>(n) * test_fraction));
    auto n_val = static_cast<int64_t>(std::llround(static_cast<double>(n) * validation_fraction));
    n_val = std::min(n_val, n - n_test);
    std::vector<int64_t> order = permutation(n, &gen).to_vector<int64_t>();
    for (int64_t k = 0; k < n; ++k) {
      std::vector<size_t>& part = k < n_test           ? split.test
                                  : k < n_test + n_val ? split.validation
                                                       : split.train;
      part.push_back(rows[static_cast<size_t>(order[static_cast<size_t>(k)])]);
    }
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

}  // namespace candor::datasets
