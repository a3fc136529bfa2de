// FAST interaction detection (Lou et al. 2013; reference section 5): how much a pair of features
// explains of the current residuals beyond what is already modelled.
//
// For the 2-D gradient/hessian histogram of a pair over a bag's training rows, every pair of cuts
// (one per axis) splits the grid into 4 quadrants; a cut pair is legal when every quadrant has
// min_samples_leaf rows and min_hessian hessian. The strength is
//   (max over legal cut pairs of sum_q G_q^2 / H_q  -  G^2 / H of the whole grid) / total weight,
// and 0 when no cut pair is legal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "explain/ebm/newton.h"

namespace candor::explain::ebm {

double fast_strength(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                     const LeafRules& rules, double total_weight);

// Merges per-bag strengths (strengths[bag][pair]) by mean rank: within a bag, pairs are ranked by
// strength, strongest first (rank 0; ties keep the pair order); the `count` pairs with the
// smallest mean rank over bags are returned (ties: the earlier pair), best first.
std::vector<size_t> select_pairs_by_rank(const std::vector<std::vector<double>>& strengths,
                                         size_t count);

}  // namespace candor::explain::ebm
