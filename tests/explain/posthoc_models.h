// Small models with known attributions for the post-hoc explainer tests, all in double precision.
#pragma once

#include <cmath>
#include <stdexcept>
#include <vector>

#include "engine/generator.h"
#include "engine/ops/ops.h"
#include "explain/posthoc/gradients.h"
#include "explain/posthoc/inputs.h"

namespace candor::explain::testing {

// Rows of independent N(mean_c, 1) columns.
inline Matrix normal_rows(size_t rows, size_t cols, uint64_t seed) {
  Generator gen(seed);
  Matrix m(rows, cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) m(r, c) = 0.1 * static_cast<double>(c) + standard_normal(gen);
  }
  return m;
}

// f(x) = intercept + w . x
inline Predictor linear(std::vector<double> w, double intercept) {
  return [w = std::move(w), intercept](const Matrix& rows) {
    std::vector<double> out(rows.rows, intercept);
    for (size_t r = 0; r < rows.rows; ++r) {
      for (size_t c = 0; c < rows.cols; ++c) out[r] += w[c] * rows(r, c);
    }
    return out;
  };
}

// A linear model plus interactions, so that Shapley values are not the linear terms; rows of at
// least 7 columns, one weight per column.
inline Predictor with_interactions(std::vector<double> w) {
  return [w = std::move(w)](const Matrix& rows) {
    if (rows.cols < 7 || rows.cols != w.size()) throw std::logic_error("with_interactions: 7+ columns, a weight each");
    std::vector<double> out(rows.rows, 0.0);
    for (size_t r = 0; r < rows.rows; ++r) {
      for (size_t c = 0; c < rows.cols; ++c) out[r] += w[c] * rows(r, c);
      out[r] += rows(r, 0) * rows(r, 1) + 0.5 * rows(r, 2) * rows(r, 3) * rows(r, 4) + std::sin(rows(r, 5) * rows(r, 6));
    }
    return out;
  };
}

// A fixed two-layer tanh network F -> 8 -> 1 as a differentiable tensor function.
inline TensorFunction tanh_network(size_t cols, uint64_t seed) {
  Generator gen(seed);
  std::vector<double> w1(cols * 8), b1(8), w2(8);
  for (double& v : w1) v = 0.7 * standard_normal(gen);
  for (double& v : b1) v = 0.3 * standard_normal(gen);
  for (double& v : w2) v = standard_normal(gen);
  const int64_t f = static_cast<int64_t>(cols);
  return [=](const Tensor& x) {
    const Tensor W1 = from_vector(w1, {f, 8}).to(x.dtype()), B1 = from_vector(b1, {8}).to(x.dtype());
    const Tensor W2 = from_vector(w2, {8, 1}).to(x.dtype());
    return matmul(tanh(matmul(x, W1) + B1), W2);
  };
}

}  // namespace candor::explain::testing
