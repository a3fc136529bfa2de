#include "explain/ebm/postprocess.h"

#include <cfloat>
#include <cmath>

namespace candor::explain::ebm {

double center_scores(std::vector<double>& scores, const std::vector<double>& bin_weights) {
  double sw = 0, swx = 0;
  for (size_t c = 0; c < scores.size(); ++c) {
    if (!std::isfinite(scores[c])) continue;
    sw += bin_weights[c];
    swx += bin_weights[c] * scores[c];
  }
  if (!(sw > 0)) return 0.0;
  const double mean = swx / sw;
  for (double& s : scores) s -= mean;
  return mean;
}

void zero_empty_edges(std::vector<double>& scores, const std::vector<double>& bin_weights,
                      const std::vector<size_t>& shape) {
  // stride of axis d in row-major order
  std::vector<size_t> stride(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) stride[d - 1] = stride[d] * shape[d];
  for (size_t d = 0; d < shape.size(); ++d) {
    for (size_t index : {size_t{0}, shape[d] - 1}) {
      double w = 0;
      for (size_t c = 0; c < scores.size(); ++c)
        if ((c / stride[d]) % shape[d] == index) w += bin_weights[c];
      if (w > 0) continue;
      for (size_t c = 0; c < scores.size(); ++c)
        if ((c / stride[d]) % shape[d] == index) scores[c] = 0.0;
    }
  }
}

double weighted_mean(const std::vector<double>& values, const std::vector<double>& weights) {
  double sw = 0, swx = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    sw += weights[i];
    swx += weights[i] * values[i];
  }
  return sw > 0 ? swx / sw : 0.0;
}

void average_bags(const std::vector<std::vector<double>>& bagged,
                  const std::vector<double>& bag_weights, std::vector<double>& mean,
                  std::vector<double>& std_dev) {
  const size_t cells = bagged.empty() ? 0 : bagged[0].size();
  mean.assign(cells, 0.0);
  std_dev.assign(cells, 0.0);
  double sw = 0;
  for (double w : bag_weights) sw += w;
  if (!(sw > 0)) return;
  for (size_t b = 0; b < bagged.size(); ++b)
    for (size_t c = 0; c < cells; ++c) mean[c] += bag_weights[b] * bagged[b][c];
  for (double& m : mean) m /= sw;
  for (size_t b = 0; b < bagged.size(); ++b)
    for (size_t c = 0; c < cells; ++c) {
      const double d = bagged[b][c] - mean[c];
      std_dev[c] += bag_weights[b] * d * d;
    }
  for (double& s : std_dev) s = std::sqrt(s / sw);
}

double intercept_shift(Objective objective, const std::vector<double>& scores,
                       const std::vector<double>& y, const std::vector<double>& weights,
                       size_t rounds, double learning_rate) {
  auto w = [&](size_t i) { return weights.empty() ? 1.0 : weights[i]; };
  if (objective == Objective::Rmse) {
    double sw = 0, swr = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      sw += w(i);
      swr += w(i) * (y[i] - scores[i]);
    }
    return sw > 0 ? swr / sw : 0.0;
  }
  double shift = 0;
  for (size_t r = 0; r < rounds; ++r) {
    double g = 0, h = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      const double s = scores[i] + shift;
      const double e = std::exp(-std::fabs(s));  // p from the stable side
      const double p = s >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      g += w(i) * (p - y[i]);
      h += w(i) * p * (1.0 - p);
    }
    if (!(h >= DBL_MIN)) break;
    shift -= learning_rate * g / h;
  }
  return shift;
}

}  // namespace candor::explain::ebm
