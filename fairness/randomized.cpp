#include "fairness/randomized.h"

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/generator.h"

namespace candor::fairness {

namespace {
void check_probability(double p, size_t row) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw ValueError(fmt::format("fairness: a probability of predicting 1 must be in [0, 1], found {} at row {}", p, row));
  }
}
}  // namespace

Predictions expected_predictions(const std::vector<double>& y_true, const std::vector<double>& p_one,
                                 const std::vector<double>& weight) {
  const size_t n = y_true.size();
  if (p_one.size() != n || (!weight.empty() && weight.size() != n)) {
    throw ValueError(fmt::format("fairness: {} labels, {} probabilities and {} weights do not match", n, p_one.size(),
                                 weight.size()));
  }
  Predictions out;
  out.y_true.reserve(2 * n);
  out.y_pred.reserve(2 * n);
  out.weight.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    check_probability(p_one[i], i);
    const double w = weight.empty() ? 1.0 : weight[i];
    for (double predicted : {1.0, 0.0}) {
      out.y_true.push_back(y_true[i]);
      out.y_pred.push_back(predicted);
      out.weight.push_back(w * (predicted == 1.0 ? p_one[i] : 1.0 - p_one[i]));
    }
  }
  return out;
}

std::vector<double> sample_predictions(const std::vector<double>& p_one, uint64_t seed) {
  Generator gen(seed);
  std::vector<double> out(p_one.size());
  for (size_t i = 0; i < p_one.size(); ++i) {
    check_probability(p_one[i], i);
    const double u = static_cast<double>(gen.next_u64() >> 11) * 0x1.0p-53;  // 53 random bits
    out[i] = u < p_one[i] ? 1.0 : 0.0;
  }
  return out;
}

}  // namespace candor::fairness
