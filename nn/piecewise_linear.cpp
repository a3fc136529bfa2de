#include "nn/piecewise_linear.h"

#include <fmt/format.h>

#include "datasets/quantile_edges.h"
#include "engine/engine.h"

namespace candor::nn {

PiecewiseLinear::PiecewiseLinear(const datasets::Encoder& encoder)
    : in_features_(static_cast<int64_t>(encoder.num_features())) {
  std::vector<int64_t> columns;
  std::vector<float> lower, inverse_width;
  int64_t column = 0;
  for (const datasets::Encoder::Feature& f : encoder.features()) {
    const bool one_hot = f.type == datasets::ColumnType::Categorical && encoder.options().one_hot;
    for (size_t t = 1; t < f.edges.size(); ++t) {
      if (!datasets::distinct_in_float32(f.edges[t - 1], f.edges[t])) {
        throw ValueError(fmt::format("PiecewiseLinear: feature \"{}\" has bin edges {} and {}, not distinct in float32",
                                     f.column, f.edges[t - 1], f.edges[t]));
      }
      const auto low = static_cast<float>(f.edges[t - 1]), high = static_cast<float>(f.edges[t]);
      columns.push_back(column);
      lower.push_back(low);
      inverse_width.push_back(1.0f / (high - low));
    }
    column += one_hot ? static_cast<int64_t>(f.categories.size()) : 1;
  }
  const auto bins = static_cast<int64_t>(columns.size());
  columns_ = register_buffer("columns", from_vector(columns, {bins}));
  lower_ = register_buffer("lower", from_vector(lower, {bins}));
  inverse_width_ = register_buffer("inverse_width", from_vector(inverse_width, {bins}));
}

int64_t PiecewiseLinear::out_features() const { return in_features_ + columns_.size(0); }

Tensor PiecewiseLinear::forward(const Tensor& x) {
  if (x.dim() != 2 || x.size(1) != in_features_) {
    throw ShapeError(fmt::format("PiecewiseLinear: expected [N, {}] inputs, got {}", in_features_,
                                 format_shape(x.shape())));
  }
  if (columns_.size(0) == 0) return x;
  const Tensor position = (index_select(x, 1, columns_) - lower_) * inverse_width_;  // [N, B]
  return concat({x, clamp(position, 0.0, 1.0)}, 1);
}

}  // namespace candor::nn
