#include "explain/posthoc/dependence.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "explain/posthoc/percentile.h"
#include "explain/posthoc/predict_checked.h"

namespace candor::explain {

namespace {

void check_options(const DependenceOptions& o, size_t rows) {
  if (o.grid_resolution < 2 || o.grid_resolution > 100000) {
    throw ValueError(fmt::format("partial dependence: grid_resolution must be in [2, 100000], got {}", o.grid_resolution));
  }
  if (!(o.lower_percentile >= 0.0 && o.lower_percentile < o.upper_percentile && o.upper_percentile <= 1.0)) {
    throw ValueError(fmt::format("partial dependence: percentiles must satisfy 0 <= lower < upper <= 1, got {} and {}",
                                 o.lower_percentile, o.upper_percentile));
  }
  if (o.weights.empty()) return;
  if (o.weights.size() != rows) {
    throw ValueError(fmt::format("partial dependence: {} weights for {} rows", o.weights.size(), rows));
  }
  double total = 0;
  for (double w : o.weights) {
    if (!(w >= 0.0) || !std::isfinite(w)) {
      throw ValueError(fmt::format("partial dependence: weights must be finite and >= 0, got {}", w));
    }
    total += w;
  }
  if (!(total > 0.0)) throw ValueError("partial dependence: the weights sum to 0");
}

Matrix grid_of(const Matrix& rows, const Player& player, const DependenceOptions& o) {
  const size_t width = player.columns.size();
  if (width > 1) {  // one-hot: category k is column k set to 1
    Matrix grid(width, width);
    for (size_t k = 0; k < width; ++k) grid(k, k) = 1.0;
    return grid;
  }
  std::vector<double> values(rows.rows);
  for (size_t r = 0; r < rows.rows; ++r) values[r] = rows(r, player.columns[0]);
  std::sort(values.begin(), values.end());
  std::vector<double> distinct = values;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (o.categorical || distinct.size() < o.grid_resolution) {
    Matrix grid(distinct.size(), 1);
    grid.values = distinct;
    return grid;
  }
  double lo = quantile_of_sorted(values, o.lower_percentile);
  double hi = quantile_of_sorted(values, o.upper_percentile);
  if (!(lo < hi)) {  // a spike (capital-loss: 95% zeros): the whole range instead of sklearn's error
    lo = values.front();
    hi = values.back();
  }
  Matrix grid(o.grid_resolution, 1);
  const double steps = static_cast<double>(o.grid_resolution - 1);
  for (size_t g = 0; g < o.grid_resolution; ++g) grid(g, 0) = lo + (hi - lo) * static_cast<double>(g) / steps;
  grid(o.grid_resolution - 1, 0) = hi;  // exact end point, whatever the rounding above
  return grid;
}

}  // namespace

Dependence partial_dependence(const Matrix& rows, const Player& player, const Predictor& predict,
                              const DependenceOptions& options) {
  check_columns(rows, rows.cols, "partial dependence rows");
  check_players({player}, rows.cols);
  check_options(options, rows.rows);

  Dependence out;
  out.grid = grid_of(rows, player, options);
  const size_t points = out.grid.rows;
  out.ice = Matrix(rows.rows, points);
  out.average.assign(points, 0.0);
  double total = 0;
  for (size_t r = 0; r < rows.rows; ++r) total += options.weights.empty() ? 1.0 : options.weights[r];

  Matrix batch = rows;
  for (size_t g = 0; g < points; ++g) {
    for (size_t r = 0; r < rows.rows; ++r) {
      for (size_t k = 0; k < player.columns.size(); ++k) batch(r, player.columns[k]) = out.grid(g, k);
    }
    const std::vector<double> f = predict_checked(predict, batch, "partial dependence");
    for (size_t r = 0; r < rows.rows; ++r) {
      out.ice(r, g) = f[r];
      out.average[g] += (options.weights.empty() ? 1.0 : options.weights[r]) * f[r];
    }
    out.average[g] /= total;
  }
  return out;
}

}  // namespace candor::explain
