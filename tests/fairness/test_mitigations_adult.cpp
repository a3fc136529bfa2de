// The mitigations on UCI Adult against Fairlearn's published-protocol numbers.
//
// Protocol (Fairlearn 0.x with scikit-learn 1.2): adult.data for training and adult.test for
// testing, rows with '?' dropped, fnlwgt dropped, numeric columns standardised with the training
// mean and std (ddof 0), categories one-hot with the sorted training levels (an unseen test level
// is all zeros), sex both an input and the sensitive feature. LogisticRegression(C=1, lbfgs);
// ThresholdOptimizer(prefit, grid_size=1000, objective accuracy_score) fitted on the training rows
// with the model's predict_proba; metrics on the test rows as expected values over the
// randomisation (_pmf_predict):
//   demographic_parity: accuracy 0.8261, demographic parity difference 0.0027
//   equalized_odds:     accuracy 0.8300, DPD 0.0916, equalized odds difference 0.0181
// candor's logistic regression is solved to its optimum, while lbfgs stops at a gradient tolerance.
// The equalized-odds point is robust to that (all three numbers agree to the fourth decimal); the
// demographic-parity one is not: its training objective is nearly flat around the optimum, and
// the chosen selection rate sits at a kink of one group's hull that small changes of the scores
// move. Newton iterates 3 to 6 and C in {0.5, 1, 2} gave DP test accuracies from 0.8248 to 0.8267
// and DPD from 0.0003 to 0.0041 (EO: accuracy 0.8297 to 0.8304). Hence the tolerance of 0.003.
#include <algorithm>
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "fairness/randomized.h"
#include "fairness/threshold_optimizer.h"
#include "nn/logistic.h"

using namespace candor;
using namespace candor::fairness;

namespace {

struct Adult {
  datasets::Encoded train, test;
  std::vector<double> train_score, test_score;  // the logistic regression's P(y = 1)
};

const Adult& adult() {
  static const Adult data = [] {
    datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
    d.schema.drop = {"fnlwgt"};
    d.schema.sensitive = {"sex"};
    const datasets::Encoder encoder = datasets::Encoder::fit(d.train, d.schema);
    Adult a{encoder.transform(d.train), encoder.transform(*d.test), {}, {}};
    const nn::LogisticRegression model = nn::fit_logistic(a.train.x, a.train.y.to_vector<double>());
    a.train_score = model.predict_proba(a.train.x);
    a.test_score = model.predict_proba(a.test.x);
    return a;
  }();
  return data;
}

struct Summary {
  double accuracy = 0, dpd = 0, eod = 0;
};

// Expected accuracy, and the largest between-group differences of selection rate (DPD) and of
// TPR or FPR (EOD), of P(ŷ = 1) = p on the rows of `e`.
Summary summarise(const datasets::Encoded& e, const std::vector<double>& p) {
  const std::vector<double> y = e.y.to_vector<double>();
  const Predictions expected = expected_predictions(y, p);
  const std::vector<int64_t> ids = e.sensitive[0].ids.to_vector<int64_t>();
  std::vector<std::vector<size_t>> rows(e.sensitive[0].size());
  std::vector<size_t> all;
  for (size_t i = 0; i < ids.size(); ++i) {
    rows[static_cast<size_t>(ids[i])].insert(rows[static_cast<size_t>(ids[i])].end(), {2 * i, 2 * i + 1});
    all.insert(all.end(), {2 * i, 2 * i + 1});
  }
  std::vector<double> selection, tpr, fpr;
  for (const std::vector<size_t>& r : rows) {
    const Confusion c = confusion(expected, r);
    selection.push_back((c.tp + c.fp) / c.total());
    tpr.push_back(c.tp / (c.tp + c.fn));
    fpr.push_back(c.fp / (c.fp + c.tn));
  }
  auto spread = [](const std::vector<double>& v) {
    return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
  };
  const Confusion c = confusion(expected, all);
  return {(c.tp + c.tn) / c.total(), spread(selection), std::max(spread(tpr), spread(fpr))};
}

}  // namespace

TEST_CASE("mitigations on Adult: ThresholdOptimizer under demographic parity as Fairlearn (accuracy 0.8261, DPD 0.0027)") {
  const Adult& a = adult();
  REQUIRE(a.train.sensitive[0].groups == std::vector<std::string>{"Female", "Male"});
  const ThresholdResult r =
      fit_threshold_optimizer(a.train_score, a.train.y.to_vector<double>(), a.train.sensitive[0]);
  // On the training rows the expected selection rates are equal by construction.
  CHECK(summarise(a.train, r.probability_of_one(a.train_score, a.train.sensitive[0])).dpd < 1e-12);
  const Summary s = summarise(a.test, r.probability_of_one(a.test_score, a.test.sensitive[0]));
  INFO("DP: x " << r.x << ", test accuracy " << s.accuracy << ", DPD " << s.dpd << ", EOD " << s.eod);
  CHECK(std::abs(s.accuracy - 0.8261) < 0.003);
  CHECK(std::abs(s.dpd - 0.0027) < 0.003);
}

TEST_CASE("mitigations on Adult: ThresholdOptimizer under equalized odds as Fairlearn (accuracy 0.8300, EOD 0.0181)") {
  const Adult& a = adult();
  ThresholdOptions o;
  o.constraint = ThresholdConstraint::EqualizedOdds;
  const ThresholdResult r =
      fit_threshold_optimizer(a.train_score, a.train.y.to_vector<double>(), a.train.sensitive[0], o);
  const Summary train = summarise(a.train, r.probability_of_one(a.train_score, a.train.sensitive[0]));
  CHECK(train.eod < 1e-12);
  const Summary s = summarise(a.test, r.probability_of_one(a.test_score, a.test.sensitive[0]));
  INFO("EO: x " << r.x << ", test accuracy " << s.accuracy << ", DPD " << s.dpd << ", EOD " << s.eod);
  CHECK(std::abs(s.accuracy - 0.8300) < 0.003);
  CHECK(std::abs(s.dpd - 0.0916) < 0.005);
  CHECK(std::abs(s.eod - 0.0181) < 0.005);
}
