// Feature typing and binning, as InterpretML does it (reference: ebm-algorithm.md, section 1).
//
// A feature is continuous when its Table column is numeric and nominal when it is categorical (or
// named in `nominal`). Every feature's bins are laid out as
//   continuous: [missing | (-inf, c0) | [c0, c1) | ... | [c_last, +inf) | unseen]  (cuts + 3 bins)
//   nominal:    [missing | category 1 | ... | category K | unseen]                 (K + 2 bins)
// Bin 0 holds missing values, the last bin values never seen in training (a category, or a
// non-number in a continuous column). Cuts are lower-bound inclusive: x == c goes up.
// Two resolutions exist for continuous features: `cuts` (max_bins, for main effects) and
// `interaction_cuts` (max_interaction_bins, for pairs). Nominal features keep every category at
// both levels. Numeric values: NaN is missing; +inf and -inf are ordinary extreme values (they go
// to the last and first interval).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "datasets/table.h"

namespace candor::explain::ebm {

enum class FeatureKind { Continuous, Nominal };

// Binning level: mains use max_bins, pairs max_interaction_bins.
enum class BinLevel { Main = 0, Pair = 1 };

struct FeatureBins {
  std::string name;
  FeatureKind kind = FeatureKind::Continuous;
  std::vector<double> cuts;              // continuous, main level
  std::vector<double> interaction_cuts;  // continuous, pair level
  std::vector<std::string> categories;   // nominal: category k (0-based) is bin k + 1

  // Bins including missing (0) and unseen (last).
  size_t bin_count(BinLevel level) const;
  const std::vector<double>& cuts_at(BinLevel level) const {
    return level == BinLevel::Main ? cuts : interaction_cuts;
  }
};

struct BinningOptions {
  size_t max_bins = 1024;             // main-effect bins per continuous feature (incl. missing, unseen)
  size_t max_interaction_bins = 64;   // the same for pairs
  std::vector<std::string> nominal;   // numeric columns to treat as nominal
};

// Quantile cut points of `values` (NaN ignored, +-inf treated as the largest finite doubles):
// at most max_bins - 3 cuts, each the midpoint of two adjacent distinct values. See binning.cpp
// for the rules (equal-count bins, long runs of one value kept whole).
std::vector<double> cut_quantile(std::vector<double> values, size_t max_bins);

// 0 for NaN, else 1 + (number of cuts <= x).
size_t discretize(double x, const std::vector<double>& cuts);

// The text a number has as a category: integers without ".0" ("3", not "3.0"), others with the
// shortest round-trip digits.
std::string category_key(double value);

// Types and bins the columns `features` of `table` (each must exist; DataError otherwise).
std::vector<FeatureBins> fit_bins(const datasets::Table& table,
                                  const std::vector<std::string>& features,
                                  const BinningOptions& options);

// Bin index of every row of `column` for `feature` at `level`.
std::vector<uint32_t> bin_column(const FeatureBins& feature, const datasets::Column& column,
                                 BinLevel level);

}  // namespace candor::explain::ebm
