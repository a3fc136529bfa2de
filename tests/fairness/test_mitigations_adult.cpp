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
//
// Reweighing and the correlation remover have no published Adult numbers under this protocol;
// they are checked for what they promise (equal weighted label rates, zero correlation with the
// sex columns) and for lowering the demographic parity difference of the refitted model.
#include <algorithm>
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "fairness/correlation_remover.h"
#include "fairness/randomized.h"
#include "fairness/reweighing.h"
#include "fairness/threshold_optimizer.h"
#include "nn/logistic.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;

namespace {

struct Adult {
  datasets::Encoder encoder;
  datasets::Encoded train, test;
  std::vector<double> train_score, test_score;  // the logistic regression's P(y = 1)
};

const Adult& adult() {
  static const Adult data = [] {
    datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
    d.schema.drop = {"fnlwgt"};
    d.schema.sensitive = {"sex"};
    const datasets::Encoder encoder = datasets::Encoder::fit(d.train, d.schema);
    Adult a{encoder, encoder.transform(d.train), encoder.transform(*d.test), {}, {}};
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

// Demographic parity difference of the hard predictions P(y = 1) > 0.5 on the test rows.
double test_dpd(const std::vector<double>& score) {
  const Adult& a = adult();
  std::vector<double> label(score.size());
  for (size_t i = 0; i < score.size(); ++i) label[i] = score[i] > 0.5 ? 1.0 : 0.0;
  return summarise(a.test, label).dpd;
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

TEST_CASE("mitigations on Adult: reweighing equalises the weighted label rates and lowers the refitted model's DPD") {
  const Adult& a = adult();
  const std::vector<double> y = a.train.y.to_vector<double>();
  const Reweighing r = fit_reweighing(y, a.train.sensitive[0]);
  // Female and Male both get the overall rate of >50K (7508 of 30162).
  const std::vector<int64_t> ids = a.train.sensitive[0].ids.to_vector<int64_t>();
  double ones[2] = {0, 0}, all[2] = {0, 0};
  for (size_t i = 0; i < y.size(); ++i) {
    ones[ids[i]] += r.weights[i] * y[i];
    all[ids[i]] += r.weights[i];
  }
  CHECK(ones[0] / all[0] == doctest::Approx(7508.0 / 30162).epsilon(1e-12));
  CHECK(ones[1] / all[1] == doctest::Approx(7508.0 / 30162).epsilon(1e-12));
  const nn::LogisticRegression reweighed = nn::fit_logistic(a.train.x, y, r.weights);
  const double before = test_dpd(a.test_score), after = test_dpd(reweighed.predict_proba(a.test.x));
  INFO("test DPD " << before << " -> " << after);
  CHECK(after < 0.6 * before);  // measured: 0.184 -> 0.086
}

TEST_CASE("mitigations on Adult: the correlation remover decorrelates every feature from sex and lowers the DPD") {
  const Adult& a = adult();
  CorrelationRemoverOptions o;
  o.sensitive_columns = encoded_columns(a.encoder, "sex");
  REQUIRE(o.sensitive_columns.size() == 2);  // sex=Female, sex=Male
  CHECK(a.encoder.feature_names()[static_cast<size_t>(o.sensitive_columns[0])] == "sex=Female");
  CHECK(encoded_columns(a.encoder, "age") == std::vector<int64_t>{0});
  testing::check_throws<ValueError>([&] { encoded_columns(a.encoder, "fnlwgt"); },
                                    {"no feature of column \"fnlwgt\" (input columns: age, workclass,"});
  const CorrelationRemover m = fit_correlation_remover(a.train.x, o);
  const Tensor x = m.transform(a.train.x);
  REQUIRE(x.size(1) == a.train.x.size(1) - 2);
  // Sample covariance of each kept feature with sex=Male, relative to the features' scales.
  const std::vector<double> kept = x.to_vector<double>(), raw = a.train.x.to_vector<double>();
  const size_t n = static_cast<size_t>(x.size(0)), k = static_cast<size_t>(x.size(1));
  const size_t f = static_cast<size_t>(a.train.x.size(1)), male = static_cast<size_t>(o.sensitive_columns[1]);
  double male_mean = 0;
  for (size_t i = 0; i < n; ++i) male_mean += raw[i * f + male] / static_cast<double>(n);
  double worst = 0;
  for (size_t c = 0; c < k; ++c) {
    double mean = 0, cov = 0, var = 0, var_s = 0;
    for (size_t i = 0; i < n; ++i) mean += kept[i * k + c] / static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) {
      const double dz = kept[i * k + c] - mean, ds = raw[i * f + male] - male_mean;
      cov += dz * ds;
      var += dz * dz;
      var_s += ds * ds;
    }
    if (var > 0) worst = std::max(worst, std::abs(cov) / std::sqrt(var * var_s));
  }
  CHECK(worst < 1e-5);  // float32 features
  const nn::LogisticRegression model = nn::fit_logistic(x, a.train.y.to_vector<double>());
  const double before = test_dpd(a.test_score), after = test_dpd(model.predict_proba(m.transform(a.test.x)));
  INFO("test DPD " << before << " -> " << after);
  CHECK(after < 0.6 * before);  // measured: 0.184 -> 0.085
}
