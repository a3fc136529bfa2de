// The surrogates whose zero is the measured metric's zero (fairness/surrogate.h): where the
// mean-score gap is blind, their values, their gradients against finite differences, and one
// gradient step lowering the thresholded gap.
#include <cmath>

#include <doctest/doctest.h>

#include "fairness/surrogate.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

Tensor f64(std::vector<double> v) {
  auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}
Tensor ids(std::vector<int64_t> v) {
  auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}
double logit(double p) { return std::log(p / (1 - p)); }

SurrogateOptions kind(Surrogate s, double temperature = 0.25) {
  SurrogateOptions o;
  o.kind = s;
  o.temperature = temperature;
  o.quantiles = 16;
  return o;
}

// The demographic parity difference of predictions logit >= 0, groups 0 and 1.
double hard_dp(const std::vector<double>& logits, const std::vector<int64_t>& group) {
  double positive[2] = {0, 0}, count[2] = {0, 0};
  for (size_t i = 0; i < logits.size(); ++i) {
    positive[group[i]] += logits[i] >= 0 ? 1 : 0;
    count[group[i]] += 1;
  }
  return std::abs(positive[0] / count[0] - positive[1] / count[1]);
}

}  // namespace

TEST_CASE("surrogates: equal mean scores, different rates: the mean-score gap is 0, the others are not, "
          "and one step along their gradient lowers the measured gap") {
  // Group 0 sits just below 0.5 (rate 0); group 1 splits 0.8 / 0.1 (rate 0.5); both means 0.45.
  const std::vector<double> p = {0.42, 0.44, 0.46, 0.48, 0.8, 0.8, 0.1, 0.1};
  const std::vector<int64_t> group = {0, 0, 0, 0, 1, 1, 1, 1};
  std::vector<double> z;
  for (double v : p) z.push_back(logit(v));
  CHECK(hard_dp(z, group) == 0.5);
  PenaltyOptions dp;
  CHECK(std::abs(surrogate_gap(f64(z), Tensor(), ids(group), 2, Tensor(), dp, kind(Surrogate::MeanScore)).item()) < 1e-12);
  for (Surrogate s : {Surrogate::SmoothedRate, Surrogate::Wasserstein}) {
    CAPTURE(surrogate_name(s));
    Tensor logits = f64(z).requires_grad_();
    Tensor penalty = surrogate_penalty(logits, Tensor(), ids(group), 2, Tensor(), dp, kind(s));
    CHECK(penalty.item() > 0.1);
    penalty.backward();
    // A step that moves the most-pushed logit by 0.1 (a small step, not a jump over the data).
    std::vector<double> g = logits.grad().to_vector<double>();
    double largest = 0;
    for (double v : g) largest = std::max(largest, std::abs(v));
    REQUIRE(largest > 0);
    std::vector<double> stepped = z;
    for (size_t i = 0; i < z.size(); ++i) stepped[i] -= 0.1 * g[i] / largest;
    CHECK(hard_dp(stepped, group) < hard_dp(z, group));
  }
}

TEST_CASE("surrogates: the smoothed rate tends to the measured rate as the temperature falls") {
  const std::vector<double> z = {-2.0, -0.3, 0.2, 1.5, -1.0, 0.4, 0.9, 2.5};
  const std::vector<int64_t> group = {0, 0, 0, 0, 1, 1, 1, 1};  // rates 0.5 and 0.75
  PenaltyOptions dp;
  double previous = INFINITY;
  for (double tau : {1.0, 0.3, 0.1, 0.01}) {
    const double gap = surrogate_gap(f64(z), Tensor(), ids(group), 2, Tensor(), dp, kind(Surrogate::SmoothedRate, tau)).item();
    CHECK(std::abs(gap - 0.25) < previous);
    previous = std::abs(gap - 0.25);
  }
  CHECK(previous < 1e-6);
  // tau = 1 is the mean-score gap.
  CHECK(surrogate_gap(f64(z), Tensor(), ids(group), 2, Tensor(), dp, kind(Surrogate::SmoothedRate, 1.0)).item() ==
        doctest::Approx(surrogate_gap(f64(z), Tensor(), ids(group), 2, Tensor(), dp, kind(Surrogate::MeanScore)).item()));
}

