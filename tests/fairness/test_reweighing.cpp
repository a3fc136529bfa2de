// Reweighing (fairness/reweighing.h): the factors of a hand-worked table, the property that
// makes it a mitigation (every group gets the overall label rate, the total weight is kept) on
// random weighted data, the empty-cell decision, JSON and bad input.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "fairness/reweighing.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

datasets::SensitiveFeature feature(const std::vector<int64_t>& ids, std::vector<std::string> names = {"a", "b"}) {
  return {"grp", std::move(names), from_vector(ids, {static_cast<int64_t>(ids.size())})};
}

// Weighted label rate of the rows of group g (all rows when g < 0).
double label_rate(const std::vector<double>& y, const std::vector<double>& w, const std::vector<int64_t>& ids, int64_t g) {
  double ones = 0, all = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (g < 0 || ids[i] == g) {
      ones += w[i] * y[i];
      all += w[i];
    }
  }
  return ones / all;
}

}  // namespace

TEST_CASE("reweighing: the factors P(a)P(y)/P(a,y) of a hand-worked table") {
  // a: y = 1 1 1 0, b: y = 1 0 0 0. W = 8, W_a = W_b = 4, W_1 = W_0 = 4.
  //   f(a,1) = 4·4/(8·3) = 2/3   f(a,0) = 4·4/(8·1) = 2   f(b,1) = 2   f(b,0) = 2/3
  // Reweighted label rates: a 3·⅔/(3·⅔ + 2) = ½, b 2/(2 + 3·⅔) = ½: the overall rate 4/8.
  const std::vector<double> y = {1, 1, 1, 0, 1, 0, 0, 0};
  const datasets::SensitiveFeature g = feature({0, 0, 0, 0, 1, 1, 1, 1});
  const Reweighing r = fit_reweighing(y, g);
  CHECK(r.total == 8);
  REQUIRE(r.cells.size() == 4);
  CHECK(r.cells[0].group == "a");
  CHECK(r.cells[0].label == 0);
  CHECK(r.cells[0].rows == 1);
  CHECK(r.factor("a", 1) == doctest::Approx(2.0 / 3).epsilon(1e-15));
  CHECK(r.factor("a", 0) == 2);
  CHECK(r.factor("b", 1) == 2);
  CHECK(r.factor("b", 0) == doctest::Approx(2.0 / 3).epsilon(1e-15));
  const std::vector<int64_t> ids = g.ids.to_vector<int64_t>();
  CHECK(label_rate(y, r.weights, ids, 0) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(label_rate(y, r.weights, ids, 1) == doctest::Approx(0.5).epsilon(1e-15));
  // Input weights multiply in (AIF360 scales the instance weights): doubling every weight
  // leaves the factors and doubles the result.
  const std::vector<double> twos(8, 2.0);
  const Reweighing r2 = fit_reweighing(y, g, twos);
  for (size_t i = 0; i < y.size(); ++i) CHECK(r2.weights[i] == doctest::Approx(2 * r.weights[i]).epsilon(1e-15));
}

TEST_CASE("reweighing: every group gets the overall label rate, and the total weight is kept (random data)") {
  // Three groups of unequal size and base rate, random weights in [0.1, 3).
  Generator gen(11);
  const size_t n = 3000;
  std::vector<double> y(n), w(n);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) {
    const double u = uniform_double(static_cast<uint32_t>(gen.next_u64()), static_cast<uint32_t>(gen.next_u64()));
    ids[i] = u < 0.6 ? 0 : (u < 0.9 ? 1 : 2);
    const double base = ids[i] == 0 ? 0.3 : (ids[i] == 1 ? 0.1 : 0.6);
    y[i] = uniform_double(static_cast<uint32_t>(gen.next_u64()), static_cast<uint32_t>(gen.next_u64())) < base;
    w[i] = 0.1 + 2.9 * uniform_double(static_cast<uint32_t>(gen.next_u64()), static_cast<uint32_t>(gen.next_u64()));
  }
  const datasets::SensitiveFeature g = feature(ids, {"x", "y", "z"});
  const Reweighing r = fit_reweighing(y, g, w);
  const double overall = label_rate(y, w, ids, -1);
  CHECK(label_rate(y, r.weights, ids, -1) == doctest::Approx(overall).epsilon(1e-12));
  CHECK(label_rate(y, w, ids, 2) - label_rate(y, w, ids, 1) > 0.3);  // far apart before
  for (int64_t k = 0; k < 3; ++k) {
    CHECK(label_rate(y, r.weights, ids, k) == doctest::Approx(overall).epsilon(1e-12));
  }
  double before = 0, after = 0;
  for (size_t i = 0; i < n; ++i) {
    before += w[i];
    after += r.weights[i];
  }
  CHECK(after == doctest::Approx(before).epsilon(1e-12));
  // apply() on the same rows gives the same weights.
  CHECK(r.apply(y, g, w) == r.weights);
}

