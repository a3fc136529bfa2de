// fairness::mitigate (fairness/mitigate.h): every method behind one call on the synthetic biased
// data, against the same unmitigated base learner; what each returns, determinism and bad options.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/labels.h"
#include "datasets/split.h"
#include "engine/engine.h"
#include "fairness/compare.h"
#include "fairness/mitigate.h"
#include "fairness/mitigated_classifier.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

struct Data {
  datasets::Encoder encoder;
  datasets::Encoded train, validation, test;
};

const Data& biased() {
  static const Data data = [] {
    datasets::SyntheticOptions so;
    so.rows = 3000;
    so.label_bias = 2.0;
    so.seed = 7;
    datasets::Dataset ds = datasets::make_synthetic(so);
    datasets::Split split = datasets::stratified_split(datasets::binary_labels(ds.train, ds.schema), 0.3, 0.15, 2);
    const datasets::Table train = ds.train.select_rows(split.train);
    datasets::Encoder encoder = datasets::Encoder::fit(train, ds.schema);
    return Data{encoder, encoder.transform(train), encoder.transform(ds.train.select_rows(split.validation)),
                encoder.transform(ds.train.select_rows(split.test))};
  }();
  return data;
}

// Expected DPD of P(ŷ = 1) on the test rows.
double dpd(const std::vector<double>& p_one) {
  const Data& d = biased();
  MethodOutcome o{"m", "m", d.test.y.to_vector<double>(), p_one, groups_of({d.test.sensitive[0]}), NAN};
  BootstrapOptions none;
  none.replicates = 0;
  return compare_methods({o}, none)[0].dpd.value;
}

MitigationResult run(MitigationMethod method, const std::string& constraint = "dp") {
  const Data& d = biased();
  MitigationOptions o;
  o.method = method;
  o.constraint = constraint;
  o.adversarial.epochs = 3;
  o.adversarial.learning_rate = 1e-2;
  return mitigate(d.encoder, d.train, d.validation, d.test, o);
}

}  // namespace

TEST_CASE("mitigate: every method narrows the demographic-parity gap of the same logistic regression") {
  for (MitigationMethod m : {MitigationMethod::Reweighing, MitigationMethod::CorrelationRemover,
                             MitigationMethod::ExponentiatedGradient, MitigationMethod::GridSearch,
                             MitigationMethod::Threshold, MitigationMethod::Adversarial}) {
    const std::string name = method_name(m);
    CAPTURE(name);
    const MitigationResult r = run(m);
    REQUIRE(r.after_test.size() == static_cast<size_t>(biased().test.x.size(0)));
    REQUIRE(r.before_test.size() == r.after_test.size());
    MESSAGE(name << ": DPD " << dpd(r.before_test) << " -> " << dpd(r.after_test));
    CHECK(dpd(r.after_test) < 0.6 * dpd(r.before_test));
    // Randomised classifiers give probabilities; the others 0/1 labels.
    const bool randomised = m == MitigationMethod::ExponentiatedGradient || m == MitigationMethod::Threshold;
    CHECK(r.randomised == randomised);
    size_t fractional = 0;
    for (double p : r.after_test) fractional += p != 0 && p != 1;
    CHECK((fractional > 0) == randomised);
    // One network over the encoded features is handed back for a checkpoint.
    CHECK(static_cast<bool>(r.module) == (m == MitigationMethod::Reweighing || m == MitigationMethod::Adversarial));
    CHECK(r.feature == "group");
    CHECK(r.state.is_object());
    CHECK(r.fit_seconds >= 0);
  }
}

TEST_CASE("mitigate: the same options give the same predictions") {
  for (MitigationMethod m : {MitigationMethod::ExponentiatedGradient, MitigationMethod::Adversarial}) {
    CHECK(run(m).after_test == run(m).after_test);
  }
}

TEST_CASE("mitigate: equalized odds through the reductions and the thresholds") {
  for (MitigationMethod m : {MitigationMethod::ExponentiatedGradient, MitigationMethod::Threshold}) {
    const std::string name = method_name(m);
    CAPTURE(name);
    const MitigationResult r = run(m, "eo");
    CHECK(r.after_test.size() == static_cast<size_t>(biased().test.x.size(0)));
  }
  CHECK(run(MitigationMethod::GridSearch, "tpr").state.is_object());
}

