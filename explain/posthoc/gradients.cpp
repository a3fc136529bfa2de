#include "explain/posthoc/gradients.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/shape.h"

namespace candor::explain {

namespace {

void check_output(const Tensor& out, int64_t rows) {
  const bool column = out.dim() == 2 && out.size(1) == 1;
  if (!((out.dim() == 1 || column) && out.size(0) == rows)) {
    throw ShapeError(fmt::format("an explained model must give one output per row ([{}] or [{}, 1]), got {}", rows,
                                 rows, format_shape(out.shape())));
  }
}

void check_rows(const Matrix& rows, size_t batch) {
  if (rows.rows == 0) throw ValueError("gradient attribution: no rows to explain");
  if (batch == 0) throw ValueError("gradient attribution: the batch size must be at least 1");
}

// df/dx for rows [begin, begin + n) of `rows`, written into out's rows at the same place.
void gradient_block(const TensorFunction& model, const Matrix& rows, size_t begin, size_t n, DType dtype,
                    Matrix& out) {
  Tensor x = tensor_from_rows(rows, begin, n, dtype);
  x.requires_grad_();
  Tensor y = model(x);
  check_output(y, static_cast<int64_t>(n));
  if (!y.requires_grad()) {
    throw ValueError("this model's output has no gradient with respect to its input (it is not a differentiable "
                     "network): use a model-agnostic explainer such as Shapley values");
  }
  const std::vector<double> g = grad({y.sum()}, {x})[0].to_vector<double>();
  std::copy(g.begin(), g.end(), out.row(begin));
}

}  // namespace

Predictor predictor_of(TensorFunction model, DType dtype, size_t batch) {
  if (batch == 0) throw ValueError("predictor: the batch size must be at least 1");
  return [model = std::move(model), dtype, batch](const Matrix& rows) {
    NoGradGuard no_grad;
    std::vector<double> out;
    out.reserve(rows.rows);
    for (size_t begin = 0; begin < rows.rows; begin += batch) {
      const size_t n = std::min(batch, rows.rows - begin);
      const Tensor y = model(tensor_from_rows(rows, begin, n, dtype));
      check_output(y, static_cast<int64_t>(n));
      const std::vector<double> v = y.to_vector<double>();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  };
}

Matrix gradients(const TensorFunction& model, const Matrix& rows, const GradientOptions& options) {
  check_rows(rows, options.batch);
  Matrix out(rows.rows, rows.cols);
  for (size_t begin = 0; begin < rows.rows; begin += options.batch) {
    gradient_block(model, rows, begin, std::min(options.batch, rows.rows - begin), options.dtype, out);
  }
  return out;
}

Matrix saliency(const TensorFunction& model, const Matrix& rows, bool absolute, const GradientOptions& options) {
  Matrix g = gradients(model, rows, options);
  if (absolute) {
    for (double& v : g.values) v = std::abs(v);
  }
  return g;
}

Matrix gradient_times_input(const TensorFunction& model, const Matrix& rows, const GradientOptions& options) {
  Matrix g = gradients(model, rows, options);
  for (size_t i = 0; i < g.values.size(); ++i) g.values[i] *= rows.values[i];
  return g;
}

Matrix smoothgrad(const TensorFunction& model, const Matrix& rows, const SmoothGradOptions& options) {
  if (rows.rows == 0) throw ValueError("SmoothGrad: no rows to explain");
  if (options.samples == 0) throw ValueError("SmoothGrad: the number of noisy samples must be at least 1");
  if (!(options.stdev >= 0) || !std::isfinite(options.stdev)) {
    throw ValueError(fmt::format("SmoothGrad: the noise standard deviation must be finite and >= 0, got {}",
                                 options.stdev));
  }
  if (options.samples > 100000) {
    throw ValueError(fmt::format("SmoothGrad: at most 100000 noisy samples per row, got {}", options.samples));
  }
  Generator gen(options.seed);
  Matrix noisy(options.samples, rows.cols), mean(rows.rows, rows.cols);
  for (size_t r = 0; r < rows.rows; ++r) {  // one row's samples at a time: memory stays bounded
    for (size_t s = 0; s < options.samples; ++s) {
      for (size_t c = 0; c < rows.cols; ++c) noisy(s, c) = rows(r, c) + options.stdev * standard_normal(gen);
    }
    const Matrix g = gradients(model, noisy, options.gradient);
    for (size_t s = 0; s < options.samples; ++s) {
      for (size_t c = 0; c < rows.cols; ++c) mean(r, c) += g(s, c);
    }
    for (size_t c = 0; c < rows.cols; ++c) mean(r, c) /= static_cast<double>(options.samples);
  }
  return mean;
}

IntegratedGradients integrated_gradients(const TensorFunction& model, const Matrix& rows, const Background& baselines,
                                         const IntegratedGradientsOptions& options) {
  check_rows(rows, options.gradient.batch);
  check_columns(baselines.rows, rows.cols, "the baseline");
  if (baselines.weights.size() != baselines.rows.rows) {
    throw ValueError(fmt::format("the baseline has {} rows but {} weights", baselines.rows.rows,
                                 baselines.weights.size()));
  }
  double weight_total = 0;
  for (double w : baselines.weights) weight_total += w;
  if (!(weight_total > 0)) throw ValueError("the baseline weights must sum to a positive number");
  const Quadrature q = quadrature(options.rule, options.steps);
  const Predictor predict = predictor_of(model, options.gradient.dtype, options.gradient.batch);

  IntegratedGradients result;
  result.attributions = Matrix(rows.rows, rows.cols);
  result.prediction = predict(rows);
  const std::vector<double> at_baseline = predict(baselines.rows);
  for (size_t k = 0; k < at_baseline.size(); ++k) result.baseline_value += baselines.weights[k] * at_baseline[k];
  result.baseline_value /= weight_total;

  // The path points (baseline k, step i) of one row go through the model `batch` at a time, so
  // memory stays bounded whatever steps x baselines is; sums run in (k, i) order either way.
  const size_t steps = q.points.size(), bases = baselines.rows.rows, points = steps * bases;
  const size_t chunk = std::min(points, options.gradient.batch);
  Matrix path(chunk, rows.cols);
  std::vector<double> integral(bases * rows.cols);
  for (size_t r = 0; r < rows.rows; ++r) {
    std::fill(integral.begin(), integral.end(), 0.0);
    for (size_t start = 0; start < points; start += chunk) {
      const size_t n = std::min(chunk, points - start);
      path.rows = n;
      path.values.resize(n * rows.cols);
      for (size_t j = 0; j < n; ++j) {
        const size_t k = (start + j) / steps, i = (start + j) % steps;
        double* p = path.row(j);
        for (size_t c = 0; c < rows.cols; ++c) {
          const double base = baselines.rows(k, c);
          p[c] = base + q.points[i] * (rows(r, c) - base);
        }
      }
      const Matrix g = gradients(model, path, options.gradient);
      for (size_t j = 0; j < n; ++j) {
        const size_t k = (start + j) / steps, i = (start + j) % steps;
        for (size_t c = 0; c < rows.cols; ++c) integral[k * rows.cols + c] += q.weights[i] * g(j, c);
      }
    }
    double total = 0;
    for (size_t c = 0; c < rows.cols; ++c) {
      double a = 0;
      for (size_t k = 0; k < bases; ++k) {
        a += baselines.weights[k] * (rows(r, c) - baselines.rows(k, c)) * integral[k * rows.cols + c];
      }
      result.attributions(r, c) = a / weight_total;
      total += result.attributions(r, c);
    }
    result.delta.push_back(total - (result.prediction[r] - result.baseline_value));
    if (options.progress) options.progress(r + 1, rows.rows);
  }
  return result;
}

Matrix sum_by_player(const Matrix& per_column, const std::vector<Player>& players) {
  check_players(players, per_column.cols);
  Matrix out(per_column.rows, players.size());
  for (size_t r = 0; r < per_column.rows; ++r) {
    for (size_t p = 0; p < players.size(); ++p) {
      for (size_t c : players[p].columns) out(r, p) += per_column(r, c);
    }
  }
  return out;
}

}  // namespace candor::explain
