#include "fairness/reduction_input.h"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

void check_reduction_input(const Tensor& x, const std::vector<double>& y, const datasets::SensitiveFeature& group,
                           const char* who) {
  if (!x.defined() || x.dim() != 2) {
    throw ValueError(fmt::format("{}: x must be [N, F], got {} dimensions", who, x.defined() ? x.dim() : 0));
  }
  const int64_t n = x.size(0), f = x.size(1);
  if (n == 0) throw ValueError(fmt::format("{}: x has no rows", who));
  if (static_cast<int64_t>(y.size()) != n) {
    throw ValueError(fmt::format("{}: x has {} rows but y has {} labels", who, n, y.size()));
  }
  if (group.rows() != n) {
    throw ValueError(fmt::format("{}: x has {} rows but the sensitive feature {} has {}", who, n, quote_value(group.name),
                                 group.rows()));
  }
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != 0 && y[i] != 1) throw ValueError(fmt::format("{}: label {} at row {} is not 0 or 1", who, y[i], i));
  }
  const std::vector<double> values = x.to_vector<double>();
  for (size_t k = 0; k < values.size(); ++k) {
    if (!std::isfinite(values[k])) {
      throw ValueError(fmt::format("{}: x[{}, {}] is {}, not a finite number", who, static_cast<int64_t>(k) / f,
                                   static_cast<int64_t>(k) % f, values[k]));
    }
  }
}

}  // namespace candor::fairness
