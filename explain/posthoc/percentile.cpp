#include "explain/posthoc/percentile.h"

#include <cmath>
#include <cstddef>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw ValueError("quantile: no values");
  if (!(q >= 0.0 && q <= 1.0)) throw ValueError(fmt::format("quantile: q must be in [0, 1], got {}", q));
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double t = position - static_cast<double>(below);
  return sorted[below] + t * (sorted[below + 1] - sorted[below]);
}

}  // namespace candor::explain
