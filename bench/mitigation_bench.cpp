// Mitigations on UCI Adult with the protocol Fairlearn's published comparison uses: train
// adult.data, test adult.test, rows with a '?' dropped, fnlwgt dropped, numeric columns
// standardised, categories one-hot, sex the sensitive feature (and an input), logistic regression
// with C = 1. Prints one JSON object per case: fit time (median of repeats after a warm-up), the
// learner calls, and the expected test accuracy, DPD and EOD of the randomised classifier.
//   mitigation_bench [--repeats R]
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/timing.h"
#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "engine/threads.h"
#include "fairness/exponentiated_gradient.h"
#include "fairness/grid_search.h"
#include "fairness/metric_frame.h"
#include "fairness/named_metrics.h"
#include "fairness/randomized.h"
#include "fairness/threshold_optimizer.h"
#include "nn/logistic.h"

using namespace candor;

namespace {

struct Adult {
  datasets::Encoded train, test;
  std::vector<double> train_y, test_y;
};

Adult load() {
  datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
  d.schema.drop = {"fnlwgt"};
  d.schema.sensitive = {"sex"};
  const datasets::Encoder encoder = datasets::Encoder::fit(d.train, d.schema);
  Adult a{encoder.transform(d.train), encoder.transform(*d.test), {}, {}};
  a.train_y = a.train.y.to_vector<double>();
  a.test_y = a.test.y.to_vector<double>();
  return a;
}

// Expected accuracy, DPD and EOD of P(ŷ = 1) on the test rows.
nlohmann::json test_metrics(const Adult& a, const std::vector<double>& p_one) {
  std::vector<size_t> doubled;
  for (size_t i = 0; i < p_one.size(); ++i) doubled.insert(doubled.end(), {i, i});
  const fairness::MetricFrame frame(fairness::expected_predictions(a.test_y, p_one),
                                    fairness::take_rows(fairness::groups_of(a.test.sensitive), doubled));
  return {{"accuracy", frame.overall(fairness::Metric::Accuracy)},
          {"dpd", fairness::demographic_parity_difference(frame)},
          {"eod", fairness::equalized_odds_difference(frame)}};
}

}  // namespace

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--repeats") repeats = std::stoi(argv[i + 1]);
  }
  const Adult a = load();
  const datasets::SensitiveFeature& sex = a.train.sensitive[0];

  nn::LogisticRegression base;
  const double lr_seconds = bench::median_seconds([&] { base = nn::fit_logistic(a.train.x, a.train_y); }, 1, repeats);
  std::vector<double> base_p = base.predict(a.test.x);
  fmt::print("{}\n", nlohmann::json{{"name", "logistic_regression"}, {"seconds", lr_seconds},
                                    {"newton_steps", base.iterations}, {"test", test_metrics(a, base_p)}}
                         .dump());

  struct Case {
    std::string name;
    fairness::ExponentiatedGradientOptions options;
  };
  std::vector<Case> cases;
  for (double eps : {0.01, 0.02}) {
    fairness::ExponentiatedGradientOptions o;
    o.eps = eps;
    cases.push_back({fmt::format("expgrad_dp_eps{:g}", eps), o});
  }
  fairness::ExponentiatedGradientOptions eo;
  eo.eps = 0.02;
  eo.constraints.parity = fairness::Parity::EqualizedOdds;
  cases.push_back({"expgrad_eo_eps0.02", eo});
  for (const Case& c : cases) {
    fairness::ExponentiatedGradientResult r;
    const double seconds = bench::median_seconds(
        [&] { r = fairness::exponentiated_gradient(a.train.x, a.train_y, sex, fairness::logistic_learner(), c.options); },
        1, repeats);
    fmt::print("{}\n", nlohmann::json{{"name", c.name},
                                      {"seconds", seconds},
                                      {"oracle_calls", r.oracle_calls},
                                      {"iterations", r.last_iter + 1},
                                      {"best_gap", r.best_gap},
                                      {"test", test_metrics(a, r.probability_of_one(a.test.x))}}
                           .dump());
  }

  fairness::GridSearchResult grid;
  const double grid_seconds = bench::median_seconds(
      [&] { grid = fairness::grid_search(a.train.x, a.train_y, sex, fairness::logistic_learner()); }, 1, repeats);
  fmt::print("{}\n", nlohmann::json{{"name", "gridsearch_dp"}, {"seconds", grid_seconds}, {"oracle_calls", grid.oracle_calls},
                                    {"test", test_metrics(a, grid.predict(a.test.x))}}
                         .dump());

  const std::vector<double> train_scores = base.predict_proba(a.train.x), test_scores = base.predict_proba(a.test.x);
  for (auto constraint : {fairness::ThresholdConstraint::DemographicParity, fairness::ThresholdConstraint::EqualizedOdds}) {
    fairness::ThresholdOptions o;
    o.constraint = constraint;
    fairness::ThresholdResult r;
    const double seconds = bench::median_seconds(
        [&] { r = fairness::fit_threshold_optimizer(train_scores, a.train_y, sex, o); }, 1, repeats);
    fmt::print("{}\n", nlohmann::json{{"name", fmt::format("threshold_{}", fairness::constraint_name(constraint))},
                                      {"seconds", seconds},
                                      {"test", test_metrics(a, r.probability_of_one(test_scores, a.test.sensitive[0]))}}
                           .dump());
  }
  fmt::print("{}\n", nlohmann::json{{"name", "process"}, {"peak_rss_mb", bench::peak_rss_mb()}}.dump());
  return 0;
}
