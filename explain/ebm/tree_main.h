// One boosting update for a main effect (reference sections 3.3 and 3.5), computed from the term's
// histogram: per bin, the gradient and hessian sums and the row count of the bag's training rows.
//
// best_main_update grows a best-first tree of at most max_leaves leaves over the ordered bins
// (with the default max_leaves = 2, one stump). Ties between equally good cut positions (empty bins
// make plateaus) are broken at random.
//  - Continuous features: bins in index order. When the bag's training rows have missing values
//    (and there are at least 2 ordinary bins), the missing bin is its own leaf ('separate').
//  - Nominal features: categories with fewer than min_cat_samples rows are pooled ("dregs"); the
//    others are sorted by G / (H + cat_smooth) and cut like an ordered feature, with the dregs tried
//    at either end. The missing bin is one more category.
//  - A monotone constraint (+1 increasing, -1 decreasing) makes a cut legal only if the two leaf
//    values keep that order; monotone terms use stumps whatever max_leaves says.
// With no legal cut the update is one leaf (the Newton step of all bins) and the gain is 0.
//
// random_main_update (smoothing rounds) cuts at min(max_leaves - 1, bins - 1) gaps drawn uniformly
// without replacement and gives each piece its Newton step (0 for a piece without rows), with no
// leaf-size checks. For a monotone term a random update that breaks the order is replaced by the
// one-leaf update (InterpretML leaves random updates unconstrained; we keep the constraint exact).
//
// Both write update[b] = -learning_rate * G/H of the leaf holding bin b and return the total gain
// (children minus parents, summed over the splits made; random updates return 0).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/generator.h"
#include "explain/ebm/newton.h"

namespace candor::explain::ebm {

struct MainTreeParams {
  size_t max_leaves = 2;
  LeafRules rules;
  double learning_rate = 0.015;
  int monotone = 0;
  bool nominal = false;
  uint64_t min_cat_samples = 10;
  double cat_smooth = 10.0;
};

// hist: 2 * n_bins doubles (G, H per bin); counts: rows per bin.
double best_main_update(const double* hist, const uint32_t* counts, size_t n_bins,
                        const MainTreeParams& params, Generator& gen, double* update);
double random_main_update(const double* hist, const uint32_t* counts, size_t n_bins,
                          const MainTreeParams& params, Generator& gen, double* update);

}  // namespace candor::explain::ebm
