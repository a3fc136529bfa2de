// Percentiles of a sample, by linear interpolation between order statistics (Hyndman & Fan 1996,
// definition 7; numpy's default): the q-quantile of sorted x_0 <= ... <= x_{n-1} is read at
// position q (n - 1), between the two values around it.
#pragma once

#include <vector>

namespace candor::explain {

// `sorted` ascending and non-empty; q in [0, 1] (ValueError otherwise).
double quantile_of_sorted(const std::vector<double>& sorted, double q);

}  // namespace candor::explain
