// Logistic regression (nn/logistic.h): the optimum of scikit-learn's objective, checked through
// its optimality condition, a case solved by hand, weights as repeated rows, thread-count
// independence, and scikit-learn's published accuracy on UCI Adult.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>
#include <omp.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "engine/engine.h"
#include "nn/logistic.h"
#include "nn/metrics.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::check_throws;

namespace {

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// ∇f of ½‖w‖² + C Σ s_i [log(1 + e^{z_i}) − y_i z_i], written out independently of the solver.
std::vector<double> gradient(const LogisticRegression& m, const std::vector<double>& x, int64_t f,
                             const std::vector<double>& y, const std::vector<double>& s, double c) {
  std::vector<double> g(m.coef.begin(), m.coef.end());
  g.push_back(0);
  for (size_t i = 0; i < y.size(); ++i) {
    double z = m.intercept;
    for (int64_t j = 0; j < f; ++j) z += m.coef[j] * x[i * f + j];
    const double r = c * s[i] * (sigmoid(z) - y[i]);
    for (int64_t j = 0; j < f; ++j) g[j] += r * x[i * f + j];
    g[f] += r;
  }
  return g;
}

// A noisy two-feature problem: y depends on x0 - 0.5 x1, with label noise from a fixed pattern.
struct Problem {
  std::vector<double> x, y, s;
  int64_t rows = 0;
  Tensor tensor() const { return from_vector(x, {rows, 2}); }
};

Problem problem(int64_t rows) {
  Problem p;
  p.rows = rows;
  for (int64_t i = 0; i < rows; ++i) {
    const double a = std::sin(0.7 * i) * 2, b = std::cos(1.3 * i);
    p.x.push_back(a);
    p.x.push_back(b);
    p.y.push_back((a - 0.5 * b + (i % 5 == 0 ? 1.5 : 0)) > 0 ? 1 : 0);
    p.s.push_back(1 + (i % 3));
  }
  return p;
}

}  // namespace

TEST_CASE("logistic: the fit is a stationary point of the weighted, penalised objective") {
  const Problem p = problem(200);
  for (double c : {0.01, 1.0, 100.0}) {
    CAPTURE(c);
    LogisticOptions o;
    o.C = c;
    LogisticRegression m = fit_logistic(p.tensor(), p.y, p.s, o);
    CHECK(m.iterations >= 1);
    for (double g : gradient(m, p.x, 2, p.y, p.s, c)) CHECK(std::abs(g) < 1e-8 * c * 400);
  }
}

TEST_CASE("logistic: one feature at ±1 with labels 0 and 1 solves w = 2C(1 − σ(w)), b = 0") {
  // Symmetric data puts the intercept at 0; ∂f/∂w = w + C[(σ(−w) − 0)(−1) + (σ(w) − 1)(1)]
  // = w − 2C(1 − σ(w)) = 0. Solved here by bisection, apart from the Newton solver.
  for (double c : {0.5, 1.0, 10.0}) {
    CAPTURE(c);
    double lo = 0, hi = 2 * c;
    for (int i = 0; i < 200; ++i) {
      const double mid = (lo + hi) / 2;
      (mid - 2 * c * (1 - sigmoid(mid)) < 0 ? lo : hi) = mid;
    }
    LogisticOptions o;
    o.C = c;
    LogisticRegression m = fit_logistic(from_vector(std::vector<double>{-1, 1}, {2, 1}), {0, 1}, {}, o);
    CHECK(m.coef[0] == doctest::Approx(lo).epsilon(1e-12));
    CHECK(std::abs(m.intercept) < 1e-12);
  }
}

TEST_CASE("logistic: a weight of k is k copies of the row; zero weight is no row") {
  const Problem p = problem(60);
  std::vector<double> x, y, s(p.s.size(), 1.0);
  for (int64_t i = 0; i < p.rows; ++i) {
    for (int k = 0; k < static_cast<int>(p.s[i]); ++k) {
      x.insert(x.end(), {p.x[2 * i], p.x[2 * i + 1]});
      y.push_back(p.y[i]);
    }
  }
  const auto rows = static_cast<int64_t>(y.size());
  LogisticRegression weighted = fit_logistic(p.tensor(), p.y, p.s);
  LogisticRegression repeated = fit_logistic(from_vector(x, {rows, 2}), y);
  for (size_t j = 0; j < 2; ++j) CHECK(weighted.coef[j] == doctest::Approx(repeated.coef[j]).epsilon(1e-9));
  CHECK(weighted.intercept == doctest::Approx(repeated.intercept).epsilon(1e-9));

  std::vector<double> zeroed = p.s;
  zeroed[0] = 0;
  Problem fewer = problem(60);
  fewer.x.erase(fewer.x.begin(), fewer.x.begin() + 2);
  fewer.y.erase(fewer.y.begin());
  fewer.s.erase(fewer.s.begin());
  fewer.rows = 59;
  LogisticRegression without = fit_logistic(fewer.tensor(), fewer.y, fewer.s);
  LogisticRegression zero = fit_logistic(p.tensor(), p.y, zeroed);
  CHECK(zero.coef[0] == doctest::Approx(without.coef[0]).epsilon(1e-9));
}