TEST_CASE("reweighing: an empty (group, label) cell is refused, naming the group and its counts") {
  // b has only label 0: no factor can move its label rate off 0. AIF360 would divide by W_b1 = 0
  // (an infinite factor on no row) and leave b at rate 0; candor says so instead.
  const std::vector<double> y = {1, 0, 1, 0, 0, 0};
  const datasets::SensitiveFeature g = feature({0, 0, 0, 1, 1, 1});
  check_throws<ValueError>([&] { fit_reweighing(y, g); },
                           {"group \"b\" of \"grp\" has no weight with label 1 (label 0: 3 rows weighing 3; label 1: 0 rows",
                            "overall label rate 0.333"});
  // Rows of the label that all weigh 0 are the same empty cell.
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1, 0, 1, 0}, g, {1, 1, 1, 1, 0, 1}); },
                           {"group \"b\" of \"grp\" has no weight with label 1",
                            "(label 0: 2 rows weighing 2; label 1: 1 rows weighing 0)"});
  check_throws<ValueError>([&] { fit_reweighing({0, 0, 0, 0, 0, 0}, g); }, {"no weight with label 1 in the 6 rows"});
}

TEST_CASE("reweighing: the factor table round-trips through JSON and applies to new rows") {
  const std::vector<double> y = {1, 1, 1, 0, 1, 0, 0, 0};
  const Reweighing r = fit_reweighing(y, feature({0, 0, 0, 0, 1, 1, 1, 1}));
  const nlohmann::json j = r.to_json();
  CHECK_FALSE(j.contains("weights"));
  const Reweighing back = Reweighing::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.to_json() == j);
  // New rows, in a feature that lists the groups in another order: matched by name.
  const datasets::SensitiveFeature other = feature({0, 1, 1}, {"b", "a", "c"});
  const std::vector<double> w = back.apply({1, 0, 1}, other, {1, 3, 1});
  CHECK(w[0] == 2);                                             // b, label 1
  CHECK(w[1] == 6);                                             // a, label 0, input weight 3
  CHECK(w[2] == doctest::Approx(2.0 / 3).epsilon(1e-15));       // a, label 1
  check_throws<ValueError>([&] { back.apply({1}, feature({2}, {"b", "a", "c"})); },
                           {"group \"c\" of \"grp\" was not seen in fitting (fitted groups: \"a\", \"b\")"});

  nlohmann::json bad = j;
  bad["cells"].erase(3);
  check_throws<ValueError>([&] { Reweighing::from_json(bad); }, {"group \"b\" needs one cell per label"});
  bad = j;
  bad["cells"][0]["factor"] = -1;
  check_throws<ValueError>([&] { Reweighing::from_json(bad); }, {"factor of group \"a\" label 0 is -1"});
  bad = j;
  bad["cells"][0]["label"] = 2;
  check_throws<ValueError>([&] { Reweighing::from_json(bad); }, {"label 2 is not 0 or 1"});
  bad = j;
  bad["version"] = 9;
  check_throws<ValueError>([&] { Reweighing::from_json(bad); }, {"version 9 is not supported"});
  check_throws<ValueError>([&] { Reweighing::from_json({{"format", "candor.reweighing"}}); },
                           {"reweighing json", "version"});
}

TEST_CASE("reweighing: bad input is one clear ValueError") {
  const datasets::SensitiveFeature g = feature({0, 0, 1, 1});
  check_throws<ValueError>([&] { fit_reweighing({}, feature({})); }, {"reweighing: no rows"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1}, g); }, {"3 rows but the sensitive feature \"grp\" has 4"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1, 0}, g, {1, 1}); }, {"4 labels but 2 weights"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 0.5, 0}, g); }, {"labels must be 0 or 1, found 0.5 at row 2"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1, 0}, g, {1, -1, 1, 1}); },
                           {"weights must be finite and non-negative, found -1 at row 1"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1, 0}, g, {1, std::nan(""), 1, 1}); }, {"found nan at row 1"});
  check_throws<ValueError>([&] { fit_reweighing({1, 0, 1, 0}, g, {0, 0, 0, 0}); }, {"the 4 rows' weights sum to 0"});
  const Reweighing r = fit_reweighing({1, 0, 1, 0}, g);
  check_throws<ValueError>([&] { r.factor("a", 2); }, {"label 2 is not 0 or 1"});
}
