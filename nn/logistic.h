// L2-regularised logistic regression fitted to its exact optimum, as scikit-learn's
// LogisticRegression(C) defines it: minimise
//   ½‖w‖² + C · Σ_i s_i · [log(1 + exp(z_i)) − y_i z_i],   z_i = w·x_i + b,
// with s_i the sample weights and the intercept b unpenalised. The problem is convex and small
// (F + 1 unknowns), so Newton's method solves it in a handful of steps, in double precision;
// the reductions (fairness/) call it once per iteration with new labels and weights.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace candor::nn {

struct LogisticOptions {
  double C = 1.0;          // inverse regularisation strength (scikit-learn's C)
  int64_t max_iter = 100;  // Newton steps
  double tol = 1e-8;       // stop when the largest gradient entry, relative to C·Σs, is below this
  // Where Newton starts: coef then intercept ([F + 1]); empty starts at zero. A caller that fits
  // many nearby problems (the reductions) passes the previous solution and saves most steps.
  std::vector<double> start;
  void validate() const;   // ValueError naming the bad option
};

struct LogisticRegression {
  std::vector<double> coef;  // [F]
  double intercept = 0;
  int64_t iterations = 0;  // Newton steps taken

  // x [N, F] -> per row: z = coef·x + intercept, sigmoid(z), and 1 where z > 0 (else 0).
  std::vector<double> decision_function(const Tensor& x) const;
  std::vector<double> predict_proba(const Tensor& x) const;
  std::vector<double> predict(const Tensor& x) const;
};

// Fits on x [N, F] (float32 or float64), 0/1 labels y and non-negative weights (empty: all 1).
// ValueError for mismatched sizes, labels not 0/1, negative or non-finite weights, non-finite
// features, or one class only (by positive weight): the unpenalised intercept then has no finite
// optimum, and scikit-learn refuses it too. Results do not depend on the thread count.
LogisticRegression fit_logistic(const Tensor& x, const std::vector<double>& y, const std::vector<double>& weight = {},
                                const LogisticOptions& options = {});

}  // namespace candor::nn
