// The moments of the reductions (fairness/moments.h) on six rows worked out by hand, and the
// small linear-program solver (fairness/linear_program.h) on programs with known optima.
//
// The six rows (two groups, a with 2 rows and b with 4):
//   row  group  y  h
//   0    a      1  1
//   1    a      1  0
//   2    b      1  1
//   3    b      0  0
//   4    b      0  0
//   5    b      0  0
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "fairness/linear_program.h"
#include "fairness/moments.h"
#include "tests/fairness/reduction_fixtures.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::fairness::testdata::feature;
using candor::testing::check_throws;

namespace {

const std::vector<double> kY = {1, 1, 1, 0, 0, 0};
const std::vector<double> kH = {1, 0, 1, 0, 0, 0};
datasets::SensitiveFeature six_rows() { return feature({0, 0, 1, 1, 1, 1}, {"a", "b"}); }

void check_vector(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
  }
}

std::vector<std::string> labels(const UtilityParity& m) {
  std::vector<std::string> out;
  for (const ConstraintId& c : m.index()) out.push_back(c.label());
  return out;
}

}  // namespace

TEST_CASE("reductions: ErrorRate is the mean of |y − h| and its signed weights are 2y − 1") {
  ErrorRate err(kY);
  CHECK(err.gamma(kH) == doctest::Approx(1.0 / 6));  // only row 1 is wrong
  check_vector(err.signed_weights(), {1, 1, 1, -1, -1, -1});
  check_throws<ValueError>([] { ErrorRate bad({0, 2}); }, {"label 2 at row 1"});
}

TEST_CASE("reductions: DemographicParity's gamma, bound, projection and signed weights on six rows") {
  UtilityParity dp({Parity::DemographicParity, 0.01}, kY, six_rows());
  CHECK(labels(dp) == std::vector<std::string>{"+,all,a", "+,all,b", "-,all,a", "-,all,b"});
  // E[h] = 2/6 = 1/3, E[h|a] = 1/2, E[h|b] = 1/4:
  //   γ[+,a] = 1/2 − 1/3 = 1/6,  γ[+,b] = 1/4 − 1/3 = −1/12, and the − constraints negated.
  check_vector(dp.gamma(kH), {1.0 / 6, -1.0 / 12, -1.0 / 6, 1.0 / 12});
  check_vector(dp.bound(), {0.01, 0.01, 0.01, 0.01});
  // λ = [λ+a, λ+b, λ−a, λ−b] = [0.3, 0, 0.1, 0.2]: per pair λ+ − λ− = 0.2 (a) and −0.2 (b).
  const std::vector<double> lambda = {0.3, 0, 0.1, 0.2};
  check_vector(dp.project_lambda(lambda), {0.2, 0, 0, 0.2});
  // P(all) = 1, P(a) = 1/3, P(b) = 2/3. Σ_g (λ+ − λ−)/P(all) = 0.2 − 0.2 = 0, so row weights are
  //   a: 0 − 0.2/(1/3) = −0.6,   b: 0 − (−0.2)/(2/3) = 0.3.
  check_vector(dp.signed_weights(lambda), {-0.6, -0.6, 0.3, 0.3, 0.3, 0.3});
  // The grid's basis: groups in order of appearance (a, b), the last one left out: [+,all,a].
  CHECK(dp.basis() == std::vector<size_t>{0});
  // Rows with b first: a is the last to appear, and the basis is [+,all,b] (position 1).
  UtilityParity b_first({Parity::DemographicParity, 0.01}, {}, feature({1, 0, 1}, {"a", "b"}));
  CHECK(b_first.basis() == std::vector<size_t>{1});
}

