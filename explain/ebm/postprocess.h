// Post-processing of the bagged models (reference section 6).
//  - Each bag's term is centred: its bin_weights-weighted mean (weights of all training rows) is
//    subtracted and added to the bag's intercept. Pairs are centred, not purified.
//  - The missing slice (index 0) and the unseen slice (last index) of each axis are set to 0 where
//    they have no training weight.
//  - Bags are averaged with weights bag_weights (each bag's training weight); the per-cell
//    standard deviation is the weighted population one.
//  - The intercept is then re-fitted on all training rows with the averaged model (log loss: 100
//    Newton steps at learning rate 0.25 on the intercept alone; rmse: plus the mean residual).
#pragma once

#include <cstddef>
#include <vector>

#include "explain/ebm/objective.h"

namespace candor::explain::ebm {

// Subtracts the weighted mean from `scores` and returns it (0 when the weights sum to 0).
double center_scores(std::vector<double>& scores, const std::vector<double>& bin_weights);

// Zeroes the first and last slice along each axis of `shape` where the slice has no weight.
void zero_empty_edges(std::vector<double>& scores, const std::vector<double>& bin_weights,
                      const std::vector<size_t>& shape);

// Weighted mean and population standard deviation across bags, per cell.
void average_bags(const std::vector<std::vector<double>>& bagged,
                  const std::vector<double>& bag_weights, std::vector<double>& mean,
                  std::vector<double>& std_dev);
double weighted_mean(const std::vector<double>& values, const std::vector<double>& weights);

// The intercept change that calibrates `scores` (per row, intercept included) to labels y.
double intercept_shift(Objective objective, const std::vector<double>& scores,
                       const std::vector<double>& y, const std::vector<double>& weights,
                       size_t rounds, double learning_rate);

}  // namespace candor::explain::ebm
