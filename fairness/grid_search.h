// GridSearch: the grid-search reduction of Agarwal, Beygelzimer, Dudík, Langford & Wallach (ICML
// 2018, §3.4), as Fairlearn's GridSearch runs it. For each λ of a grid, one learner call fits the
// best response to λ, the classifier minimising err(h) + λ·γ(h): labels [s_i > 0] and weights |s_i|
// with s_i = (2y_i − 1) + constraints.signed_weights(λ)_i (moments.h; unlike ExponentiatedGradient,
// the weights are not rescaled). Each fitted h is deterministic; the chosen one minimises
//   (1 − constraint_weight) · err(h) + constraint_weight · max_k γ_k(h)
// on the training rows (Fairlearn's "tradeoff_optimization" rule; the first of equal ones).
//
// The grid (Fairlearn's _GridGenerator): with d = size of the constraints' basis (moments.h:
// events × (groups − 1)), every integer vector z in Z^d with ‖z‖₁ <= m, listed with the first
// coordinate outermost from −m to m, each next coordinate within the L1 budget left; m is the
// smallest integer, starting from ⌊(grid_size / 2^d)^(1/d) − 1⌋, for which there are at least
// grid_size of them; the first grid_size are kept and scaled by grid_limit/m. Coordinate j of a
// point, c = z_j · grid_limit/m, becomes λ[+, basis_j] = max(c, 0) and λ[−, basis_j] = max(−c, 0).
// For demographic parity with two groups and the defaults: λ = −2, −1.6, ..., 1.6 on the group
// that appears first in the rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sensitive.h"
#include "engine/tensor.h"
#include "fairness/learner.h"
#include "fairness/moments.h"

namespace candor::fairness {

struct GridSearchOptions {
  ParityConstraint constraints;   // DemographicParity with difference_bound 0.01
  double constraint_weight = 0.5; // in [0, 1]
  int64_t grid_size = 10;
  double grid_limit = 2.0;
  // Explicit multipliers, each of K = constraints' size() values >= 0, used instead of the
  // generated grid when not empty (Fairlearn's `grid`).
  std::vector<std::vector<double>> grid;
  void validate() const;  // ValueError naming the option
  nlohmann::json to_json() const;
};

struct GridSearchResult {
  std::vector<ConstraintId> constraints;           // the index of γ and λ [K]
  std::vector<std::vector<double>> lambda_vecs;    // per grid point, λ [K]
  std::vector<std::shared_ptr<const Classifier>> predictors;
  std::vector<double> objectives;                  // per predictor, training error
  std::vector<std::vector<double>> gammas;         // per predictor, γ [K] on the training rows
  std::vector<double> losses;                      // per predictor, the selection rule's value
  size_t best_idx = 0;
  int64_t oracle_calls = 0, constant_calls = 0;
  double oracle_seconds = 0, fit_seconds = 0;

  const Classifier& best() const { return *predictors.at(best_idx); }
  std::vector<double> predict(const Tensor& x) const { return best().predict(x); }
  nlohmann::json to_json() const;
};

// The generated grid for `constraints` (above): grid_size vectors of K multipliers. A grid of one
// point (grid_size 1) is λ = 0.
std::vector<std::vector<double>> make_grid(const UtilityParity& constraints, int64_t grid_size, double grid_limit);

// Fits on x [N, F] (finite), 0/1 labels y [N] and the sensitive feature `group`. ValueError, one
// line, as exponentiated_gradient, and for a grid point of the wrong size.
GridSearchResult grid_search(const Tensor& x, const std::vector<double>& y, const datasets::SensitiveFeature& group,
                             const Learner& learner, const GridSearchOptions& options = {});

}  // namespace candor::fairness
