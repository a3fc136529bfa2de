// Partial dependence (Friedman, "Greedy function approximation", Ann. Statist. 2001) and individual
// conditional expectation curves (Goldstein, Kapelner, Bleich & Pitkin, "Peeking inside the black
// box", JCGS 2015) of one player. Row i's ICE curve is f with the player's columns set to a grid
// point and the row's other columns as they are; the partial dependence is the (weighted) mean
// ICE curve. For an additive model f = g(x_S) + h(x_rest) every ICE curve is g plus a row's own
// constant, so the curves are parallel and PD = g + mean h.
// Grid, as scikit-learn's partial_dependence builds it: a number (one column) takes
// grid_resolution evenly spaced values from its lower to its upper percentile (5% and 95%), or
// its distinct values when it has fewer than grid_resolution; a categorical player takes each
// category: one-hot column k set to 1 and the others 0, or each distinct code of a one-column
// categorical. When both percentiles fall on one value (a spike: most rows 0) the grid spans the
// smallest to the largest value instead (scikit-learn raises an error). Percentiles interpolate linearly (percentile.h); scikit-learn's mquantiles uses
// other plotting positions, so its end points can differ slightly.
#pragma once

#include <cstddef>
#include <vector>

#include "explain/posthoc/inputs.h"

namespace candor::explain {

struct DependenceOptions {
  size_t grid_resolution = 20;  // a number's grid points at most; at least 2
  double lower_percentile = 0.05, upper_percentile = 0.95;  // a number's grid range, in [0, 1]
  bool categorical = false;     // a one-column player of category codes (several columns: always)
  std::vector<double> weights;  // per row, for the average; empty: equal weights
};

struct Dependence {
  Matrix grid;                  // one row per grid point: the values the player's columns take
  Matrix ice;                   // rows x grid points
  std::vector<double> average;  // the partial dependence, per grid point
};

// One predictor call per grid point, on all rows. The grid comes from `rows` themselves.
// ValueError on empty rows, a bad player, options out of range, weights that are not one finite
// non-negative number per row with a positive sum, or model
// outputs that are not one finite number per row.
Dependence partial_dependence(const Matrix& rows, const Player& player, const Predictor& predict,
                              const DependenceOptions& options = {});

}  // namespace candor::explain
