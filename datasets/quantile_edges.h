// Bin edges at the quantiles of a column's training values, for the piecewise-linear encoding of
// numbers (Gorishniy, Rubachev & Babenko, "On Embeddings for Numerical Features in Tabular Deep
// Learning", NeurIPS 2022, section 3.2: bins from empirical quantiles).
//
// Many real columns have an atom, one value most rows hold (Adult's capital-gain is 0 for 92% of
// the rows, hours-per-week 40 for 47%): plain quantiles then fall on the atom and the rest of the
// column gets almost no bins. So an atom (a value held by more than 1/bins of the rows) is an edge
// of its own, and the quantiles are taken over the other values:
//   edges = sorted unique( atoms  U  { w[floor(i (m - 1) / bins)] : i = 0..bins } ),
// w the m sorted values that are not atoms. Edges are strictly increasing; fewer than two edges
// (a constant column) means no bin.
#pragma once

#include <cstdint>
#include <vector>

namespace candor::datasets {

// `values` finite (the caller has dropped missing ones); bins >= 1.
std::vector<double> quantile_edges(std::vector<double> values, int64_t bins);

// Whether the bin [low, high] keeps a positive, finite slope 1 / (high - low) once both edges are
// float32 (the model's precision).
bool distinct_in_float32(double low, double high);

}  // namespace candor::datasets
