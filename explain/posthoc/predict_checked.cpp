#include "explain/posthoc/predict_checked.h"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

std::vector<double> predict_checked(const Predictor& predict, const Matrix& rows, std::string_view who) {
  std::vector<double> out = predict(rows);
  if (out.size() != rows.rows) {
    throw ValueError(fmt::format("{}: the model returned {} outputs for {} rows", who, out.size(), rows.rows));
  }
  for (size_t r = 0; r < out.size(); ++r) {
    if (!std::isfinite(out[r])) {
      throw ValueError(fmt::format("{}: the model returned {} for row {} of a batch", who, out[r], r));
    }
  }
  return out;
}

}  // namespace candor::explain
