// Gradient attributions through candor's autograd, for models that are differentiable functions of
// their input rows. Each explained row's output must depend on that row alone (true of every
// candor tabular model in eval mode): the gradient of the batch's summed output is then each row's
// own gradient, so one backward pass serves a whole batch.
//   saliency             |df/dx| (Simonyan et al. 2014), or the signed gradient
//   gradient x input     x * df/dx (Shrikumar et al. 2016)
//   SmoothGrad           the mean gradient at x + N(0, stdev^2) noise (Smilkov et al. 2017)
//   integrated gradients (x - x') * integral_0^1 df/dx(x' + a (x - x')) da (Sundararajan et al.
//                        2017, eq. 1), by a quadrature rule; with several baselines x' (a background
//                        sample) the weighted mean over them. Completeness: a row's attributions
//                        sum to f(x) - E[f(x')]; the difference is returned as the delta, as
//                        Captum's return_convergence_delta.
// Computations run in the dtype the rows are given to the model in (options.dtype); pass a model
// converted to float64 for attributions whose delta is the quadrature's error alone.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/dtype.h"
#include "explain/posthoc/inputs.h"
#include "explain/posthoc/quadrature.h"

namespace candor::explain {

// x [N, F] -> output [N] or [N, 1] (a logit, say), recording the autograd graph.
using TensorFunction = std::function<Tensor(const Tensor&)>;

// A Predictor from a tensor function: rows go in `batch` at a time, in `dtype`, without a graph.
Predictor predictor_of(TensorFunction model, DType dtype = kFloat32, size_t batch = 4096);

struct GradientOptions {
  DType dtype = kFloat32;
  size_t batch = 4096;  // model rows per forward/backward pass
};

Matrix gradients(const TensorFunction& model, const Matrix& rows, const GradientOptions& options = {});
Matrix saliency(const TensorFunction& model, const Matrix& rows, bool absolute = true,
                const GradientOptions& options = {});
Matrix gradient_times_input(const TensorFunction& model, const Matrix& rows, const GradientOptions& options = {});

struct SmoothGradOptions {
  double stdev = 0.15;  // noise standard deviation, in the model's input units (standardised: sd 1)
  size_t samples = 50;
  uint64_t seed = 0;
  GradientOptions gradient;
};
Matrix smoothgrad(const TensorFunction& model, const Matrix& rows, const SmoothGradOptions& options = {});

struct IntegratedGradientsOptions {
  size_t steps = 50;
  QuadratureRule rule = QuadratureRule::GaussLegendre;
  GradientOptions gradient;
  // Called after each explained row with (rows done, rows in all); may be empty.
  std::function<void(size_t, size_t)> progress;
};

struct IntegratedGradients {
  Matrix attributions;             // [rows, columns]
  std::vector<double> delta;       // per row: sum of attributions - (f(x) - E[f(x')])
  std::vector<double> prediction;  // f(x)
  double baseline_value = 0;       // E[f(x')], weighted over the baselines
};
// `baselines`: one row (zeros, the training mean) or a weighted background sample.
IntegratedGradients integrated_gradients(const TensorFunction& model, const Matrix& rows, const Background& baselines,
                                         const IntegratedGradientsOptions& options = {});

// Per-column attributions summed over each player's columns: [rows, players]. Sums keep
// completeness: a row's player attributions add up as its column attributions do.
Matrix sum_by_player(const Matrix& per_column, const std::vector<Player>& players);

}  // namespace candor::explain
