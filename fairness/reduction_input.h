// The checks both reductions (ExponentiatedGradient, GridSearch) make on their inputs before any
// learner call, so that a bad input ends with one line naming it rather than deep in a fit.
#pragma once

#include <vector>

#include "datasets/sensitive.h"
#include "engine/tensor.h"

namespace candor::fairness {

// ValueError, prefixed with `who`, unless x is [N, F] with N >= 1 and every value finite, y holds
// N labels each 0 or 1, and `group` has N rows.
void check_reduction_input(const Tensor& x, const std::vector<double>& y, const datasets::SensitiveFeature& group,
                           const char* who);

}  // namespace candor::fairness