TEST_CASE("mitigate: the reductions refit an MLP learner too, and its mixture is JSON") {
  const Data& d = biased();
  MitigationOptions o;
  o.learner = "mlp";
  o.mlp.hidden = {8};
  o.training.epochs = 3;
  o.training.batch_size = 128;
  o.training.lr = 1e-2;
  const MitigationResult r = mitigate(d.encoder, d.train, d.validation, d.test, o);
  CHECK(dpd(r.after_test) < 0.6 * dpd(r.before_test));
  const nlohmann::json& predictors = r.state.at("mixture").at("predictors");
  REQUIRE(predictors.size() >= 1);
  bool any_mlp = false;
  for (const nlohmann::json& p : predictors) any_mlp = any_mlp || p.at("kind") == "mlp";
  CHECK(any_mlp);
}

TEST_CASE("mitigate: options a method cannot take, an unknown column, names") {
  const Data& d = biased();
  auto fails = [&](MitigationOptions o, const std::vector<std::string>& parts) {
    check_throws<ValueError>([&] { mitigate(d.encoder, d.train, d.validation, d.test, o); }, parts);
  };
  MitigationOptions o;
  o.method = MitigationMethod::Threshold;
  o.constraint = "tpr";
  fails(o, {"threshold takes the constraint dp or eo", "\"tpr\""});
  o = {};
  o.learner = "forest";
  fails(o, {"unknown learner \"forest\""});
  o = {};
  o.method = MitigationMethod::CorrelationRemover;
  o.alpha = 1.5;
  fails(o, {"alpha must be in [0, 1], got 1.5"});
  o = {};
  o.sensitive = "colour";
  check_throws<datasets::DataError>([&] { mitigate(d.encoder, d.train, d.validation, d.test, o); }, {"colour", "group"});
  CHECK(parse_method("correlation-remover") == MitigationMethod::CorrelationRemover);
  check_throws<ValueError>([] { parse_method("magic"); }, {"\"magic\"", "reweighing", "adversarial"});
  for (MitigationMethod m : {MitigationMethod::Reweighing, MitigationMethod::Threshold}) {
    o = {};
    o.method = m;
    CHECK(parse_method(method_name(m)) == m);
    CHECK(o.to_json()["summary"] == o.summary());
  }
}

TEST_CASE("mitigate: the state read back predicts exactly what the fit measured") {
  const Data& d = biased();
  for (MitigationMethod m : {MitigationMethod::Reweighing, MitigationMethod::CorrelationRemover,
                             MitigationMethod::ExponentiatedGradient, MitigationMethod::GridSearch,
                             MitigationMethod::Threshold, MitigationMethod::Adversarial}) {
    const std::string name = method_name(m);
    CAPTURE(name);
    const MitigationResult r = run(m);
    // Through text, as a run folder stores it.
    const MitigatedClassifier loaded(m, nlohmann::json::parse(r.state.dump()), r.feature);
    CHECK(loaded.randomised() == r.randomised);
    CHECK(loaded.probability_of_one(d.test) == r.after_test);
  }
  check_throws<ValueError>([] { MitigatedClassifier(MitigationMethod::Threshold, {{"model", {}}}, "group"); },
                           {"threshold has no \"thresholds\""});
  check_throws<ValueError>(
      [] { MitigatedClassifier(MitigationMethod::GridSearch, {{"predictors", {}}, {"best_idx", 3}}, "group"); },
      {"best_idx"});
}

TEST_CASE("mitigate: a method that ignores the data's sample weights says so") {
  const Data& d = biased();
  datasets::Encoded weighted = d.train;
  std::vector<float> w(static_cast<size_t>(d.train.x.size(0)), 1.0f);
  w[0] = 2;
  weighted.weight = from_vector(w, {d.train.x.size(0)});
  MitigationOptions o;
  o.method = MitigationMethod::GridSearch;
  const MitigationResult r = mitigate(d.encoder, weighted, d.validation, d.test, o);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("gridsearch does not use the data's sample weights") != std::string::npos);
  o.method = MitigationMethod::Reweighing;
  CHECK(mitigate(d.encoder, weighted, d.validation, d.test, o).warnings.empty());
}
