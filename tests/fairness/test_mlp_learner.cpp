// The MLP learner of the reductions (fairness/mlp_learner.h): it honours the weights, repeats for
// a seed, and its classifier survives the JSON of a mixture.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "fairness/mlp_learner.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

// Two features; the label is 1 when x0 > 0, except on the rows where x1 > 0.5, labelled the other way.
struct Rows {
  Tensor x;
  std::vector<double> y;
};

Rows rows() {
  Rows r;
  std::vector<float> x;
  for (int i = 0; i < 400; ++i) {
    const float a = std::sin(0.9f * i), b = std::cos(1.7f * i);
    x.insert(x.end(), {a, b});
    r.y.push_back((a > 0) != (b > 0.5f) ? 1.0 : 0.0);
  }
  r.x = from_vector(x, {400, 2});
  return r;
}

Learner small() {
  nn::MlpOptions mlp;
  mlp.hidden = {16};
  nn::TrainOptions training;
  training.epochs = 30;
  training.batch_size = 32;
  training.lr = 2e-2;
  training.patience = 0;
  return mlp_learner(mlp, training);
}

double agreement(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& weight) {
  double same = 0, total = 0;
  for (size_t i = 0; i < a.size(); ++i) same += weight[i] * (a[i] == b[i]), total += weight[i];
  return same / total;
}

}  // namespace

TEST_CASE("mlp learner: weights decide which rows it fits; the same seed, the same network") {
  const Rows r = rows();
  // Weight 0 on the flipped rows: the learner should follow x0 > 0 alone there.
  std::vector<double> only_plain(r.y.size()), plain_labels(r.y.size());
  const std::vector<float> x = r.x.to_vector<float>();
  for (size_t i = 0; i < r.y.size(); ++i) {
    const bool flipped = x[2 * i + 1] > 0.5f;
    only_plain[i] = flipped ? 0.0 : 1.0;
    plain_labels[i] = x[2 * i] > 0 ? 1.0 : 0.0;
  }
  const Learner learner = small();
  auto fitted = learner.fit(r.x, r.y, only_plain);
  const std::vector<double> predicted = fitted->predict(r.x);
  CHECK(agreement(predicted, plain_labels, only_plain) > 0.95);
  CHECK(learner.fit(r.x, r.y, only_plain)->predict(r.x) == predicted);
  CHECK(learner.name == "mlp (16)");
}

TEST_CASE("mlp learner: the classifier's JSON predicts as the classifier; bad JSON is an error") {
  const Rows r = rows();
  auto fitted = small().fit(r.x, r.y, std::vector<double>(r.y.size(), 1.0));
  const nlohmann::json json = fitted->to_json();
  CHECK(json["kind"] == "mlp");
  CHECK(classifier_from_json(json)->predict(r.x) == fitted->predict(r.x));
  nlohmann::json bad = json;
  bad["parameters"].erase("0.weight");
  check_throws<ValueError>([&] { classifier_from_json(bad); }, {"no parameter \"0.weight\""});
  bad = json;
  bad["parameters"]["0.bias"]["values"][0] = "x";
  check_throws<ValueError>([&] { classifier_from_json(bad); }, {"\"0.bias\"", "not a finite number"});
  bad = json;
  bad["parameters"]["extra"] = {{"values", {1}}};
  check_throws<ValueError>([&] { classifier_from_json(bad); }, {"unknown parameter \"extra\""});
  bad = json;
  bad.erase("hidden");
  check_throws<ValueError>([&] { classifier_from_json(bad); }, {"an mlp needs"});
  check_throws<ValueError>([&] { fitted->predict(zeros({3, 5})); }, {"[N, 2]", "[3, 5]"});
}
