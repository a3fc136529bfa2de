#include "datasets/split.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "engine/ops/ops.h"

namespace candor::datasets {
namespace {

// label -> its rows, in increasing label order; DataError naming the first NaN label.
std::map<double, std::vector<size_t>> rows_by_class(const std::vector<double>& labels, const char* caller) {
  std::map<double, std::vector<size_t>> classes;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (std::isnan(labels[i])) throw DataError(fmt::format("{}: label {} is NaN", caller, i));
    classes[labels[i]].push_back(i);
  }
  return classes;
}

void sort_parts(Split& split) {
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.test.begin(), split.test.end());
}

}  // namespace

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
  Generator gen(seed);
  Split split;
  for (const auto& [label, rows] : rows_by_class(labels, "stratified_split")) {
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
  sort_parts(split);
  return split;
}

Split stratified_fold_split(const std::vector<double>& labels, int64_t folds, int64_t fold,
                            double validation_fraction, uint64_t seed) {
  if (folds < 2 || fold < 0 || fold >= folds) {
    throw DataError(fmt::format("stratified_fold_split: fold {} of {} folds: need at least 2 folds and "
                                "a fold from 0 to folds - 1", fold, folds));
  }
  if (static_cast<uint64_t>(folds) > labels.size()) {
    throw DataError(fmt::format("stratified_fold_split: {} folds of {} rows: more folds than rows", folds, labels.size()));
  }
  if (!(validation_fraction >= 0 && validation_fraction < 1)) {
    throw DataError(fmt::format("stratified_fold_split: validation fraction {} must be in [0, 1)", validation_fraction));
  }
  Generator gen(seed);
  Split split;
  for (const auto& label_rows : rows_by_class(labels, "stratified_fold_split")) {
    const std::vector<size_t>& rows = label_rows.second;  // a name, not a structured binding: lambdas capture it
    const auto n = static_cast<int64_t>(rows.size());
    const int64_t lo = fold * n / folds, hi = (fold + 1) * n / folds;
    const int64_t rest = n - (hi - lo);
    const auto n_val = static_cast<int64_t>(std::llround(static_cast<double>(rest) * validation_fraction));
    std::vector<int64_t> order = permutation(n, &gen).to_vector<int64_t>();
    auto row_at = [&](int64_t position) { return rows[static_cast<size_t>(order[static_cast<size_t>(position % n)])]; };
    for (int64_t k = lo; k < hi; ++k) split.test.push_back(row_at(k));
    for (int64_t k = 0; k < rest; ++k) (k < n_val ? split.validation : split.train).push_back(row_at(hi + k));
  }
  sort_parts(split);
  return split;
}

}  // namespace candor::datasets
