// Shapley values of a model's output for each row (Shapley 1953; for model explanation Strumbelj &
// Kononenko 2014, Lundberg & Lee 2017). The value of a coalition S of players for row x is the
// expected output when S's columns keep x's values and the others take a background row's
// ("interventional"): v(S) = sum_b w_b f(x_S, b_rest). Player j's Shapley value is
//   phi_j = sum over S without j of |S|! (M - |S| - 1)! / M! * (v(S + j) - v(S)),
// and the values add up exactly: sum_j phi_j = f(x) - sum_b w_b f(b) (efficiency).
//
// exact_shapley enumerates all 2^M coalitions (M <= 20; ~14 keeps it quick). kernel_shap estimates
// the same values from sampled coalitions: KernelSHAP (Lundberg & Lee 2017) minimises
//   sum_z pi(z) (v(z) - v(0) - z . phi)^2 subject to sum_j phi_j = v(1) - v(0),
// with the Shapley kernel pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|)). When the budget covers every
// coalition it enumerates them all with exact weights and the answer is exact; otherwise coalitions
// are drawn from the kernel's own distribution (size s with probability proportional to
// (M - 1) / (s (M - s)), then a uniform subset), each with its complement (paired sampling), and
// the weighted problem becomes an unweighted mean (Covert & Lee, "Improving KernelSHAP", AISTATS
// 2021). The estimate converges to the exact values as the budget grows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explain/posthoc/inputs.h"

namespace candor::explain {

// Each coalition costs one model row per background row and explained row: a budget beyond this
// is a mistake, not a setting.
inline constexpr size_t kMaxCoalitions = 10000000;

struct ShapleyOptions {
  size_t coalitions = 2048;       // kernel_shap's budget of sampled coalitions (empty and full excluded)
  uint64_t seed = 0;              // kernel_shap's sampler
  size_t max_exact_players = 14;  // shapley_values enumerates exactly up to this many players
  size_t batch_rows = 16384;      // rows per predictor call (each coalition costs one row per background row)
  // Called after each explained row with (rows done, rows in all); may be empty.
  std::function<void(size_t, size_t)> progress;
};

struct ShapleyResult {
  std::vector<std::string> players;
  Matrix values;                   // [rows, players]
  double base_value = 0;           // sum_b w_b f(b): the output with every player absent
  std::vector<double> prediction;  // f(x) per row; base_value + the row's values sum to it
  std::string method;              // "exact" or "kernel"
  size_t coalitions = 0;           // coalitions evaluated per row (empty and full included)
};

ShapleyResult exact_shapley(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                            const Predictor& model, const ShapleyOptions& options = {});
ShapleyResult kernel_shap(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                          const Predictor& model, const ShapleyOptions& options = {});
// exact_shapley up to options.max_exact_players players, kernel_shap beyond.
ShapleyResult shapley_values(const Matrix& rows, const std::vector<Player>& players, const Background& background,
                             const Predictor& model, const ShapleyOptions& options = {});

}  // namespace candor::explain
