#include "nn/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::nn {

namespace {
void check_sizes(const char* metric, size_t a, size_t b, const std::vector<double>& weight) {
  if (a != b || (!weight.empty() && weight.size() != a)) {
    throw ValueError(fmt::format("{}: {} labels, {} predictions and {} weights do not match", metric,
                                 a, b, weight.size()));
  }
}
double weight_at(const std::vector<double>& w, size_t i) { return w.empty() ? 1.0 : w[i]; }
}  // namespace

double accuracy(const std::vector<double>& y_true, const std::vector<double>& y_pred,
                const std::vector<double>& weight) {
  check_sizes("accuracy", y_true.size(), y_pred.size(), weight);
  double hit = 0, total = 0;
  for (size_t i = 0; i < y_true.size(); ++i) {
    hit += weight_at(weight, i) * (y_true[i] == y_pred[i]);
    total += weight_at(weight, i);
  }
  return hit / total;
}

double roc_auc(const std::vector<double>& y_true, const std::vector<double>& score,
               const std::vector<double>& weight) {
  check_sizes("roc_auc", y_true.size(), score.size(), weight);
  // NaN has no place in the order (the sort below needs one, and the tie loop would never advance).
  for (size_t i = 0; i < score.size(); ++i) {
    if (std::isnan(score[i])) {
      throw ValueError(fmt::format("roc_auc: the score of row {} is NaN (a model with NaN weights?)", i));
    }
  }
  std::vector<size_t> order(y_true.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  // Walk groups of tied scores from lowest up: each positive beats the negative weight seen below
  // it, and half of the negative weight tied with it.
  double neg_below = 0, pairs = 0, pos_total = 0, neg_total = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    double pos = 0, neg = 0;
    while (j < order.size() && score[order[j]] == score[order[i]]) {
      double w = weight_at(weight, order[j]);
      (y_true[order[j]] == 1 ? pos : neg) += w;
      ++j;
    }
    pairs += pos * (neg_below + 0.5 * neg);
    neg_below += neg;
    pos_total += pos;
    neg_total += neg;
    i = j;
  }
  if (pos_total == 0 || neg_total == 0) return std::numeric_limits<double>::quiet_NaN();
  return pairs / (pos_total * neg_total);
}

double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob,
                const std::vector<double>& weight) {
  check_sizes("log_loss", y_true.size(), prob.size(), weight);
  double total = 0, weights = 0;
  for (size_t i = 0; i < y_true.size(); ++i) {
    double p = std::clamp(prob[i], 1e-15, 1 - 1e-15);
    total -= weight_at(weight, i) * (y_true[i] * std::log(p) + (1 - y_true[i]) * std::log(1 - p));
    weights += weight_at(weight, i);
  }
  return total / weights;
}

}  // namespace candor::nn
