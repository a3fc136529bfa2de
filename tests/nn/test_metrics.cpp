#include <cmath>

#include <doctest/doctest.h>

#include "nn/metrics.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

TEST_CASE("metrics: accuracy, ROC AUC and log loss against hand-worked values") {
  std::vector<double> y = {0, 0, 1, 1};
  CHECK(accuracy(y, {0, 1, 1, 1}) == doctest::Approx(0.75));
  CHECK(accuracy(y, {0, 1, 1, 1}, {1, 3, 1, 1}) == doctest::Approx(0.5));
  // scikit-learn's documented example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
  CHECK(roc_auc(y, {0.1, 0.4, 0.35, 0.8}) == doctest::Approx(0.75));
  CHECK(roc_auc(y, {0.5, 0.5, 0.5, 0.5}) == doctest::Approx(0.5));  // all tied
  CHECK(roc_auc(y, {0.9, 0.8, 0.2, 0.1}) == doctest::Approx(0.0));
  // Weight 2 on the first negative equals duplicating it. Negatives 0.1 (w2), 0.4; positives 0.35, 0.8: wins = 0.35>0.1 (2) + 0.8>0.1 (2) + 0.8>0.4 (1) = 5 of 6.
  CHECK(roc_auc(y, {0.1, 0.4, 0.35, 0.8}, {2, 1, 1, 1}) == doctest::Approx(5.0 / 6.0));
  CHECK(std::isnan(roc_auc({1, 1}, {0.2, 0.3})));
  double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.7) + std::log(0.4)) / 4;
  CHECK(log_loss(y, {0.1, 0.2, 0.7, 0.4}) == doctest::Approx(expected).epsilon(1e-12));
  CHECK(std::isfinite(log_loss({1}, {0.0})));  // clipped, as scikit-learn
  testing::check_throws<ValueError>([&] { accuracy(y, {1, 0}); }, {"accuracy: 4 labels, 2 predictions"});
}
