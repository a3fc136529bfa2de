// Weighted ridge regression with an unpenalised intercept, the local surrogate LIME fits:
//   minimise  sum_i w_i (y_i - b - x_i . beta)^2 + alpha |beta|^2  over b and beta.
// With weighted means x_bar, y_bar the intercept drops out: beta solves
//   (Xc^T W Xc + alpha I) beta = Xc^T W yc,  Xc = X - x_bar, yc = y - y_bar,  b = y_bar - x_bar . beta
// (the same problem as scikit-learn's Ridge(alpha).fit(X, y, sample_weight=w)).
#pragma once

#include <vector>

#include "explain/posthoc/inputs.h"

namespace candor::explain {

struct RidgeFit {
  std::vector<double> coefficients;  // one per column of x
  double intercept = 0;
  // Weighted coefficient of determination of the fit on its own data:
  // 1 - sum w (y - y_hat)^2 / sum w (y - y_bar)^2. It lies in [0, 1] (beta = 0 is a candidate, so
  // the residual never exceeds the total); 1 when y is constant.
  double r2 = 0;
};

// x: one row per sample; y, w: one value per sample, w >= 0 with a positive sum; alpha >= 0.
// ValueError on mismatched sizes, bad weights or alpha, or (alpha = 0 only) a singular system.
RidgeFit weighted_ridge(const Matrix& x, const std::vector<double>& y, const std::vector<double>& w, double alpha);

}  // namespace candor::explain
