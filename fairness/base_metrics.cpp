#include "fairness/base_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "nn/metrics.h"

namespace candor::fairness {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_binary(double v) { return v == 0.0 || v == 1.0; }
}  // namespace

const std::array<Metric, kMetricCount>& all_metrics() {
  static const std::array<Metric, kMetricCount> metrics = {
      Metric::Count, Metric::SelectionRate, Metric::MeanScore, Metric::Accuracy, Metric::BalancedAccuracy,
      Metric::Tpr,   Metric::Fpr,           Metric::Tnr,       Metric::Fnr,      Metric::Precision,
      Metric::Npv,   Metric::RocAuc,        Metric::LogLoss,   Metric::Brier,    Metric::CalibrationError};
  return metrics;
}

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::Count: return "count";
    case Metric::SelectionRate: return "selection_rate";
    case Metric::MeanScore: return "mean_score";
    case Metric::Accuracy: return "accuracy";
    case Metric::BalancedAccuracy: return "balanced_accuracy";
    case Metric::Tpr: return "tpr";
    case Metric::Fpr: return "fpr";
    case Metric::Tnr: return "tnr";
    case Metric::Fnr: return "fnr";
    case Metric::Precision: return "precision";
    case Metric::Npv: return "npv";
    case Metric::RocAuc: return "roc_auc";
    case Metric::LogLoss: return "log_loss";
    case Metric::Brier: return "brier";
    case Metric::CalibrationError: return "calibration_error";
  }
  return "?";
}

bool uses_score(Metric m) {
  return m == Metric::MeanScore || m == Metric::RocAuc || m == Metric::LogLoss || m == Metric::Brier ||
         m == Metric::CalibrationError;
}

