#include <vector>

#include <doctest/doctest.h>

#include "datasets/quantile_edges.h"

using candor::datasets::quantile_edges;
using Doubles = std::vector<double>;

TEST_CASE("quantile_edges: the minimum, the bins' quantiles and the maximum of distinct values") {
  // 9 values, 4 bins: the values at floor(i * 8 / 4), i = 0..4.
  CHECK(quantile_edges({9, 1, 8, 2, 7, 3, 6, 4, 5}, 4) == Doubles{1, 3, 5, 7, 9});
  // More bins than distinct values: every value once.
  CHECK(quantile_edges({3, 1, 2}, 16) == Doubles{1, 2, 3});
}

TEST_CASE("quantile_edges: an atom is an edge of its own and the other values get the bins") {
  // 0 holds 8 of 12 rows (> 1/4): plain quantiles would be 0, 0, 0, 1, 4; here the four nonzero
  // values are cut at floor(i * 3 / 4) = 0, 0, 1, 2, 3.
  CHECK(quantile_edges({0, 0, 0, 0, 4, 0, 0, 3, 0, 2, 0, 1}, 4) == Doubles{0, 1, 2, 3, 4});
  // Two atoms and nothing else.
  CHECK(quantile_edges({5, 5, 5, 7, 7, 7}, 4) == Doubles{5, 7});
  // A value at exactly 1/bins of the rows is not an atom: quantiles at floor(i * 7 / 4).
  CHECK(quantile_edges({1, 1, 2, 3, 4, 5, 6, 7}, 4) == Doubles{1, 3, 5, 7});
}

TEST_CASE("quantile_edges: a constant column has one edge (no bin), no values none") {
  CHECK(quantile_edges({2.5, 2.5, 2.5}, 8) == Doubles{2.5});
  CHECK(quantile_edges({}, 8).empty());
}

TEST_CASE("distinct_in_float32: edges float32 cannot tell apart, or whose slope overflows, are not") {
  CHECK(candor::datasets::distinct_in_float32(0.0, 1.0));
  CHECK_FALSE(candor::datasets::distinct_in_float32(1.0, 1.0 + 1e-12));
  CHECK_FALSE(candor::datasets::distinct_in_float32(1.0, 0.5));
  CHECK_FALSE(candor::datasets::distinct_in_float32(0.0, 1e-45));  // the smallest float: 1 / width is inf
}
