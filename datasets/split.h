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

}  // namespace candor::datasets
