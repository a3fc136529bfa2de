// Adversarial debiasing (fairness/adversarial.h): the projection of Zhang, Lemoine & Mitchell
// (2018) checked on vectors, then the trained predictor against an unmitigated logistic
// regression on the synthetic biased data, determinism and bad input.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "datasets/labels.h"
#include "datasets/split.h"
#include "engine/engine.h"
#include "fairness/adversarial.h"
#include "fairness/evaluation.h"
#include "nn/logistic.h"
#include "nn/scoring.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

double dot(const Tensor& a, const Tensor& b) { return sum(a * b).item<double>(); }

struct Data {
  datasets::Encoded train, test;
};

const Data& biased() {
  static const Data data = [] {
    datasets::SyntheticOptions so;
    so.rows = 4000;
    so.label_bias = 2.0;
    so.seed = 5;
    datasets::Dataset ds = datasets::make_synthetic(so);
    datasets::Split split = datasets::stratified_split(datasets::binary_labels(ds.train, ds.schema), 0.3, 0.0, 1);
    datasets::Table train = ds.train.select_rows(split.train), test = ds.train.select_rows(split.validation);
    datasets::Encoder encoder = datasets::Encoder::fit(train, ds.schema);
    return Data{encoder.transform(train), encoder.transform(test)};
  }();
  return data;
}

// Demographic-parity and equalised-odds differences of hard predictions (score > 0.5) on test.
std::pair<double, double> gaps(const std::vector<double>& score) {
  const Data& d = biased();
  nn::Scores s{d.test.y.to_vector<double>(), score, {}};
  return {measured_gap(Gap::DemographicParity, s, d.test.sensitive[0]),
          measured_gap(Gap::EqualizedOdds, s, d.test.sensitive[0])};
}

std::vector<double> probabilities(nn::Module& model, const Tensor& x) {
  NoGradGuard no_grad;
  return sigmoid(reshape(model(x), {-1})).to_vector<double>();
}

AdversarialOptions quick(AdversaryConstraint c) {
  AdversarialOptions o;
  o.constraint = c;
  o.epochs = 3;
  o.batch_size = 64;
  o.learning_rate = 1e-2;
  o.alpha = 1.0;
  o.seed = 3;
  return o;
}

}  // namespace

TEST_CASE("adversarial: the projection removes the predictor gradient's component along the adversary's") {
  Generator gen(1);
  const Tensor gp = randn({5, 3}, kFloat64, &gen), ga = randn({5, 3}, kFloat64, &gen);
  // α = 0: only the projection acts, and the step is orthogonal to ∇L_A.
  const Tensor projected = adversarial_direction(gp, ga, 0.0);
  CHECK(std::abs(dot(projected, ga)) < 1e-12);
  // What was removed is parallel to ∇L_A: gp − projected = (u·gp) u.
  const Tensor removed = gp - projected;
  CHECK(std::abs(dot(removed, ga) * dot(removed, ga) - dot(removed, removed) * dot(ga, ga)) < 1e-9);
  // α > 0 adds −α ∇L_A: the step then raises L_A at the rate α‖∇L_A‖².
  const Tensor pushed = adversarial_direction(gp, ga, 0.7);
  CHECK(dot(pushed, ga) == doctest::Approx(-0.7 * dot(ga, ga)).epsilon(1e-12));
  // No adversary gradient: the task gradient unchanged.
  CHECK(dot(adversarial_direction(gp, zeros({5, 3}, kFloat64), 1.0) - gp, gp) == 0);
  check_throws<ValueError>([&] { adversarial_direction(gp, zeros({3, 5}, kFloat64), 1.0); }, {"[5, 3]", "[3, 5]"});
}

TEST_CASE("adversarial: demographic parity mode narrows the selection-rate gap a logistic regression leaves") {
  const Data& d = biased();
  const nn::LogisticRegression plain = nn::fit_logistic(d.train.x, d.train.y.to_vector<double>());
  const auto [plain_dp, plain_eo] = gaps(plain.predict_proba(d.test.x));
  AdversarialResult r = fit_adversarial(d.train, d.train.sensitive[0], quick(AdversaryConstraint::DemographicParity));
  const auto [dp, eo] = gaps(probabilities(*r.predictor, d.test.x));
  MESSAGE("DP gap: logistic " << plain_dp << ", adversarial " << dp);
  CHECK(dp < 0.5 * plain_dp);
  CHECK(r.history.size() == 3);
}

TEST_CASE("adversarial: equalized odds mode narrows the odds gap") {
  const Data& d = biased();
  const nn::LogisticRegression plain = nn::fit_logistic(d.train.x, d.train.y.to_vector<double>());
  const auto [plain_dp, plain_eo] = gaps(plain.predict_proba(d.test.x));
  // The two-player game oscillates (Zhang et al. prove convergence only for a decaying step): a
  // gentler α and step over more epochs settle here; α = 1 at step 1e-2 overshoots on this data.
  AdversarialOptions o = quick(AdversaryConstraint::EqualizedOdds);
  o.alpha = 0.3;
  o.learning_rate = 1e-3;
  o.epochs = 20;
  AdversarialResult r = fit_adversarial(d.train, d.train.sensitive[0], o);
  const auto [dp, eo] = gaps(probabilities(*r.predictor, d.test.x));
  MESSAGE("EO gap: logistic " << plain_eo << ", adversarial " << eo);
  CHECK(eo < 0.5 * plain_eo);
}

TEST_CASE("adversarial: the same seed gives the same weights") {
  const Data& d = biased();
  AdversarialOptions o = quick(AdversaryConstraint::DemographicParity);
  o.epochs = 1;
  o.shuffle = true;
  const AdversarialResult a = fit_adversarial(d.train, d.train.sensitive[0], o);
  const AdversarialResult b = fit_adversarial(d.train, d.train.sensitive[0], o);
  const auto pa = a.predictor->named_parameters(), pb = b.predictor->named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].second.to_vector<float>() == pb[i].second.to_vector<float>());
}

TEST_CASE("adversarial: bad options and data are one clear error") {
  const Data& d = biased();
  AdversarialOptions o;
  o.alpha = std::nan("");
  check_throws<ValueError>([&] { fit_adversarial(d.train, d.train.sensitive[0], o); }, {"alpha", "nan"});
  o = {};
  o.batch_size = 0;
  check_throws<ValueError>([&] { fit_adversarial(d.train, d.train.sensitive[0], o); }, {"batch_size must be >= 1, got 0"});
  datasets::SensitiveFeature one = d.train.sensitive[0];
  one.groups = {"all"};
  one.ids = zeros({d.train.x.size(0)}, kInt64);
  check_throws<ValueError>([&] { fit_adversarial(d.train, one, {}); }, {"has 1 group", "at least two"});
  datasets::Encoded same = d.train;
  same.y = ones({d.train.x.size(0)});
  check_throws<ValueError>([&] { fit_adversarial(same, d.train.sensitive[0], {}); }, {"one class only"});
  check_throws<ValueError>([&] { fit_adversarial(d.train, d.test.sensitive[0], {}); }, {"rows but the group"});
}