TEST_CASE("surrogates: the Wasserstein gap equals the quantile definition on a hand-worked case") {
  // Two groups of two rows with equal weights: K = 2 levels at u = 1/4, 3/4 read the sorted scores
  // exactly (mid-points 1/4 and 3/4), so W1 = mean |q0 - q1| over the two levels.
  const std::vector<double> p0 = {0.2, 0.6}, p1 = {0.5, 0.9};
  std::vector<double> z;
  for (double v : {p0[0], p0[1], p1[0], p1[1]}) z.push_back(logit(v));
  SurrogateOptions w = kind(Surrogate::Wasserstein);
  w.quantiles = 2;
  PenaltyOptions dp;
  CHECK(surrogate_gap(f64(z), Tensor(), ids({0, 0, 1, 1}), 2, Tensor(), dp, w).item() ==
        doctest::Approx((0.3 + 0.3) / 2).epsilon(1e-12));
  // Identical distributions: 0, whatever the row order.
  std::vector<double> same = {z[0], z[1], z[1], z[0]};
  CHECK(surrogate_gap(f64(same), Tensor(), ids({0, 0, 1, 1}), 2, Tensor(), dp, w).item() == doctest::Approx(0.0));
  // Weights move the quantiles: with weight 3 on 0.6 group 0's mid-points are 1/8 and 5/8, so
  // u = 1/4 interpolates 0.2 -> 0.6 at (1/4 - 1/8) / (1/2) = 1/4, giving 0.3, and u = 3/4 reads 0.6.
  Tensor weight = f64({1, 3, 1, 1});
  CHECK(surrogate_gap(f64(z), Tensor(), ids({0, 0, 1, 1}), 2, weight, dp, w).item() ==
        doctest::Approx((std::abs(0.3 - 0.5) + std::abs(0.6 - 0.9)) / 2).epsilon(1e-12));
}

TEST_CASE("surrogates: gradients match finite differences, for every gap, reduction and form") {
  Tensor logits = testing::random_input({12}, 41, -2, 2);
  Tensor y = f64({1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1});
  Tensor g = ids({0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
  Tensor w = testing::random_input({12}, 42, 0.5, 2);
  for (Surrogate s : {Surrogate::SmoothedRate, Surrogate::Wasserstein}) {
    for (Gap gap : {Gap::DemographicParity, Gap::EqualOpportunity, Gap::EqualizedOdds}) {
      for (GroupReduction red : {GroupReduction::MaxMinusMin, GroupReduction::MeanAbsDeviation}) {
        for (Form form : {Form::Absolute, Form::Squared}) {
          CAPTURE(surrogate_name(s));
          CAPTURE(static_cast<int>(gap));
          CAPTURE(static_cast<int>(red));
          PenaltyOptions o;
          o.gap = gap;
          o.reduction = red;
          o.form = form;
          auto f = [&](const std::vector<Tensor>& in) { return surrogate_penalty(in[0], y, g, 3, w, o, kind(s, 0.5)); };
          CHECK(testing::gradcheck("surrogate_penalty", f, {logits}));
        }
      }
    }
  }
}

TEST_CASE("surrogates: bad options are errors") {
  Tensor z = f64({0.1, -0.2});
  PenaltyOptions dp;
  check_throws<ValueError>([&] { surrogate_gap(z, Tensor(), ids({0, 1}), 2, Tensor(), dp, kind(Surrogate::SmoothedRate, 0)); },
                           {"temperature"});
  check_throws<ValueError>(
      [&] { surrogate_gap(z, Tensor(), ids({0, 1}), 2, Tensor(), dp, kind(Surrogate::SmoothedRate, NAN)); }, {"temperature"});
  SurrogateOptions none = kind(Surrogate::Wasserstein);
  none.quantiles = 0;
  check_throws<ValueError>([&] { surrogate_gap(z, Tensor(), ids({0, 1}), 2, Tensor(), dp, none); }, {"quantile levels"});
  check_throws<ShapeError>([&] { surrogate_gap(z, Tensor(), ids({0, 1, 1}), 2, Tensor(), dp, kind(Surrogate::Wasserstein)); },
                           {"fairness penalty"});
  check_throws<IndexError>([&] { surrogate_gap(z, Tensor(), ids({0, 5}), 2, Tensor(), dp, kind(Surrogate::Wasserstein)); },
                           {"group id 5"});
  check_throws<ValueError>([] { parse_surrogate("median"); }, {"unknown penalty surrogate \"median\" (mean, rate, wasserstein)"});
}
