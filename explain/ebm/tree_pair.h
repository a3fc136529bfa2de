// One boosting update for a pair term (reference sections 3.4 and 3.5), from the term's 2-D
// histogram over n0 x n1 cells (row-major, the first feature's bin slowest).
//
// best_pair_update searches every tree with one cut on each dimension: cut dimension A at i, then
// dimension B at j on one side of that cut, for both dimension orders, both sides and all (i, j):
// three leaves, each needing min_samples_leaf rows and min_hessian. The best gain wins (the first
// found on exact ties); with no legal tree the update is one leaf. max_leaves does not apply.
// random_pair_update (smoothing rounds) cuts each dimension at one uniformly drawn gap and gives
// each of the 4 pieces its Newton step (0 for a piece without rows).
// Both write update[cell] = -learning_rate * G/H of the cell's leaf and return the gain (0 for
// random updates).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/generator.h"
#include "explain/ebm/newton.h"

namespace candor::explain::ebm {

double best_pair_update(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                        const LeafRules& rules, double learning_rate, double* update);
double random_pair_update(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                          double learning_rate, Generator& gen, double* update);

}  // namespace candor::explain::ebm
