// Outer bags (reference section 2): each bag is a train/validation split without replacement,
// drawn with the bag's own Generator.
//  - Classification: stratified. With n_train = n - floor(n * validation_size), class c (n_c rows)
//    first gets max(0, floor(n_train * n_c / n) - 1) training rows; the remaining training slots go
//    one at a time to the class whose count is furthest below its ideal n_train * n_c / n (ties
//    drawn at random, classes full excluded); then each class's training rows are drawn uniformly.
//  - Regression: n_train rows drawn uniformly.
//  - No validation rows (validation_size 0): every row trains and nothing is drawn.
// Bag seeds: drawn from Generator(seed), re-drawn if one repeats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/generator.h"

namespace candor::explain::ebm {

struct BagSplit {
  std::vector<size_t> train, validation;  // sorted row indexes
};

BagSplit draw_bag(const std::vector<double>& y, bool stratified, double validation_size,
                  Generator& gen);

std::vector<uint64_t> bag_seeds(uint64_t seed, size_t bags);

}  // namespace candor::explain::ebm
