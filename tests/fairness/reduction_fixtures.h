// Learners for the reduction tests, small enough to check by hand:
// - a TableClassifier predicts labels[x_i0]: x's first column holds the row number, so a test can
//   hand the reductions any predictions it likes;
// - a recording learner keeps the labels and weights of every call and answers from a list of
//   tables (the last one repeats);
// - a weighted decision stump, the best single threshold on one feature by weighted error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "fairness/learner.h"

namespace candor::fairness::testdata {

class TableClassifier : public Classifier {
 public:
  explicit TableClassifier(std::vector<double> labels) : labels_(std::move(labels)) {}
  std::vector<double> predict(const Tensor& x) const override {
    std::vector<double> out;
    const std::vector<double> v = x.to_vector<double>();
    const int64_t f = x.size(1);
    for (int64_t i = 0; i < x.size(0); ++i) out.push_back(labels_.at(static_cast<size_t>(v[static_cast<size_t>(i * f)])));
    return out;
  }
  nlohmann::json to_json() const override { return {{"kind", "table"}, {"labels", labels_}}; }

 private:
  std::vector<double> labels_;
};

// x [N, 1] holding 0..N−1 (what TableClassifier reads).
inline Tensor row_numbers(int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0.0);
  return from_vector(v, {n, 1});
}

struct Call {
  std::vector<double> y, weight;
};

struct Recording {
  std::vector<Call> calls;
  std::vector<std::vector<double>> answers;  // the tables to answer with, in turn; the last repeats
};

inline Learner recording_learner(std::shared_ptr<Recording> record) {
  Learner l;
  l.name = "recording";
  l.fit = [record](const Tensor&, const std::vector<double>& y, const std::vector<double>& w) {
    const size_t k = std::min(record->calls.size(), record->answers.size() - 1);
    record->calls.push_back({y, w});
    return std::make_shared<TableClassifier>(record->answers[k]);
  };
  return l;
}

class StumpClassifier : public Classifier {
 public:
  StumpClassifier(int64_t feature, double threshold, double above) : feature_(feature), threshold_(threshold), above_(above) {}
  std::vector<double> predict(const Tensor& x) const override {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t f = x.size(1);
    std::vector<double> out;
    for (int64_t i = 0; i < x.size(0); ++i) {
      out.push_back(v[static_cast<size_t>(i * f + feature_)] > threshold_ ? above_ : 1 - above_);
    }
    return out;
  }
  nlohmann::json to_json() const override {
    return {{"kind", "stump"}, {"feature", feature_}, {"threshold", threshold_}, {"above", above_}};
  }

 private:
  int64_t feature_;
  double threshold_, above_;
};

// The stump (feature, threshold between sorted values, label above) with the least weighted error;
// ties go to the first found (features in order, thresholds ascending, label 1 above first).
inline Learner stump_learner() {
  Learner l;
  l.name = "stump";
  l.fit = [](const Tensor& x, const std::vector<double>& y, const std::vector<double>& w) {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t n = x.size(0), f = x.size(1);
    double total_pos = 0, total_neg = 0;
    for (int64_t i = 0; i < n; ++i) (y[static_cast<size_t>(i)] == 1 ? total_pos : total_neg) += w[static_cast<size_t>(i)];
    double best_error = std::min(total_pos, total_neg);  // a constant, as a threshold below every value
    int64_t best_feature = 0;
    double best_threshold = -1e300, best_above = total_pos >= total_neg ? 1 : 0;
    for (int64_t j = 0; j < f; ++j) {
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      auto at = [&](int64_t i) { return v[static_cast<size_t>(i * f + j)]; };
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return at(a) < at(b); });
      double pos_below = 0, neg_below = 0;  // weights at or below the threshold
      for (size_t k = 0; k + 1 < order.size(); ++k) {
        const auto i = static_cast<size_t>(order[k]);
        (y[i] == 1 ? pos_below : neg_below) += w[i];
        if (at(order[k]) == at(order[k + 1])) continue;
        const double threshold = 0.5 * (at(order[k]) + at(order[k + 1]));
        // Label 1 above: errors are positives below and negatives above; label 0 above: the rest.
        const double e1 = pos_below + (total_neg - neg_below), e0 = neg_below + (total_pos - pos_below);
        if (e1 < best_error - 1e-12) best_error = e1, best_feature = j, best_threshold = threshold, best_above = 1;
        if (e0 < best_error - 1e-12) best_error = e0, best_feature = j, best_threshold = threshold, best_above = 0;
      }
    }
    return std::make_shared<StumpClassifier>(best_feature, best_threshold, best_above);
  };
  return l;
}

// A sensitive feature from ids and names.
inline datasets::SensitiveFeature feature(const std::vector<int64_t>& ids, std::vector<std::string> names,
                                          std::string name = "group") {
  datasets::SensitiveFeature s;
  s.name = std::move(name);
  s.groups = std::move(names);
  s.ids = from_vector(ids, {static_cast<int64_t>(ids.size())});
  return s;
}

}  // namespace candor::fairness::testdata
