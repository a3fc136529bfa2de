#include "datasets/quantile_edges.h"

#include <algorithm>
#include <cmath>

namespace candor::datasets {

std::vector<double> quantile_edges(std::vector<double> values, int64_t bins) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  std::vector<double> edges, others;
  for (size_t start = 0; start < n;) {
    size_t end = start;
    while (end < n && values[end] == values[start]) ++end;
    // count / n > 1 / bins, in integers
    if ((end - start) * static_cast<size_t>(bins) > n) {
      edges.push_back(values[start]);
    } else {
      others.insert(others.end(), values.begin() + static_cast<std::ptrdiff_t>(start),
                    values.begin() + static_cast<std::ptrdiff_t>(end));
    }
    start = end;
  }
  if (!others.empty()) {
    const size_t m = others.size();
    for (int64_t i = 0; i <= bins; ++i) {
      edges.push_back(others[static_cast<size_t>(i) * (m - 1) / static_cast<size_t>(bins)]);
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

bool distinct_in_float32(double low, double high) {
  const auto lo = static_cast<float>(low), hi = static_cast<float>(high);
  return hi > lo && std::isfinite(1.0f / (hi - lo));
}

}  // namespace candor::datasets
