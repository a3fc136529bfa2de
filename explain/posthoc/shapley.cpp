#include "explain/posthoc/shapley.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

namespace {

// Coalitions as a flat [count, players] table of 0/1.
struct Coalitions {
  size_t players = 0;
  std::vector<uint8_t> in;
  size_t count() const { return in.size() / players; }
  const uint8_t* mask(size_t k) const { return in.data() + k * players; }
  void add(const std::vector<uint8_t>& mask) { in.insert(in.end(), mask.begin(), mask.end()); }
};

void check_inputs(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                  const ShapleyOptions& options) {
  if (rows.rows == 0) throw ValueError("Shapley values: no rows to explain");
  if (options.batch_rows == 0) throw ValueError("Shapley values: batch_rows must be at least 1");
  if (options.coalitions > kMaxCoalitions) {
    throw ValueError(fmt::format("KernelSHAP: at most {} coalitions per row, got {}", kMaxCoalitions, options.coalitions));
  }
  check_players(players, rows.cols);
  check_columns(background.rows, rows.cols, "the background");
  if (background.weights.size() != background.rows.rows) {
    throw ValueError(fmt::format("the background has {} rows but {} weights", background.rows.rows,
                                 background.weights.size()));
  }
  double total = 0;
  for (double w : background.weights) {
    if (!std::isfinite(w) || w < 0) throw ValueError(fmt::format("a background weight is {}", w));
    total += w;
  }
  if (total <= 0) throw ValueError("the background weights sum to 0");
}

// v(S) for each coalition S and one row x: the weighted mean of the model's output over background
// rows whose columns of S's players are replaced by x's.
std::vector<double> coalition_values(const double* x, const Coalitions& coalitions, const std::vector<Player>& players,
                                     const Background& background, const Predictor& model, size_t batch_rows) {
  const Matrix& bg = background.rows;
  const size_t per_call = std::max<size_t>(1, batch_rows / bg.rows);
  double weight_total = 0;
  for (double w : background.weights) weight_total += w;
  std::vector<double> values(coalitions.count(), 0.0);
  Matrix batch(std::min(per_call, coalitions.count()) * bg.rows, bg.cols);  // reused by every call
  for (size_t start = 0; start < coalitions.count(); start += per_call) {
    const size_t n = std::min(per_call, coalitions.count() - start);
    batch.rows = n * bg.rows;
    batch.values.resize(batch.rows * batch.cols);  // shrinks only for the last call: no reallocation
    // Copies only, so the rows are the same bits for any thread count.
#pragma omp parallel for schedule(static)
    for (size_t k = 0; k < n; ++k) {
      const uint8_t* mask = coalitions.mask(start + k);
      for (size_t b = 0; b < bg.rows; ++b) {
        double* out = batch.row(k * bg.rows + b);
        std::copy(bg.row(b), bg.row(b) + bg.cols, out);
        for (size_t p = 0; p < players.size(); ++p) {
          if (!mask[p]) continue;
          for (size_t c : players[p].columns) out[c] = x[c];
        }
      }
    }
    const std::vector<double> f = model(batch);
    if (f.size() != batch.rows) {
      throw ValueError(fmt::format("the model returned {} outputs for {} rows", f.size(), batch.rows));
    }
    for (size_t k = 0; k < n; ++k) {
      double v = 0;
      for (size_t b = 0; b < bg.rows; ++b) v += background.weights[b] * f[k * bg.rows + b];
      values[start + k] = v / weight_total;
      if (!std::isfinite(values[start + k])) {
        throw ValueError(fmt::format("the model's output is {} on the explained rows mixed with the background",
                                     values[start + k]));
      }
    }
  }
  return values;
}

double binomial(size_t n, size_t k) {
  double c = 1;
  for (size_t i = 1; i <= k; ++i) c = c * static_cast<double>(n - k + i) / static_cast<double>(i);
  return c;
}

ShapleyResult start_result(const Matrix& rows, const std::vector<Player>& players, const char* method) {
  ShapleyResult r;
  for (const Player& p : players) r.players.push_back(p.name);
  r.values = Matrix(rows.rows, players.size());
  r.prediction.resize(rows.rows);
  r.method = method;
  return r;
}

// Draws coalitions from the Shapley kernel's distribution over sizes 1..M-1, each followed by its
// complement.
Coalitions sampled_coalitions(size_t m, size_t budget, uint64_t seed) {
  std::vector<double> cumulative(m, 0.0);  // cumulative[s] = P(size <= s), s = 1..m-1
  double total = 0;
  for (size_t s = 1; s < m; ++s) {
    total += static_cast<double>(m - 1) / static_cast<double>(s * (m - s));
    cumulative[s] = total;
  }
  Generator gen(seed);
  Coalitions c{m, {}};
  std::vector<size_t> order(m);
  for (size_t pair = 0; pair < (budget + 1) / 2; ++pair) {
    const double u = uniform01(gen) * total;
    size_t size = 1;
    while (size < m - 1 && cumulative[size] <= u) ++size;
    std::iota(order.begin(), order.end(), size_t{0});
    std::vector<uint8_t> mask(m, 0);
    for (size_t i = 0; i < size; ++i) {  // partial Fisher-Yates: a uniform subset of `size` players
      const size_t j = i + static_cast<size_t>(random_below(gen.block(gen.reserve(1)), static_cast<int64_t>(m - i)));
      std::swap(order[i], order[j]);
      mask[order[i]] = 1;
    }
    c.add(mask);
    for (uint8_t& bit : mask) bit = 1 - bit;
    c.add(mask);
  }
  return c;
}

// Every coalition but the empty and the full one, with its Shapley kernel weight.
Coalitions all_proper_coalitions(size_t m, std::vector<double>& weights) {
  Coalitions c{m, {}};
  std::vector<uint8_t> mask(m);
  for (uint64_t bits = 1; bits + 1 < (uint64_t{1} << m); ++bits) {
    size_t size = 0;
    for (size_t j = 0; j < m; ++j) {
      mask[j] = (bits >> j) & 1;
      size += mask[j];
    }
    c.add(mask);
    weights.push_back(static_cast<double>(m - 1) / (binomial(m, size) * static_cast<double>(size * (m - size))));
  }
  return c;
}

}  // namespace

