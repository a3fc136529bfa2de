#include "explain/posthoc/inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::explain {

Matrix::Matrix(size_t r, size_t c, double fill) : rows(r), cols(c), values(r * c, fill) {}

Matrix Matrix::take_rows(const std::vector<size_t>& indices) const {
  Matrix out(indices.size(), cols);
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] >= rows) {
      throw ValueError(fmt::format("row {} is out of range: the data has {} rows", indices[i], rows));
    }
    std::copy(row(indices[i]), row(indices[i]) + cols, out.row(i));
  }
  return out;
}

Matrix matrix_from_tensor(const Tensor& x) {
  if (x.dim() != 2) {
    throw ShapeError(fmt::format("explainers take rows as a 2-D tensor [N, F], got {} dimensions", x.dim()));
  }
  Matrix m(static_cast<size_t>(x.size(0)), static_cast<size_t>(x.size(1)));
  m.values = x.to_vector<double>();
  return m;
}

Tensor tensor_from_matrix(const Matrix& m, DType dtype) { return tensor_from_rows(m, 0, m.rows, dtype); }

Tensor tensor_from_rows(const Matrix& m, size_t begin, size_t n, DType dtype) {
  if (begin + n > m.rows) {
    throw ValueError(fmt::format("rows {} to {} are out of range: the data has {} rows", begin, begin + n, m.rows));
  }
  Tensor t = Tensor::empty({static_cast<int64_t>(n), static_cast<int64_t>(m.cols)}, dtype);
  const double* from = m.row(begin);
  const size_t count = n * m.cols;
  if (dtype == kFloat64) {
    std::copy(from, from + count, t.data<double>());
  } else if (dtype == kFloat32) {
    float* to = t.data<float>();
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; ++i) to[i] = static_cast<float>(from[i]);
  } else {
    throw DTypeError("explainer rows go to a model as float32 or float64");
  }
  return t;
}

Predictor probability_of(Predictor logits) {
  return [logits = std::move(logits)](const Matrix& rows) {
    std::vector<double> out = logits(rows);
    for (double& v : out) v = 1.0 / (1.0 + std::exp(-v));
    return out;
  };
}

std::vector<Player> players_of(const datasets::Encoder& encoder) {
  std::vector<Player> players;
  size_t column = 0;
  for (const auto& f : encoder.features()) {
    const bool one_hot = f.type == datasets::ColumnType::Categorical && encoder.options().one_hot;
    const size_t width = one_hot ? f.categories.size() : 1;
    Player p{f.column, {}};
    for (size_t i = 0; i < width; ++i) p.columns.push_back(column++);
    if (!p.columns.empty()) players.push_back(std::move(p));
  }
  return players;
}

std::vector<Player> one_player_per_column(const std::vector<std::string>& names) {
  std::vector<Player> players;
  for (size_t c = 0; c < names.size(); ++c) players.push_back({names[c], {c}});
  return players;
}

void check_players(const std::vector<Player>& players, size_t cols) {
  if (players.empty()) throw ValueError("explainer: no players (features) to attribute to");
  std::vector<bool> taken(cols, false);
  for (const Player& p : players) {
    if (p.columns.empty()) throw ValueError(fmt::format("explainer: player \"{}\" has no columns", p.name));
    for (size_t c : p.columns) {
      if (c >= cols) {
        throw ValueError(fmt::format("explainer: player \"{}\" names column {}, but the rows have {} columns",
                                     p.name, c, cols));
      }
      if (taken[c]) throw ValueError(fmt::format("explainer: column {} belongs to two players", c));
      taken[c] = true;
    }
  }
}

void check_columns(const Matrix& m, size_t cols, const std::string& what) {
  if (m.cols != cols) {
    throw ValueError(fmt::format("{} has {} columns, but the model reads {}", what, m.cols, cols));
  }
  if (m.rows == 0) throw ValueError(fmt::format("{} has no rows", what));
}

double uniform01(Generator& gen) {
  auto w = gen.block(gen.reserve(1));
  return uniform_double(w[0], w[1]);
}

