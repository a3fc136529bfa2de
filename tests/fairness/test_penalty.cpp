// The fairness penalties: values from the definitions, gradients against finite differences,
// gradients reaching the first layer, and the hard-prediction recipe's gradient being zero.
#include <doctest/doctest.h>

#include "fairness/penalty.h"
#include "nn/layers.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {
Tensor ids(std::vector<int64_t> v) {
  auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}
Tensor f64(std::vector<double> v) {
  auto n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}
PenaltyOptions with(Gap gap, GroupReduction reduction = GroupReduction::MaxMinusMin,
                    Form form = Form::Absolute, double epsilon = 0) {
  PenaltyOptions o;
  o.gap = gap;
  o.reduction = reduction;
  o.form = form;
  o.epsilon = epsilon;
  return o;
}
}  // namespace

TEST_CASE("penalty: soft gaps equal the definitions on a hand-worked batch") {
  // Group 0: p = 0.2, 0.4 (y = 0, 1); group 1: p = 0.6, 0.8, 0.9 (y = 1, 0, 1); group 2 absent.
  Tensor p = f64({0.2, 0.4, 0.6, 0.8, 0.9});
  Tensor y = f64({0, 1, 1, 0, 1});
  Tensor g = ids({0, 0, 1, 1, 1});
  // Demographic parity: r0 = 0.3, r1 = 2.3/3; the absent group is left out.
  CHECK(fairness_gap(p, y, g, 3, Tensor(), with(Gap::DemographicParity)).item() ==
        doctest::Approx(2.3 / 3 - 0.3).epsilon(1e-12));
  // Mean absolute deviation from the overall rate 2.9/5, over the 2 present groups.
  double overall = 2.9 / 5;
  CHECK(fairness_gap(p, y, g, 3, Tensor(), with(Gap::DemographicParity, GroupReduction::MeanAbsDeviation)).item() ==
        doctest::Approx((std::abs(0.3 - overall) + std::abs(2.3 / 3 - overall)) / 2).epsilon(1e-12));
  // Equal opportunity (y = 1 rows): r0 = 0.4, r1 = 0.75.
  CHECK(fairness_gap(p, y, g, 3, Tensor(), with(Gap::EqualOpportunity)).item() == doctest::Approx(0.35).epsilon(1e-12));
  // Equalized odds: max(TPR gap 0.35, FPR gap 0.8 - 0.2 = 0.6).
  CHECK(fairness_gap(p, y, g, 3, Tensor(), with(Gap::EqualizedOdds)).item() == doctest::Approx(0.6).epsilon(1e-12));
  // Weights: group 0 rows weighted 3 and 1 -> r0 = (0.6 + 0.4) / 4 = 0.25.
  CHECK(fairness_gap(p, y, g, 3, f64({3, 1, 1, 1, 1}), with(Gap::DemographicParity)).item() ==
        doctest::Approx(2.3 / 3 - 0.25).epsilon(1e-12));
  // Forms.
  double gap = 2.3 / 3 - 0.3;
  CHECK(fairness_penalty(p, y, g, 3, Tensor(), with(Gap::DemographicParity, GroupReduction::MaxMinusMin, Form::Squared)).item() ==
        doctest::Approx(gap * gap).epsilon(1e-12));
  CHECK(fairness_penalty(p, y, g, 3, Tensor(), with(Gap::DemographicParity, GroupReduction::MaxMinusMin, Form::Hinge, 0.4)).item() ==
        doctest::Approx(gap - 0.4).epsilon(1e-12));
  CHECK(fairness_penalty(p, y, g, 3, Tensor(), with(Gap::DemographicParity, GroupReduction::MaxMinusMin, Form::Hinge, 0.5)).item() == 0.0);
  // One group present: no gap.
  CHECK(fairness_gap(p, y, ids({1, 1, 1, 1, 1}), 3, Tensor(), with(Gap::DemographicParity)).item() == 0.0);
}

