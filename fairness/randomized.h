// A randomised classifier, as the mitigations return it (Fairlearn's ExponentiatedGradient and
// ThresholdOptimizer): for each row, the probability p that it is predicted 1. Its metrics are
// expected values over that randomness (Fairlearn's `_pmf_predict`), and a prediction is one
// seeded draw.
#pragma once

#include <cstdint>
#include <vector>

#include "fairness/base_metrics.h"

namespace candor::fairness {

// The rows as the base metrics read a randomised prediction: each row twice, predicted 1 with
// weight w·p and predicted 0 with weight w·(1 − p). Every weighted rate (selection rate, accuracy,
// TPR, ...) is then its expected value; `count` counts each row twice. ValueError for sizes that
// differ or a p outside [0, 1].
Predictions expected_predictions(const std::vector<double>& y_true, const std::vector<double>& p_one,
                                 const std::vector<double>& weight = {});

// One draw: row i is predicted 1 when u_i < p_i, with u_i uniform in [0, 1) from Generator(seed)
// in row order (the same seed gives the same predictions, whatever the thread count).
std::vector<double> sample_predictions(const std::vector<double>& p_one, uint64_t seed);

}  // namespace candor::fairness