ShapleyResult exact_shapley(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                            const Predictor& model, const ShapleyOptions& options) {
  check_inputs(rows, players, background, options);
  const size_t m = players.size();
  if (m > 20) {
    throw ValueError(fmt::format("exact Shapley values enumerate 2^M coalitions: {} players are too many "
                                 "(at most 20; use KernelSHAP)",
                                 m));
  }
  const uint64_t count = uint64_t{1} << m;
  Coalitions all{m, {}};
  all.in.resize(count * m);
  for (uint64_t bits = 0; bits < count; ++bits) {
    for (size_t j = 0; j < m; ++j) all.in[bits * m + j] = (bits >> j) & 1;
  }
  // weight[s] = s! (M - s - 1)! / M! = 1 / (M * C(M - 1, s))
  std::vector<double> weight(m);
  for (size_t s = 0; s < m; ++s) weight[s] = 1.0 / (static_cast<double>(m) * binomial(m - 1, s));
  ShapleyResult result = start_result(rows, players, "exact");
  result.coalitions = count;
  for (size_t r = 0; r < rows.rows; ++r) {
    const std::vector<double> v = coalition_values(rows.row(r), all, players, background, model, options.batch_rows);
    for (size_t j = 0; j < m; ++j) {
      const uint64_t bit = uint64_t{1} << j;
      double phi = 0;
      for (uint64_t bits = 0; bits < count; ++bits) {
        if (bits & bit) continue;
        phi += weight[static_cast<size_t>(std::popcount(bits))] * (v[bits | bit] - v[bits]);
      }
      result.values(r, j) = phi;
    }
    result.base_value = v.front();
    result.prediction[r] = v.back();
    if (options.progress) options.progress(r + 1, rows.rows);
  }
  return result;
}

ShapleyResult kernel_shap(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                          const Predictor& model, const ShapleyOptions& options) {
  check_inputs(rows, players, background, options);
  const size_t m = players.size();
  if (m == 1) return exact_shapley(rows, players, background, model, options);
  std::vector<double> weights;
  Coalitions sampled{m, {}};
  const bool enumerate = m < 63 && options.coalitions >= (uint64_t{1} << m) - 2;
  if (enumerate) {
    sampled = all_proper_coalitions(m, weights);
  } else {
    if (options.coalitions < 2 * m) {
      throw ValueError(fmt::format("KernelSHAP with {} players needs at least {} coalitions, got {}", m, 2 * m,
                                   options.coalitions));
    }
    sampled = sampled_coalitions(m, options.coalitions, options.seed);
    weights.assign(sampled.count(), 1.0);
  }
  // The weighted normal matrix A = sum_k w_k z_k z_k^T is the same for every row.
  const size_t k_count = sampled.count();
  Eigen::MatrixXd z(k_count, m);
  for (size_t k = 0; k < k_count; ++k) {
    for (size_t j = 0; j < m; ++j) z(k, j) = sampled.mask(k)[j];
  }
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(weights.data(), k_count);
  const Eigen::MatrixXd a = z.transpose() * w.asDiagonal() * z;
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> solver(a);
  if (solver.rank() < static_cast<Eigen::Index>(m)) {
    throw ValueError(fmt::format("KernelSHAP: {} coalitions do not determine {} players' values; give more", k_count, m));
  }
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(m);
  const Eigen::VectorXd a_inv_ones = solver.solve(ones);

  Coalitions with_ends = sampled;  // + the empty and the full coalition, evaluated exactly
  with_ends.add(std::vector<uint8_t>(m, 0));
  with_ends.add(std::vector<uint8_t>(m, 1));
  ShapleyResult result = start_result(rows, players, "kernel");
  result.coalitions = with_ends.count();
  for (size_t r = 0; r < rows.rows; ++r) {
    const std::vector<double> v = coalition_values(rows.row(r), with_ends, players, background, model, options.batch_rows);
    const double empty = v[k_count], full = v[k_count + 1];
    Eigen::VectorXd y(k_count);
    for (size_t k = 0; k < k_count; ++k) y(k) = v[k] - empty;
    const Eigen::VectorXd a_inv_b = solver.solve(z.transpose() * w.asDiagonal() * y);
    // The efficiency constraint by a Lagrange multiplier: phi = A^-1 (b - nu 1).
    const double nu = (ones.dot(a_inv_b) - (full - empty)) / ones.dot(a_inv_ones);
    const Eigen::VectorXd phi = a_inv_b - nu * a_inv_ones;
    for (size_t j = 0; j < m; ++j) result.values(r, j) = phi(static_cast<Eigen::Index>(j));
    result.base_value = empty;
    result.prediction[r] = full;
    if (options.progress) options.progress(r + 1, rows.rows);
  }
  return result;
}

ShapleyResult shapley_values(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                             const Predictor& model, const ShapleyOptions& options) {
  return players.size() <= options.max_exact_players ? exact_shapley(rows, players, background, model, options)
                                                     : kernel_shap(rows, players, background, model, options);
}

}  // namespace candor::explain
