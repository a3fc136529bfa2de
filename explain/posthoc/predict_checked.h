// One call of a Predictor with its answer checked: one finite number per row. Every explainer
// turns a model's NaN into a clear error here rather than into NaN attributions further on.
#pragma once

#include <string_view>
#include <vector>

#include "explain/posthoc/inputs.h"

namespace candor::explain {

// ValueError naming `who` when the predictor returns the wrong number of outputs or a value that
// is not finite (naming the first such row and its value).
std::vector<double> predict_checked(const Predictor& predict, const Matrix& rows, std::string_view who);

}  // namespace candor::explain
