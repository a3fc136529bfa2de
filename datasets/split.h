// Seeded stratified train / validation / test splits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace candor::datasets {

struct Split {
  std::vector<size_t> train, validation, test;  // row indices, each list sorted
};

// Splits row indices 0..N-1 so that each label value keeps its share in every part. For each
// distinct label (in increasing order) with n rows: round(n * test_fraction) go to test and
// round(n * validation_fraction) to validation, chosen by candor::permutation under one
// candor::Generator(seed) shared by the classes in that order; the rest go to train.
// Fractions must be in [0, 1) with a sum below 1; labels must not be NaN.
Split stratified_split(const std::vector<double>& labels, double validation_fraction,
                       double test_fraction, uint64_t seed);

// K-fold cross-fitting: test is the `fold`-th of `folds` stratified parts, so the K runs of one
// seed (fold 0..K-1) test every row exactly once and their pooled test predictions measure the
// method on all N rows (the use: a small group whose test share alone cannot resolve a gap).
// For each distinct label (in increasing order) with n rows, candor::permutation under one
// candor::Generator(seed) orders them; fold k's test rows are positions [k n / K, (k+1) n / K).
// The round(r * validation_fraction) rows that follow them in that order (wrapping around; r rows
// are not test) go to validation and the rest to train, so each fold has its own validation rows.
// 2 <= folds <= N, 0 <= fold < folds and validation_fraction in [0, 1); labels must not be NaN.
Split stratified_fold_split(const std::vector<double>& labels, int64_t folds, int64_t fold,
                            double validation_fraction, uint64_t seed);

}  // namespace candor::datasets
