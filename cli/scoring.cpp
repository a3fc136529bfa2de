#include "cli/scoring.h"

#include "engine/engine.h"
#include "nn/metrics.h"

namespace candor::cli {

Scores score_model(nn::Module& model, const datasets::Encoded& data) {
  NoGradGuard no_grad;
  model.eval();
  Scores s;
  s.y = data.y.to_vector<double>();
  s.weight = data.weight.to_vector<double>();
  s.score = sigmoid(reshape(model(data.x), {-1})).to_vector<double>();  // [N]
  return s;
}

std::map<std::string, double> task_metrics(const Scores& s) {
  std::vector<double> predicted(s.score.size());
  for (size_t i = 0; i < s.score.size(); ++i) predicted[i] = s.score[i] >= 0.5 ? 1.0 : 0.0;
  return {{"accuracy", nn::accuracy(s.y, predicted, s.weight)},
          {"roc_auc", nn::roc_auc(s.y, s.score, s.weight)},
          {"log_loss", nn::log_loss(s.y, s.score, s.weight)}};
}

}  // namespace candor::cli