double standard_normal(Generator& gen) {
  const double u1 = 1.0 - uniform01(gen), u2 = uniform01(gen);  // u1 in (0, 1]: log is finite
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

Background sample_background(const Matrix& data, size_t n, Generator& gen) {
  if (data.rows == 0) throw ValueError("background: the data has no rows");
  if (n == 0) throw ValueError("background: the number of rows must be at least 1");
  std::vector<size_t> order(data.rows);
  std::iota(order.begin(), order.end(), size_t{0});
  if (n < data.rows) {
    // Partial Fisher-Yates: the first n entries are a uniform sample without replacement.
    for (size_t i = 0; i < n; ++i) {
      const size_t j = i + static_cast<size_t>(random_below(gen.block(gen.reserve(1)),
                                                             static_cast<int64_t>(data.rows - i)));
      std::swap(order[i], order[j]);
    }
    order.resize(n);
  }
  Background b{data.take_rows(order), std::vector<double>(order.size(), 1.0 / static_cast<double>(order.size()))};
  return b;
}

namespace {

double squared_distance(const double* a, const double* b, size_t cols) {
  double d = 0;
  for (size_t c = 0; c < cols; ++c) d += (a[c] - b[c]) * (a[c] - b[c]);
  return d;
}

bool is_binary_column(const Matrix& data, size_t c) {
  for (size_t r = 0; r < data.rows; ++r) {
    if (data(r, c) != 0.0 && data(r, c) != 1.0) return false;
  }
  return true;
}

// k-means++ seeding: each next centre is a row drawn with probability proportional to its squared
// distance to the nearest centre chosen so far.
std::vector<size_t> kmeans_plus_plus(const Matrix& data, size_t k, Generator& gen) {
  std::vector<size_t> centres{static_cast<size_t>(random_below(gen.block(gen.reserve(1)),
                                                                static_cast<int64_t>(data.rows)))};
  std::vector<double> nearest(data.rows, std::numeric_limits<double>::infinity());
  while (centres.size() < k) {
    double total = 0;
    for (size_t r = 0; r < data.rows; ++r) {
      nearest[r] = std::min(nearest[r], squared_distance(data.row(r), data.row(centres.back()), data.cols));
      total += nearest[r];
    }
    if (total == 0) break;  // fewer distinct rows than k
    double target = uniform01(gen) * total;
    size_t pick = data.rows - 1;
    for (size_t r = 0; r < data.rows; ++r) {
      target -= nearest[r];
      if (target < 0 && nearest[r] > 0) {
        pick = r;
        break;
      }
    }
    centres.push_back(pick);
  }
  return centres;
}

}  // namespace

Background kmeans_background(const Matrix& data, size_t k, Generator& gen, size_t iterations) {
  if (data.rows == 0) throw ValueError("background: the data has no rows");
  if (k == 0) throw ValueError("background: the number of clusters must be at least 1");
  if (k >= data.rows) return sample_background(data, data.rows, gen);
  const std::vector<size_t> seeds = kmeans_plus_plus(data, k, gen);
  Matrix centres = data.take_rows(seeds);
  std::vector<size_t> assignment(data.rows, 0);
  for (size_t it = 0; it < iterations; ++it) {
    bool changed = it == 0;
    for (size_t r = 0; r < data.rows; ++r) {
      size_t best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (size_t j = 0; j < centres.rows; ++j) {
        const double d = squared_distance(data.row(r), centres.row(j), data.cols);
        if (d < best_d) {  // ties go to the lower centre
          best_d = d;
          best = j;
        }
      }
      if (assignment[r] != best) changed = true;
      assignment[r] = best;
    }
    if (!changed) break;
    Matrix sums(centres.rows, data.cols);
    std::vector<double> counts(centres.rows, 0.0);
    for (size_t r = 0; r < data.rows; ++r) {
      counts[assignment[r]] += 1;
      for (size_t c = 0; c < data.cols; ++c) sums(assignment[r], c) += data(r, c);
    }
    for (size_t j = 0; j < centres.rows; ++j) {
      if (counts[j] == 0) continue;  // an emptied centre stays where it was
      for (size_t c = 0; c < data.cols; ++c) centres(j, c) = sums(j, c) / counts[j];
    }
  }
  Background b{centres, std::vector<double>(centres.rows, 0.0)};
  for (size_t r = 0; r < data.rows; ++r) b.weights[assignment[r]] += 1.0 / static_cast<double>(data.rows);
  // One-hot columns: take each centre's value from the data row nearest to it.
  std::vector<size_t> binary;
  for (size_t c = 0; c < data.cols; ++c) {
    if (is_binary_column(data, c)) binary.push_back(c);
  }
  if (!binary.empty()) {
    for (size_t j = 0; j < centres.rows; ++j) {
      size_t nearest = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (size_t r = 0; r < data.rows; ++r) {
        const double d = squared_distance(data.row(r), centres.row(j), data.cols);
        if (d < best_d) {
          best_d = d;
          nearest = r;
        }
      }
      for (size_t c : binary) b.rows(j, c) = data(nearest, c);
    }
  }
  // Drop centres no row chose (possible only when rows repeat).
  Background kept;
  std::vector<size_t> used;
  for (size_t j = 0; j < centres.rows; ++j) {
    if (b.weights[j] > 0) used.push_back(j);
  }
  kept.rows = b.rows.take_rows(used);
  for (size_t j : used) kept.weights.push_back(b.weights[j]);
  return kept;
}

}  // namespace candor::explain
