// What a post-hoc explainer sees of a model: a batch of encoded rows in, one number per row out
// (a logit or a probability, as the caller chooses), and the "players" whose effects it reports.
// Every explainer here is model-agnostic except the gradient ones (gradients.h), which need the
// model as a differentiable tensor function.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "engine/generator.h"
#include "engine/tensor.h"

namespace candor::explain {

// Rows of model inputs, row-major in double precision: row r, column c is values[r * cols + c].
struct Matrix {
  size_t rows = 0, cols = 0;
  std::vector<double> values;

  Matrix() = default;
  Matrix(size_t rows, size_t cols, double fill = 0.0);
  double& operator()(size_t r, size_t c) { return values[r * cols + c]; }
  double operator()(size_t r, size_t c) const { return values[r * cols + c]; }
  double* row(size_t r) { return values.data() + r * cols; }
  const double* row(size_t r) const { return values.data() + r * cols; }
  // The listed rows, in the listed order (ValueError naming an index out of range).
  Matrix take_rows(const std::vector<size_t>& indices) const;
};

// [N, F] tensor (any floating dtype) <-> Matrix.
Matrix matrix_from_tensor(const Tensor& x);
Tensor tensor_from_matrix(const Matrix& m, DType dtype = kFloat32);
// Rows [begin, begin + n) of m as an [n, F] float32 or float64 tensor, converted in one pass.
Tensor tensor_from_rows(const Matrix& m, size_t begin, size_t n, DType dtype = kFloat32);

// The model as the explainers call it: one output per row of the batch, in row order. Explainers
// batch their calls (thousands of rows at a time), so a model's own vectorised forward pays off.
using Predictor = std::function<std::vector<double>(const Matrix&)>;
// sigmoid of another predictor's output: explain a probability with a model that gives logits.
Predictor probability_of(Predictor logits);

// A player: input columns an explainer moves together and reports as one. The one-hot columns of
// one raw categorical feature are one player, because the raw feature is what a user asks about.
struct Player {
  std::string name;
  std::vector<size_t> columns;
};
// One player per raw column the encoder reads, in the encoder's feature order.
std::vector<Player> players_of(const datasets::Encoder& encoder);
// One player per column, named by `names`.
std::vector<Player> one_player_per_column(const std::vector<std::string>& names);
// ValueError unless every player has at least one column, every column is < `cols` and no column
// belongs to two players.
void check_players(const std::vector<Player>& players, size_t cols);
// ValueError naming `what` unless m has `cols` columns and at least one row.
void check_columns(const Matrix& m, size_t cols, const std::string& what);

// Rows standing for "feature absent": an explainer replaces a player's columns by theirs and
// averages the model's output over them with these weights (which sum to 1).
struct Background {
  Matrix rows;
  std::vector<double> weights;
};
// `n` rows drawn without replacement (all rows, in order, when n >= data.rows), equal weights.
Background sample_background(const Matrix& data, size_t n, Generator& gen);
// k-means summary (as SHAP's shap.kmeans): k centroids found by Lloyd's algorithm from a k-means++
// start (Arthur & Vassilvitskii 2007), each weighted by the share of rows assigned to it. A column
// whose values are all 0 or 1 (a one-hot column) keeps, per centroid, the value of the data row
// nearest to it, so a summary never holds half a category.
Background kmeans_background(const Matrix& data, size_t k, Generator& gen, size_t iterations = 100);
// Uniform in [0, 1) and standard normal draws for host-side sampling (53 bits; Box-Muller).
double uniform01(Generator& gen);
double standard_normal(Generator& gen);

}  // namespace candor::explain