void Predictions::validate() const {
  size_t n = y_true.size();
  if (y_pred.size() != n || (!y_score.empty() && y_score.size() != n) || (!weight.empty() && weight.size() != n)) {
    throw ValueError(fmt::format("fairness: {} labels, {} predictions, {} scores and {} weights do not match", n,
                                 y_pred.size(), y_score.size(), weight.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!is_binary(y_true[i])) throw ValueError(fmt::format("fairness: y_true must be 0 or 1, found {} at row {}", y_true[i], i));
    if (!is_binary(y_pred[i])) throw ValueError(fmt::format("fairness: y_pred must be 0 or 1, found {} at row {}", y_pred[i], i));
    if (!y_score.empty() && !(y_score[i] >= 0.0 && y_score[i] <= 1.0)) {
      throw ValueError(fmt::format("fairness: a score must be a probability in [0, 1], found {} at row {}", y_score[i], i));
    }
    if (!weight.empty() && !(std::isfinite(weight[i]) && weight[i] >= 0.0)) {
      throw ValueError(fmt::format("fairness: a weight must be finite and >= 0, found {} at row {}", weight[i], i));
    }
  }
}

Predictions Predictions::take(const std::vector<size_t>& rows) const {
  Predictions out;
  auto pick = [&](const std::vector<double>& from, std::vector<double>& to) {
    if (from.empty()) return;
    to.reserve(rows.size());
    for (size_t r : rows) to.push_back(from.at(r));
  };
  pick(y_true, out.y_true);
  pick(y_pred, out.y_pred);
  pick(y_score, out.y_score);
  pick(weight, out.weight);
  return out;
}

Confusion& Confusion::operator+=(const Confusion& o) {
  tp += o.tp;
  fp += o.fp;
  tn += o.tn;
  fn += o.fn;
  return *this;
}

Confusion confusion(const Predictions& data, const std::vector<size_t>& rows) {
  Confusion c;
  for (size_t r : rows) {
    double w = data.weight_at(r);
    bool y = data.y_true[r] == 1.0, p = data.y_pred[r] == 1.0;
    (y ? (p ? c.tp : c.fn) : (p ? c.fp : c.tn)) += w;
  }
  return c;
}

MetricValues::MetricValues() { values.fill(kNaN); }

MetricValues compute_metrics(const Predictions& data, const std::vector<size_t>& rows) {
  MetricValues out;
  out[Metric::Count] = static_cast<double>(rows.size());
  auto undefined = [&](Metric m, const std::string& why) { out.undefined.emplace_back(m, why); };
  if (rows.empty()) {
    for (Metric m : all_metrics()) {
      if (m != Metric::Count && (data.has_score() || !uses_score(m))) undefined(m, "no rows");
    }
    return out;
  }
  Confusion c = confusion(data, rows);
  double total = c.total();
  // numerator / denominator, or NaN with a reason when the denominator is 0.
  auto rate = [&](Metric m, double num, double den, const char* why) {
    if (den > 0) {
      out[m] = num / den;
    } else {
      undefined(m, total > 0 ? why : "the weights sum to 0");
    }
  };
  rate(Metric::SelectionRate, c.tp + c.fp, total, "");
  rate(Metric::Accuracy, c.tp + c.tn, total, "");
  rate(Metric::Tpr, c.tp, c.tp + c.fn, "0/0: no rows with y_true = 1");
  rate(Metric::Fnr, c.fn, c.tp + c.fn, "0/0: no rows with y_true = 1");
  rate(Metric::Fpr, c.fp, c.fp + c.tn, "0/0: no rows with y_true = 0");
  rate(Metric::Tnr, c.tn, c.fp + c.tn, "0/0: no rows with y_true = 0");
  rate(Metric::Precision, c.tp, c.tp + c.fp, "0/0: no rows with y_pred = 1");
  rate(Metric::Npv, c.tn, c.tn + c.fn, "0/0: no rows with y_pred = 0");
  if (c.tp + c.fn > 0 && c.fp + c.tn > 0) {
    out[Metric::BalancedAccuracy] = 0.5 * (c.tp / (c.tp + c.fn) + c.tn / (c.fp + c.tn));
  } else {
    undefined(Metric::BalancedAccuracy, total == 0 ? "the weights sum to 0"
                                        : c.tp + c.fn == 0 ? "its tpr is undefined (no rows with y_true = 1)"
                                                           : "its tnr is undefined (no rows with y_true = 0)");
  }
  if (!data.has_score()) return out;

  Predictions sub = data.take(rows);
  if (total == 0) {
    for (Metric m : all_metrics()) {
      if (uses_score(m)) undefined(m, "the weights sum to 0");
    }
    return out;
  }
  double score_sum = 0, brier = 0;
  for (size_t i = 0; i < sub.size(); ++i) {
    double w = sub.weight_at(i), d = sub.y_score[i] - sub.y_true[i];
    score_sum += w * sub.y_score[i];
    brier += w * d * d;
  }
  out[Metric::MeanScore] = score_sum / total;
  out[Metric::Brier] = brier / total;
  out[Metric::LogLoss] = nn::log_loss(sub.y_true, sub.y_score, sub.weight);
  out[Metric::CalibrationError] = expected_calibration_error(sub.y_true, sub.y_score, sub.weight);
  if (c.tp + c.fn > 0 && c.fp + c.tn > 0) {
    out[Metric::RocAuc] = nn::roc_auc(sub.y_true, sub.y_score, sub.weight);
  } else {
    undefined(Metric::RocAuc, c.tp + c.fn == 0 ? "one class only: no rows with y_true = 1"
                                               : "one class only: no rows with y_true = 0");
  }
  return out;
}

double expected_calibration_error(const std::vector<double>& y_true, const std::vector<double>& score,
                                  const std::vector<double>& weight, int bins) {
  if (bins < 1) throw ValueError(fmt::format("calibration error: bins must be >= 1, got {}", bins));
  if (score.size() != y_true.size() || (!weight.empty() && weight.size() != y_true.size())) {
    throw ValueError(fmt::format("calibration error: {} labels, {} scores and {} weights do not match",
                                 y_true.size(), score.size(), weight.size()));
  }
  std::vector<double> w_bin(bins, 0.0), y_bin(bins, 0.0), s_bin(bins, 0.0);
  double total = 0;
  for (size_t i = 0; i < y_true.size(); ++i) {
    double w = weight.empty() ? 1.0 : weight[i];
    int b = std::clamp(static_cast<int>(std::floor(score[i] * bins)), 0, bins - 1);
    w_bin[b] += w;
    y_bin[b] += w * y_true[i];
    s_bin[b] += w * score[i];
    total += w;
  }
  if (total == 0) return kNaN;
  // Σ_b (W_b / W)·|ȳ_b − s̄_b| = Σ_b |Σ_b w·y − Σ_b w·s| / W
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (w_bin[b] > 0) ece += std::abs(y_bin[b] - s_bin[b]);
  }
  return ece / total;
}

}  // namespace candor::fairness
