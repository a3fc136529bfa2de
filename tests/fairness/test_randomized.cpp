// Randomised classifiers (fairness/randomized.h): expected metrics equal the average over every
// outcome of the draws, and a draw is seeded.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "fairness/randomized.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

TEST_CASE("randomized: expected accuracy and TPR average over all 2^n outcomes of the draws") {
  const std::vector<double> y = {1, 0, 1, 0}, p = {0.9, 0.2, 0.5, 1.0}, w = {1, 2, 3, 0.5};
  // Enumerate every prediction vector with its probability, and average the weighted metrics.
  double accuracy = 0, tpr = 0;
  for (int mask = 0; mask < 16; ++mask) {
    double chance = 1, correct = 0, total = 0, tp = 0, positives = 0;
    for (int i = 0; i < 4; ++i) {
      const double predicted = (mask >> i) & 1;
      chance *= predicted == 1 ? p[i] : 1 - p[i];
      correct += w[i] * (predicted == y[i]);
      total += w[i];
      tp += w[i] * (predicted == 1 && y[i] == 1);
      positives += w[i] * y[i];
    }
    accuracy += chance * correct / total;
    tpr += chance * tp / positives;
  }
  const Predictions e = expected_predictions(y, p, w);
  CHECK(e.size() == 8);
  const Confusion c = confusion(e, {0, 1, 2, 3, 4, 5, 6, 7});
  CHECK((c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn) == doctest::Approx(accuracy).epsilon(1e-12));
  CHECK(c.tp / (c.tp + c.fn) == doctest::Approx(tpr).epsilon(1e-12));
}

TEST_CASE("randomized: a draw repeats for a seed, and follows p") {
  std::vector<double> p(20000, 0.3);
  p[0] = 0;
  p[1] = 1;
  const std::vector<double> a = sample_predictions(p, 7), b = sample_predictions(p, 7), c = sample_predictions(p, 8);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a[0] == 0);
  CHECK(a[1] == 1);
  double ones = 0;
  for (double v : a) ones += v;
  CHECK(ones / 20000 == doctest::Approx(0.3).epsilon(0.05));  // ±0.015; the standard error is 0.003
}

TEST_CASE("randomized: probabilities outside [0, 1] and mismatched sizes are errors") {
  check_throws<ValueError>([] { expected_predictions({1, 0}, {0.5}); }, {"2 labels, 1 probabilities"});
  check_throws<ValueError>([] { expected_predictions({1, 0}, {0.5, 1.5}); }, {"[0, 1]", "1.5 at row 1"});
  check_throws<ValueError>([] { sample_predictions({0.5, std::nan("")}, 1); }, {"nan at row 1"});
}