TEST_CASE("reductions: EqualizedOdds has one constraint pair per (label, group) with rows") {
  UtilityParity eo({Parity::EqualizedOdds, 0.05}, kY, six_rows());
  // Group a has no row with y = 0, so there is no pair (label=0, a).
  CHECK(labels(eo) == std::vector<std::string>{"+,label=0,b", "+,label=1,a", "+,label=1,b", "-,label=0,b",
                                                "-,label=1,a", "-,label=1,b"});
  // y = 0 rows (3, 4, 5, all b) have h = 0: γ = 0. y = 1 rows: E[h|y=1] = 2/3, E[h|y=1,a] = 1/2,
  // E[h|y=1,b] = 1: γ[+,1,a] = −1/6, γ[+,1,b] = 1/3.
  check_vector(eo.gamma(kH), {0, -1.0 / 6, 1.0 / 3, 0, 1.0 / 6, -1.0 / 3});
  check_vector(eo.bound(), std::vector<double>(6, 0.05));
  // λ+ = [0.1, 0.4, 0], λ− = [0, 0, 0.3]. P(y=0) = P(y=1) = 1/2; P(0,b) = 1/2, P(1,a) = 1/3, P(1,b) = 1/6.
  //   event 0: Σ(λ+ − λ−)/P = 0.1/0.5 = 0.2; pair (0,b): 0.2 − 0.1/(1/2) = 0
  //   event 1: (0.4 − 0.3)/0.5 = 0.2; (1,a): 0.2 − 0.4/(1/3) = −1;  (1,b): 0.2 + 0.3/(1/6) = 2
  check_vector(eo.signed_weights({0.1, 0.4, 0, 0, 0, 0.3}), {-1, -1, 2, 0, 0, 0});
  // Basis: events in order of appearance (label=1 first: row 0), groups a then b, b left out;
  // (label=0, a) has no rows: only [+,label=1,a].
  CHECK(eo.basis() == std::vector<size_t>{1});
}

TEST_CASE("reductions: TruePositiveRateParity and FalsePositiveRateParity condition on one label") {
  UtilityParity tpr({Parity::TruePositiveRateParity, 0.01}, kY, six_rows());
  CHECK(labels(tpr) == std::vector<std::string>{"+,label=1,a", "+,label=1,b", "-,label=1,a", "-,label=1,b"});
  check_vector(tpr.gamma(kH), {-1.0 / 6, 1.0 / 3, 1.0 / 6, -1.0 / 3});
  // Rows with y = 0 have no event: weight 0. λ+a = 0.4: (0.4/0.5) − 0.4/(1/3) = −0.4 for a, 0.8 for b.
  check_vector(tpr.signed_weights({0.4, 0, 0, 0}), {-0.4, -0.4, 0.8, 0, 0, 0});
  UtilityParity fpr({Parity::FalsePositiveRateParity, 0.01}, kY, six_rows());
  CHECK(labels(fpr) == std::vector<std::string>{"+,label=0,b", "-,label=0,b"});
  check_vector(fpr.gamma({0, 0, 0, 1, 0, 0}), {0, 0});  // b is every y = 0 row: no difference
}

TEST_CASE("reductions: moments refuse missing labels, one group and bad bounds in one line") {
  check_throws<ValueError>([] { UtilityParity m({Parity::EqualizedOdds, 0.01}, {}, six_rows()); },
                           {"EqualizedOdds conditions on the labels y, but none were given"});
  check_throws<ValueError>([] { UtilityParity m({Parity::TruePositiveRateParity, 0.01}, {}, six_rows()); },
                           {"TruePositiveRateParity conditions on the labels y"});
  check_throws<ValueError>([] { UtilityParity m({Parity::TruePositiveRateParity, 0.01}, {0, 0, 0, 0, 0, 0}, six_rows()); },
                           {"TruePositiveRateParity: no row has label=1"});
  check_throws<ValueError>([] { UtilityParity m({Parity::DemographicParity, 0.01}, {}, feature({1, 1, 1}, {"a", "b"}, "sex")); },
                           {"\"sex\" has 1 group with rows (\"b\")", "at least two"});
  check_throws<ValueError>([] { UtilityParity m({Parity::DemographicParity, -0.1}, {}, six_rows()); },
                           {"difference_bound must be finite and >= 0, got -0.1"});
  check_throws<ValueError>([] { UtilityParity m({Parity::DemographicParity, 0.01}, {1, 0}, six_rows()); },
                           {"2 labels for 6 rows"});
  UtilityParity dp({Parity::DemographicParity, 0.01}, {}, six_rows());
  check_throws<ValueError>([&] { dp.gamma({1, 0}); }, {"2 predictions for 6 rows"});
  CHECK(parse_parity("eo") == Parity::EqualizedOdds);
  CHECK(parse_parity("TruePositiveRateParity") == Parity::TruePositiveRateParity);
  check_throws<ValueError>([] { parse_parity("parity"); }, {"unknown parity constraint \"parity\""});
}