TEST_CASE("logistic: predictions follow the decision function; a warm start reaches the same optimum sooner") {
  const Problem p = problem(300);
  LogisticRegression m = fit_logistic(p.tensor(), p.y, p.s);
  const std::vector<double> z = m.decision_function(p.tensor()), q = m.predict_proba(p.tensor()),
                            label = m.predict(p.tensor());
  for (size_t i = 0; i < z.size(); ++i) {
    CHECK(q[i] == doctest::Approx(sigmoid(z[i])));
    CHECK(label[i] == (z[i] > 0 ? 1.0 : 0.0));
  }
  std::vector<double> nearby = p.s;
  nearby[7] *= 1.5;
  LogisticRegression cold = fit_logistic(p.tensor(), p.y, nearby);
  LogisticOptions o;
  o.start = m.coef;
  o.start.push_back(m.intercept);
  LogisticRegression warm = fit_logistic(p.tensor(), p.y, nearby, o);
  CHECK(warm.iterations < cold.iterations);
  CHECK(warm.coef[0] == doctest::Approx(cold.coef[0]).epsilon(1e-9));
  CHECK(warm.intercept == doctest::Approx(cold.intercept).epsilon(1e-9));
}

TEST_CASE("logistic: the same bits with one thread or two") {
  const Problem p = problem(9000);  // several row chunks
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  LogisticRegression one = fit_logistic(p.tensor(), p.y, p.s);
  omp_set_num_threads(2);
  LogisticRegression two = fit_logistic(p.tensor(), p.y, p.s);
  omp_set_num_threads(threads);
  CHECK(one.coef == two.coef);
  CHECK(one.intercept == two.intercept);
}

TEST_CASE("logistic: bad input is one clear error") {
  const Problem p = problem(10);
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), {0, 1}); }, {"10 rows of x, 2 labels"});
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), std::vector<double>(10, 1.0)); },
                           {"both classes", "0 on label 0"});
  std::vector<double> y = p.y;
  y[3] = 2;
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), y); }, {"label 2 at row 3"});
  std::vector<double> s = p.s;
  s[4] = -1;
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), p.y, s); }, {"weight -1 at row 4"});
  std::vector<double> x = p.x;
  x[5] = std::nan("");
  check_throws<ValueError>([&] { fit_logistic(from_vector(x, {10, 2}), p.y); }, {"x[2, 1]", "nan"});
  LogisticOptions o;
  o.C = 0;
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), p.y, {}, o); }, {"C must be finite and > 0, got 0"});
  o = {};
  o.start = {1, 2};
  check_throws<ValueError>([&] { fit_logistic(p.tensor(), p.y, {}, o); }, {"start of 2 values", "F + 1 = 3"});
  LogisticRegression m = fit_logistic(p.tensor(), p.y);
  check_throws<ValueError>([&] { m.predict(zeros({3, 5})); }, {"x has 5 features, the model 2"});
}

TEST_CASE("logistic: UCI Adult as scikit-learn fits it (test accuracy 0.8471, ROC AUC 0.9030)") {
  // scikit-learn 1.2 LogisticRegression(C=1, lbfgs) on adult.data with '?' rows and fnlwgt
  // dropped, numeric columns standardised (ddof 0), categories one-hot with sorted training levels;
  // scored on adult.test. lbfgs stops at a gradient tolerance, so agreement is to the third digit.
  datasets::Dataset d = datasets::load_adult(datasets::default_data_dir());
  d.schema.drop = {"fnlwgt"};
  d.schema.sensitive = {"sex"};
  const datasets::Encoder encoder = datasets::Encoder::fit(d.train, d.schema);
  const datasets::Encoded train = encoder.transform(d.train), test = encoder.transform(*d.test);
  CHECK(train.x.size(0) == 30162);
  CHECK(test.x.size(0) == 15060);
  LogisticRegression m = fit_logistic(train.x, train.y.to_vector<double>());
  const std::vector<double> y = test.y.to_vector<double>(), label = m.predict(test.x);
  double correct = 0;
  for (size_t i = 0; i < y.size(); ++i) correct += label[i] == y[i];
  CHECK(correct / static_cast<double>(y.size()) == doctest::Approx(0.8471).epsilon(0.0006));
  CHECK(roc_auc(y, m.predict_proba(test.x)) == doctest::Approx(0.9030).epsilon(0.0006));
}