TEST_CASE("penalty: gradients with respect to the logits match finite differences") {
  Tensor y = f64({0, 1, 1, 0, 1, 0, 1, 0});
  Tensor g = ids({0, 0, 1, 1, 1, 2, 2, 0});
  Tensor w = f64({1, 2, 1, 1, 0.5, 1, 1, 3});
  Tensor logits = testing::random_input({8}, 5, -2, 2);
  for (Gap gap : {Gap::DemographicParity, Gap::EqualOpportunity, Gap::EqualizedOdds}) {
    for (GroupReduction red : {GroupReduction::MaxMinusMin, GroupReduction::MeanAbsDeviation}) {
      for (Form form : {Form::Absolute, Form::Squared, Form::Hinge}) {
        auto f = [&](const std::vector<Tensor>& in) {
          return fairness_penalty(sigmoid(in[0]), y, g, 3, w, with(gap, red, form, 0.01));
        };
        CHECK(testing::gradcheck("fairness_penalty", f, {logits}));
      }
    }
  }
}

TEST_CASE("penalty: its gradient reaches the first layer, the hard-prediction recipe's does not") {
  Generator gen(3);
  nn::Linear first(4, 8, gen), second(8, 1, gen);
  Tensor x = randn({64, 4}, kFloat32, &gen);
  Tensor group = randint(0, 2, {64}, &gen);
  // Make the groups differ so the gap is not zero.
  x = x + cast(unsqueeze(group, 1), kFloat32) * 0.8;
  auto logits_of = [&] { return reshape(second(relu(first(x))), {-1}); };

  Tensor soft = fairness_penalty(sigmoid(logits_of()), Tensor(), group, 2, Tensor(), PenaltyOptions{});
  CHECK(soft.item() > 0.0);
  soft.backward();
  REQUIRE(first.weight.grad().defined());
  CHECK(sum(abs(first.weight.grad())).item() > 0.0);
  first.zero_grad();
  second.zero_grad();

  // The recipe: demographic parity difference of hard predictions, wrapped in a new tensor.
  Tensor hard = cast(gt(logits_of(), scalar(0.0)), kFloat32).detach();
  double rates[2];
  for (int64_t k = 0; k < 2; ++k) {
    Tensor in_group = cast(eq(group, scalar(static_cast<double>(k), kInt64)), kFloat32);
    rates[k] = (sum(hard * in_group) / sum(in_group)).item();
  }
  Tensor wrapped = scalar(std::abs(rates[0] - rates[1]));
  CHECK_FALSE(wrapped.requires_grad());  // no path to the weights at all
  Tensor task = mean(logits_of() * logits_of());
  Tensor with_recipe = task + wrapped * 10.0;
  with_recipe.backward();
  Tensor grad_with_recipe = first.weight.grad().clone();
  first.zero_grad();
  second.zero_grad();
  task = mean(logits_of() * logits_of());
  task.backward();
  // Identical gradients: the "penalty" changed nothing.
  CHECK(sum(abs(grad_with_recipe - first.weight.grad())).item() == 0.0);
}

TEST_CASE("penalty: bad shapes, dtypes and option words are errors") {
  Tensor p = f64({0.5, 0.5});
  check_throws<ShapeError>([&] { fairness_penalty(p, Tensor(), ids({0, 1, 1}), 2, Tensor(), PenaltyOptions{}); },
                           {"fairness penalty", "[2]", "[3]"});
  check_throws<DTypeError>([&] { fairness_penalty(p, Tensor(), f64({0, 1}), 2, Tensor(), PenaltyOptions{}); },
                           {"group ids must be int64"});
  check_throws<ValueError>([&] { fairness_penalty(p, Tensor(), ids({0, 1}), 2, Tensor(), with(Gap::EqualizedOdds)); },
                           {"need labels"});
  check_throws<ValueError>([] { parse_gap("parity"); }, {"unknown penalty \"parity\" (dp, eo, eopp)"});
  check_throws<ValueError>([] { parse_form("cube"); }, {"unknown penalty form \"cube\""});
  check_throws<ValueError>([] { parse_reduction("median"); }, {"unknown group reduction \"median\""});
}