TEST_CASE("reductions: the linear program solver finds known optima") {
  // max 3x + 5y  s.t. x <= 4, 2y <= 12, 3x + 2y <= 18: the optimum x = 2, y = 6, value 36.
  LinearProgram lp;
  lp.c = {-3, -5};
  lp.a_ub = {{1, 0}, {0, 2}, {3, 2}};
  lp.b_ub = {4, 12, 18};
  LpSolution s = solve_linear_program(lp);
  REQUIRE(s.status == LpStatus::Optimal);
  CHECK(s.x[0] == doctest::Approx(2));
  CHECK(s.x[1] == doctest::Approx(6));
  CHECK(s.objective == doctest::Approx(-36));

  // The shape of the reductions' dual: max μ (free) s.t. μ <= 1 + λ, μ <= 3 − λ, λ <= 5, λ >= 0:
  // the lines cross at λ = 1, μ = 2.
  LinearProgram dual;
  dual.c = {0, -1};
  dual.a_ub = {{-1, 1}, {1, 1}, {1, 0}};
  dual.b_ub = {1, 3, 5};
  dual.free = {false, true};
  s = solve_linear_program(dual);
  REQUIRE(s.status == LpStatus::Optimal);
  CHECK(s.x[0] == doctest::Approx(1));
  CHECK(s.x[1] == doctest::Approx(2));

  // An equality, and a right-hand side below zero: min 2a + 3b s.t. a + b = 1, −a <= −0.25.
  LinearProgram eq;
  eq.c = {2, 3};
  eq.a_ub = {{-1, 0}};
  eq.b_ub = {-0.25};
  eq.a_eq = {{1, 1}};
  eq.b_eq = {1};
  s = solve_linear_program(eq);
  REQUIRE(s.status == LpStatus::Optimal);
  CHECK(s.x[0] == doctest::Approx(1));
  CHECK(s.objective == doctest::Approx(2));

  // Beale's example (1955), on which Dantzig's rule without safeguards cycles forever; Bland's rule
  // reaches the optimum −5/4 at x = (1, 0, 1, 0).
  LinearProgram beale;
  beale.c = {-0.75, 20, -0.5, 6};
  beale.a_ub = {{0.25, -8, -1, 9}, {0.5, -12, -0.5, 3}, {0, 0, 1, 0}};
  beale.b_ub = {0, 0, 1};
  s = solve_linear_program(beale);
  REQUIRE(s.status == LpStatus::Optimal);
  CHECK(s.objective == doctest::Approx(-1.25));
  CHECK(s.x[0] == doctest::Approx(1));
  CHECK(s.x[2] == doctest::Approx(1));
}

TEST_CASE("reductions: the linear program solver reports infeasible and unbounded programs") {
  LinearProgram infeasible;
  infeasible.c = {1};
  infeasible.a_ub = {{1}, {-1}};
  infeasible.b_ub = {1, -2};  // x <= 1 and x >= 2
  CHECK(solve_linear_program(infeasible).status == LpStatus::Infeasible);
  LinearProgram unbounded;
  unbounded.c = {-1, 0};
  unbounded.a_ub = {{0, 1}};
  unbounded.b_ub = {1};
  CHECK(solve_linear_program(unbounded).status == LpStatus::Unbounded);
  LinearProgram bad;
  bad.c = {1, 2};
  bad.a_ub = {{1}};
  bad.b_ub = {1};
  check_throws<ValueError>([&] { solve_linear_program(bad); }, {"A_ub row 0 has 1 coefficients for 2 variables"});
  bad.a_ub = {{1, NAN}};
  check_throws<ValueError>([&] { solve_linear_program(bad); }, {"A_ub[0][1] is nan"});
}
