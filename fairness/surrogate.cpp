#include "fairness/surrogate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::fairness {

Surrogate parse_surrogate(const std::string& name) {
  if (name == "mean") return Surrogate::MeanScore;
  if (name == "rate") return Surrogate::SmoothedRate;
  if (name == "wasserstein") return Surrogate::Wasserstein;
  throw ValueError(fmt::format("unknown penalty surrogate \"{}\" (mean, rate, wasserstein)", name));
}

const char* surrogate_name(Surrogate s) {
  switch (s) {
    case Surrogate::MeanScore: return "mean";
    case Surrogate::SmoothedRate: return "rate";
    case Surrogate::Wasserstein: return "wasserstein";
  }
  return "?";
}

namespace {

// The weighted empirical quantiles of p over `rows` at u_k = (k + 1/2) / K, each a fixed linear
// combination of two entries of p, so the gradient reaches the scores it is made of. With the
// rows sorted by score and c_j = (weight before j + w_j / 2) / total weight the mid-point of row
// j's share, q(u) interpolates linearly between the rows whose c_j bracket u (the first or last
// score outside [c_0, c_last]).
Tensor quantiles(const Tensor& p, const std::vector<double>& score, const std::vector<double>& w,
                 std::vector<int64_t> rows, int64_t K) {
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return score[a] < score[b]; });
  const double total = std::accumulate(rows.begin(), rows.end(), 0.0, [&](double s, int64_t r) { return s + w[r]; });
  std::vector<double> mid(rows.size());
  double before = 0;
  for (size_t j = 0; j < rows.size(); ++j) {
    mid[j] = (before + w[rows[j]] / 2) / total;
    before += w[rows[j]];
  }
  std::vector<int64_t> lo(K), hi(K);
  std::vector<double> a(K, 0.0);
  for (int64_t k = 0; k < K; ++k) {
    const double u = (static_cast<double>(k) + 0.5) / static_cast<double>(K);
    const size_t j = static_cast<size_t>(std::upper_bound(mid.begin(), mid.end(), u) - mid.begin());  // mid[j-1] <= u < mid[j]
    if (j == 0 || j == rows.size()) {
      lo[k] = hi[k] = rows[j == 0 ? 0 : rows.size() - 1];
    } else {
      lo[k] = rows[j - 1];
      hi[k] = rows[j];
      a[k] = (u - mid[j - 1]) / (mid[j] - mid[j - 1]);
    }
  }
  Tensor alpha = cast(from_vector(a, {K}, p.device()), p.dtype());
  return index_select(p, 0, from_vector(lo, {K}, p.device())) * (1.0 - alpha) + index_select(p, 0, from_vector(hi, {K}, p.device())) * alpha;
}

// W1 gap among the groups over the rows with in_set[i] != 0 (the reductions of the header).
Tensor wasserstein_over(const Tensor& p, const std::vector<int64_t>& group, const std::vector<double>& w,
                        const std::vector<double>& in_set, int64_t groups, GroupReduction reduction, int64_t K) {
  const std::vector<double> score = p.to_vector<double>();
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(groups));
  std::vector<int64_t> pooled;
  for (size_t i = 0; i < group.size(); ++i) {
    if (in_set[i] == 0 || !(w[i] > 0)) continue;
    members[static_cast<size_t>(group[i])].push_back(static_cast<int64_t>(i));
    pooled.push_back(static_cast<int64_t>(i));
  }
  std::vector<Tensor> q;  // [K] per present group
  for (const std::vector<int64_t>& rows : members) {
    if (!rows.empty()) q.push_back(quantiles(p, score, w, rows, K));
  }
  if (q.size() < 2) return zeros({}, p.dtype(), p.device());
  std::vector<Tensor> distances;
  if (reduction == GroupReduction::MaxMinusMin) {
    for (size_t g = 0; g < q.size(); ++g) {
      for (size_t h = g + 1; h < q.size(); ++h) distances.push_back(mean(abs(q[g] - q[h])));
    }
    return max(stack(distances, 0));
  }
  Tensor all = quantiles(p, score, w, pooled, K);
  for (const Tensor& qg : q) distances.push_back(mean(abs(qg - all)));
  return mean(stack(distances, 0));
}

Tensor wasserstein_gap(const Tensor& logits, const Tensor& y, const Tensor& group, int64_t groups,
                       const Tensor& weight, const PenaltyOptions& penalty, int64_t K) {
  Tensor p = sigmoid(logits);  // [B]
  const std::vector<int64_t> ids = group.to_vector<int64_t>();
  for (int64_t id : ids) {
    if (id < 0 || id >= groups) throw IndexError(fmt::format("fairness penalty: group id {} outside [0, {})", id, groups));
  }
  const std::vector<double> w = weight.defined() ? weight.to_vector<double>() : std::vector<double>(ids.size(), 1.0);
  auto over = [&](const std::vector<double>& in_set) {
    return wasserstein_over(p, ids, w, in_set, groups, penalty.reduction, K);
  };
  if (penalty.gap == Gap::DemographicParity) return over(std::vector<double>(ids.size(), 1.0));
  if (!y.defined()) throw ValueError("fairness penalty: the odds-based gaps need labels y");
  std::vector<double> positive = y.to_vector<double>(), negative(positive.size());
  for (size_t i = 0; i < positive.size(); ++i) negative[i] = 1.0 - positive[i];
  Tensor tpr = over(positive);
  if (penalty.gap == Gap::EqualOpportunity) return tpr;
  return maximum(tpr, over(negative));
}

}  // namespace

Tensor surrogate_gap(const Tensor& logits, const Tensor& y, const Tensor& group, int64_t groups,
                     const Tensor& weight, const PenaltyOptions& penalty, const SurrogateOptions& surrogate) {
  switch (surrogate.kind) {
    case Surrogate::MeanScore:
      return fairness_gap(sigmoid(logits), y, group, groups, weight, penalty);
    case Surrogate::SmoothedRate:
      if (!(surrogate.temperature > 0) || !std::isfinite(surrogate.temperature)) {
        throw ValueError(fmt::format("fairness penalty: the temperature must be finite and > 0, got {}",
                                     surrogate.temperature));
      }
      // d_i = sigma(logit_i / tau): the decision [logit >= 0], smoothed.
      return fairness_gap(sigmoid(logits * (1.0 / surrogate.temperature)), y, group, groups, weight, penalty);
    case Surrogate::Wasserstein:
      if (surrogate.quantiles < 1) {
        throw ValueError(fmt::format("fairness penalty: quantile levels must be >= 1, got {}", surrogate.quantiles));
      }
      check_penalty_inputs(logits, y, group, groups, weight);
      return wasserstein_gap(logits, y, group, groups, weight, penalty, surrogate.quantiles);
  }
  return Tensor();
}

Tensor surrogate_penalty(const Tensor& logits, const Tensor& y, const Tensor& group, int64_t groups,
                         const Tensor& weight, const PenaltyOptions& penalty, const SurrogateOptions& surrogate) {
  return apply_form(surrogate_gap(logits, y, group, groups, weight, penalty, surrogate), penalty);
}

}  // namespace candor::fairness
