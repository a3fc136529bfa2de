// Linear decorrelation of the features from the sensitive columns, as Fairlearn's
// CorrelationRemover (its user guide's formulation; the means: see `centering`).
//
// Legend: N rows, F features, S sensitive columns, K = F − S kept columns.
// Fit, on the training rows:
//   S_c = S − 1·s̄ᵀ                            [N, S] the sensitive columns, centered
//   B   = argmin_B ‖Z − S_c B‖²  (min-norm)     [S, K] least squares of the kept columns Z [N, K]
// Transform, any rows:
//   Z*  = Z − (S − 1·s̄ᵀ) B                     [N, K] the residual: Z minus its linear fit on S
//   X'  = α·Z* + (1 − α)·Z                      [N, K] (the sensitive columns are dropped)
// With α = 1, Z* is orthogonal to every column of S_c (normal equations S_cᵀ(Z − S_c B) = 0), so
// on the training rows each kept column has zero sample covariance, hence zero correlation, with
// each sensitive column. Lack of correlation is not independence: a non-linear model can still
// recover S from Z*.
//
// Least squares as numpy.linalg.lstsq (which Fairlearn calls): the minimum-norm solution, with
// singular values of S_c below eps·max(N, S)·σ_max treated as 0, so linearly dependent sensitive
// columns (a full one-hot set) are fine. Computed in double precision (Householder QR of S_c, then
// the SVD of its small triangle), serially: the same bits whatever the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/encoder.h"
#include "engine/tensor.h"

namespace candor::fairness {

// How s̄ is taken.
//   PerColumn: s̄_j = the mean of sensitive column j (the user guide's formulation). Every kept
//     column ends up uncorrelated with every sensitive column.
//   Pooled: one s̄ for all sensitive columns, the mean of all their entries (what Fairlearn's code
//     computes: X_sensitive.mean() without an axis). Identical to PerColumn for one sensitive
//     column; with several of different means the projection has no intercept to absorb the
//     difference, and correlation can remain.
enum class SensitiveCentering { PerColumn, Pooled };

struct CorrelationRemoverOptions {
  std::vector<int64_t> sensitive_columns;  // indices into the F features, in any order
  double alpha = 1.0;                      // 1: remove all linear correlation; 0: none
  SensitiveCentering centering = SensitiveCentering::PerColumn;
  // ValueError: no sensitive column, a repeated index, alpha outside [0, 1]; IndexError: a
  // negative index.
  void validate() const;
};

struct CorrelationRemover {
  int64_t features = 0;                    // F at fit
  std::vector<int64_t> sensitive_columns;  // as given  [S]
  std::vector<int64_t> kept_columns;       // the others, in increasing order  [K]
  std::vector<double> sensitive_mean;      // s̄  [S]
  std::vector<double> beta;                // B  [S, K], row-major
  double alpha = 1.0;
  SensitiveCentering centering = SensitiveCentering::PerColumn;

  // x [M, F] (float32 or float64) -> X' [M, K] of the same dtype. ValueError for another F, a
  // tensor that is not 2-D floating point, or a non-finite entry.
  Tensor transform(const Tensor& x) const;

  // The fitted state for a run folder; from_json(to_json()) transforms exactly as the original.
  // Bad JSON throws ValueError.
  nlohmann::json to_json() const;
  static CorrelationRemover from_json(const nlohmann::json& json);
};

// Fits on x [N, F] (float32 or float64, N >= 1). IndexError for a sensitive column outside
// [0, F); ValueError for bad options, a tensor that is not 2-D floating point, or a non-finite
// entry (naming its row and column).
CorrelationRemover fit_correlation_remover(const Tensor& x, const CorrelationRemoverOptions& options);

// The indices of the encoded features that come from the table column `column` (e.g. "sex":
// "sex=Female" and "sex=Male" one-hot, or the one numeric or ordinal feature), for
// sensitive_columns. ValueError listing the input columns when the encoder makes no feature of it
// (a sensitive column that is not a model input, for one).
std::vector<int64_t> encoded_columns(const datasets::Encoder& encoder, const std::string& column);

}  // namespace candor::fairness
