#include "cli/scoring.h"

#include <algorithm>

#include "engine/engine.h"
#include <fmt/format.h>

#include "fairness/report.h"
#include "nn/metrics.h"

namespace candor::cli {

Scores score_model(nn::Module& model, const datasets::Encoded& data) {
  NoGradGuard no_grad;
  model.eval();
  Scores s;
  s.y = data.y.to_vector<double>();
  s.weight = data.weight.to_vector<double>();
  // In chunks of rows, so a transformer's activations stay small whatever the split's size.
  constexpr int64_t kChunk = 1024;
  const int64_t n = data.x.size(0);
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t rows = std::min(kChunk, n - start);
    std::vector<double> p = sigmoid(reshape(model(narrow(data.x, 0, start, rows)), {-1})).to_vector<double>();
    s.score.insert(s.score.end(), p.begin(), p.end());
  }
  return s;
}

std::map<std::string, double> task_metrics(const Scores& s) {
  std::vector<double> predicted(s.score.size());
  for (size_t i = 0; i < s.score.size(); ++i) predicted[i] = s.score[i] >= 0.5 ? 1.0 : 0.0;
  return {{"accuracy", nn::accuracy(s.y, predicted, s.weight)},
          {"roc_auc", nn::roc_auc(s.y, s.score, s.weight)},
          {"log_loss", nn::log_loss(s.y, s.score, s.weight)}};
}

std::vector<double> thresholded(const std::vector<double>& score) {
  std::vector<double> y(score.size());
  for (size_t i = 0; i < score.size(); ++i) y[i] = score[i] >= 0.5 ? 1.0 : 0.0;
  return y;
}

std::vector<std::vector<std::string>> sensitive_values(const datasets::Table& table,
                                                       const std::vector<std::string>& names,
                                                       const std::vector<size_t>& kept_rows) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& name : names) {
    const datasets::Column& col = table.column(name);
    std::vector<std::string> values;
    for (size_t row : kept_rows) {
      values.push_back(col.type == datasets::ColumnType::Numeric ? fmt::format("{}", col.numbers[row])
                                                                 : col.values[row]);
    }
    out.push_back(std::move(values));
  }
  return out;
}

nlohmann::json split_report(const Scores& s, const std::vector<std::string>& names,
                            const std::vector<std::vector<std::string>>& sensitive, int64_t bootstrap,
                            uint64_t seed) {
  nlohmann::json section = task_metrics(s);
  fairness::AuditInput input;
  input.y_true = s.y;
  input.y_pred = thresholded(s.score);
  input.y_score = s.score;
  input.weight = s.weight;
  input.sensitive_names = names;
  input.sensitive = sensitive;
  fairness::AuditOptions options;
  options.bootstrap.replicates = static_cast<int>(bootstrap);
  options.bootstrap.seed = seed;
  options.intersectional = false;
  section["fairness"] = fairness::audit_json(input, options);
  return section;
}

}  // namespace candor::cli
