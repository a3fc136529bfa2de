#include "fairness/grid_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"
#include "fairness/reduction_input.h"

namespace candor::fairness {

namespace {

// Every integer vector of `dim` coordinates with L1 norm <= budget, first coordinate outermost.
void integer_grid(size_t index, int64_t budget, std::vector<int64_t>& entry, std::vector<std::vector<int64_t>>& out,
                  size_t limit) {
  if (out.size() >= limit) return;  // only the first `limit` points are ever used
  if (index == entry.size()) {
    out.push_back(entry);
    return;
  }
  for (int64_t v = -budget; v <= budget; ++v) {
    entry[index] = v;
    integer_grid(index + 1, budget - std::abs(v), entry, out, limit);
  }
  entry[index] = 0;
}

}  // namespace

void GridSearchOptions::validate() const {
  constraints.validate();
  if (!(constraint_weight >= 0 && constraint_weight <= 1)) {
    throw ValueError(fmt::format("GridSearch: constraint_weight must be in [0, 1], got {}", constraint_weight));
  }
  if (grid_size < 1) throw ValueError(fmt::format("GridSearch: grid_size must be >= 1, got {}", grid_size));
  if (!(grid_limit > 0) || !std::isfinite(grid_limit)) {
    throw ValueError(fmt::format("GridSearch: grid_limit must be finite and > 0, got {}", grid_limit));
  }
  for (size_t g = 0; g < grid.size(); ++g) {
    for (double l : grid[g]) {
      if (!(l >= 0) || !std::isfinite(l)) throw ValueError(fmt::format("GridSearch: grid point {} holds {}, not a finite number >= 0", g, l));
    }
  }
}

nlohmann::json GridSearchOptions::to_json() const {
  return {{"constraints", parity_name(constraints.parity)},
          {"difference_bound", constraints.difference_bound},
          {"constraint_weight", constraint_weight},
          {"grid_size", grid_size},
          {"grid_limit", grid_limit},
          {"grid", grid}};
}

std::vector<std::vector<double>> make_grid(const UtilityParity& constraints, int64_t grid_size, double grid_limit) {
  const std::vector<size_t>& basis = constraints.basis();
  const size_t dim = basis.size(), half = constraints.size() / 2;
  if (dim == 0) throw ValueError("GridSearch: the constraints leave no direction for a grid (no (event, group) pair in the basis)");
  const auto size = static_cast<size_t>(grid_size);
  // A conservative first guess of the integer radius m: (grid_size / 2^d)^(1/d) − 1.
  const double guess = std::pow(static_cast<double>(grid_size) / std::pow(2.0, static_cast<double>(dim)), 1.0 / static_cast<double>(dim)) - 1;
  int64_t units = std::max<int64_t>(0, static_cast<int64_t>(std::floor(guess)));
  std::vector<std::vector<int64_t>> points;
  while (true) {
    points.clear();
    std::vector<int64_t> entry(dim, 0);
    integer_grid(0, units, entry, points, size);
    if (points.size() >= size) break;
    ++units;
  }
  const double scale = units == 0 ? 0.0 : grid_limit / static_cast<double>(units);
  std::vector<std::vector<double>> grid;
  for (const std::vector<int64_t>& z : points) {
    std::vector<double> lambda(constraints.size(), 0.0);
    for (size_t j = 0; j < dim; ++j) {
      const double c = static_cast<double>(z[j]) * scale;
      lambda[basis[j]] = std::max(c, 0.0);
      lambda[basis[j] + half] = std::max(-c, 0.0);
    }
    grid.push_back(std::move(lambda));
  }
  return grid;
}

GridSearchResult grid_search(const Tensor& x, const std::vector<double>& y, const datasets::SensitiveFeature& group,
                             const Learner& learner, const GridSearchOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const char* who = "GridSearch";
  options.validate();
  check_learner(learner, who);
  check_reduction_input(x, y, group, who);
  if (learner.reset) learner.reset();

  const UtilityParity constraints(options.constraints, y, group);
  const ErrorRate objective(y);
  const std::vector<std::vector<double>> grid =
      options.grid.empty() ? make_grid(constraints, options.grid_size, options.grid_limit) : options.grid;
  for (size_t g = 0; g < grid.size(); ++g) {
    if (grid[g].size() != constraints.size()) {
      throw ValueError(fmt::format("GridSearch: grid point {} has {} multipliers, the constraints {}", g, grid[g].size(),
                                   constraints.size()));
    }
  }

  GridSearchResult result;
  result.constraints = constraints.index();
  const std::vector<double> objective_weights = objective.signed_weights();
  for (const std::vector<double>& lambda : grid) {
    // The best response to λ: relabel by the sign of s, weigh by |s|.
    std::vector<double> s = constraints.signed_weights(lambda), labels(s.size()), weights(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      s[i] += objective_weights[i];
      labels[i] = s[i] > 0 ? 1.0 : 0.0;
      weights[i] = std::abs(s[i]);
    }
    const auto start = std::chrono::steady_clock::now();
    OracleFit fit = fit_oracle(learner, x, labels, weights, who);
    result.oracle_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++result.oracle_calls;
    if (fit.constant) ++result.constant_calls;

    const std::vector<double> predictions = fit.classifier->predict(x);
    const double error = objective.gamma(predictions);
    std::vector<double> gamma = constraints.gamma(predictions);
    const double worst = *std::max_element(gamma.begin(), gamma.end());
    result.lambda_vecs.push_back(lambda);
    result.predictors.push_back(std::move(fit.classifier));
    result.objectives.push_back(error);
    result.gammas.push_back(std::move(gamma));
    result.losses.push_back((1 - options.constraint_weight) * error + options.constraint_weight * worst);
  }
  result.best_idx = static_cast<size_t>(std::min_element(result.losses.begin(), result.losses.end()) - result.losses.begin());
  result.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

nlohmann::json GridSearchResult::to_json() const {
  nlohmann::json index = nlohmann::json::array(), fitted = nlohmann::json::array();
  for (const ConstraintId& c : constraints) index.push_back(c.label());
  for (const auto& h : predictors) fitted.push_back(h->to_json());
  return {{"constraints", index},
          {"lambda_vecs", lambda_vecs},
          {"predictors", fitted},
          {"objectives", objectives},
          {"gammas", gammas},
          {"losses", losses},
          {"best_idx", best_idx},
          {"oracle_calls", oracle_calls},
          {"constant_calls", constant_calls},
          {"oracle_seconds", oracle_seconds},
          {"fit_seconds", fit_seconds}};
}

}  // namespace candor::fairness
