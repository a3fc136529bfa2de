#include "nn/scoring.h"

#include <fmt/format.h>

#include "engine/engine.h"
#include "nn/metrics.h"

namespace candor::nn {

std::vector<double> predict_proba(Module& model, const Tensor& x, int64_t chunk) {
  model.eval();
  const Device device = model.device();  // each chunk of rows goes where the model is
  return predict_proba([&](const Tensor& rows) { return model(rows.to(device)); }, x, chunk);
}

std::vector<double> predict_proba(const std::function<Tensor(const Tensor&)>& model, const Tensor& x, int64_t chunk) {
  if (chunk < 1) throw ValueError(fmt::format("predict_proba: chunk must be >= 1, got {}", chunk));
  NoGradGuard no_grad;
  std::vector<double> out;
  const int64_t n = x.size(0);
  for (int64_t start = 0; start < n; start += chunk) {
    const int64_t rows = std::min(chunk, n - start);
    std::vector<double> p = sigmoid(reshape(model(narrow(x, 0, start, rows)), {-1})).to_vector<double>();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Scores score(Module& model, const datasets::Encoded& data) {
  Scores s;
  if (data.y.defined()) s.y = data.y.to_vector<double>();
  s.weight = data.weight.to_vector<double>();
  s.score = predict_proba(model, data.x);
  return s;
}

std::vector<double> thresholded(const std::vector<double>& score, double threshold) {
  std::vector<double> y(score.size());
  for (size_t i = 0; i < score.size(); ++i) y[i] = score[i] >= threshold ? 1.0 : 0.0;
  return y;
}

std::map<std::string, double> task_metrics(const Scores& s) {
  if (s.y.size() != s.score.size()) {
    throw ValueError(fmt::format("task metrics: {} labels for {} scores (unlabelled rows have no task metrics)",
                                 s.y.size(), s.score.size()));
  }
  const std::vector<double> predicted = thresholded(s.score);
  return {{"accuracy", accuracy(s.y, predicted, s.weight)},
          {"roc_auc", roc_auc(s.y, s.score, s.weight)},
          {"log_loss", log_loss(s.y, s.score, s.weight)}};
}

}  // namespace candor::nn
