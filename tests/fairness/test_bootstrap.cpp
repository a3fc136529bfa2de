#include <omp.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "fairness/bootstrap.h"
#include "fairness/named_metrics.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;

namespace {
// 400 rows: group u selects 3 in 5 rows, group v 3 in 10, so the demographic parity difference is
// exactly 0.6 - 0.3 = 0.3.
struct Example {
  std::vector<double> y_true, y_pred;
  std::vector<std::string> group;
  Example() {
    for (int i = 0; i < 200; ++i) {
      group.push_back("u");
      y_pred.push_back(i % 5 < 3);
      y_true.push_back(i % 2);
    }
    for (int i = 0; i < 200; ++i) {
      group.push_back("v");
      y_pred.push_back(i % 10 < 3);
      y_true.push_back(i % 3 == 0);
    }
  }
};

std::vector<Interval> dpd_intervals(const Example& e, const BootstrapOptions& options) {
  Predictions data{e.y_true, e.y_pred, {}, {}};
  Groups groups = make_groups({e.group}, {"g"});
  return bootstrap_intervals(
      groups.members(),
      [&](const std::vector<size_t>& rows) {
        MetricFrame f(data.take(rows), take_rows(groups, rows));
        return std::vector<double>{demographic_parity_difference(f), demographic_parity_ratio(f)};
      },
      options);
}
}  // namespace

TEST_CASE("bootstrap: percentile interpolates linearly between order statistics") {
  // numpy.percentile([1, 2, 3, 4], 25) = 1.75: position (4 - 1) * 0.25 = 0.75.
  CHECK(percentile({4, 1, 3, 2}, 0.25) == doctest::Approx(1.75).epsilon(1e-12));
  CHECK(percentile({4, 1, 3, 2}, 0.5) == doctest::Approx(2.5).epsilon(1e-12));
  CHECK(percentile({4, 1, 3, 2}, 0.0) == 1.0);
  CHECK(percentile({4, 1, 3, 2}, 1.0) == 4.0);
  CHECK(percentile({7}, 0.975) == 7.0);
  CHECK(std::isnan(percentile({}, 0.5)));
}

TEST_CASE("bootstrap: each stratum is resampled within itself and keeps its size") {
  std::vector<std::vector<size_t>> strata = {{0, 1, 2}, {3, 4}};
  std::set<size_t> seen;
  for (uint64_t b = 0; b < 100; ++b) {
    std::vector<size_t> rows = bootstrap_rows(strata, 7, b);
    REQUIRE(rows.size() == 5);
    for (size_t i = 0; i < 3; ++i) CHECK(rows[i] <= 2);
    for (size_t i = 3; i < 5; ++i) CHECK((rows[i] == 3 || rows[i] == 4));
    seen.insert(rows.begin(), rows.end());
  }
  CHECK(seen.size() == 5);  // every row drawn at some point
  CHECK(bootstrap_rows(strata, 7, 3) == bootstrap_rows(strata, 7, 3));
  // Different replicates (or seeds) draw differently at least somewhere.
  bool differs = false;
  for (uint64_t b = 1; b < 20; ++b) differs = differs || bootstrap_rows(strata, 7, b) != bootstrap_rows(strata, 7, 0);
  CHECK(differs);
}

TEST_CASE("bootstrap: the interval brackets the estimate and is deterministic for a seed") {
  Example e;
  BootstrapOptions options;
  options.replicates = 400;
  options.seed = 11;
  std::vector<Interval> a = dpd_intervals(e, options);
  REQUIRE(a.size() == 2);
  // DPD = 0.3 (DPR = 0.5); with 200 rows a group a 95% interval is about ±0.09 wide around it.
  CHECK(a[0].low < 0.3);
  CHECK(a[0].high > 0.3);
  CHECK(a[0].high - a[0].low < 0.3);
  CHECK(a[0].low > 0.1);
  CHECK(a[1].low < 0.5);
  CHECK(a[1].high > 0.5);
  CHECK(a[0].undefined == 0);

  std::vector<Interval> again = dpd_intervals(e, options);
  CHECK(again[0].low == a[0].low);
  CHECK(again[0].high == a[0].high);
  CHECK(again[1].low == a[1].low);

  // The same for 1 and 2 threads: the draws depend on (seed, replicate, slot) only.
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  std::vector<Interval> one = dpd_intervals(e, options);
  omp_set_num_threads(2);
  std::vector<Interval> two = dpd_intervals(e, options);
  omp_set_num_threads(threads);
  CHECK(one[0].low == two[0].low);
  CHECK(one[0].high == two[0].high);
  CHECK(one[0].low == a[0].low);

  options.seed = 12;
  std::vector<Interval> other = dpd_intervals(e, options);
  CHECK((other[0].low != a[0].low || other[0].high != a[0].high));
}

TEST_CASE("bootstrap: undefined replicates are counted and left out, bad options throw") {
  std::vector<std::vector<size_t>> strata = {{0, 1, 2, 3}};
  BootstrapOptions options;
  options.replicates = 200;
  // NaN whenever row 0 is drawn (most replicates: 1 - (3/4)^4 ≈ 0.68), else 1.
  std::vector<Interval> out = bootstrap_intervals(
      strata,
      [](const std::vector<size_t>& rows) {
        bool has0 = std::find(rows.begin(), rows.end(), size_t{0}) != rows.end();
        return std::vector<double>{has0 ? std::nan("") : 1.0};
      },
      options);
  REQUIRE(out.size() == 1);
  CHECK(out[0].undefined > 100);
  CHECK(out[0].undefined < 200);
  CHECK(out[0].low == 1.0);
  CHECK(out[0].high == 1.0);

  options.replicates = 0;
  CHECK(bootstrap_intervals(strata, [](const std::vector<size_t>&) { return std::vector<double>{1}; }, options).empty());
  options.replicates = -1;
  testing::check_throws<ValueError>(
      [&] { bootstrap_intervals(strata, [](const std::vector<size_t>&) { return std::vector<double>{}; }, options); },
      {"replicates must be in [0, 100000], got -1"});
  options.replicates = 10;
  options.confidence = 1.0;
  testing::check_throws<ValueError>(
      [&] { bootstrap_intervals(strata, [](const std::vector<size_t>&) { return std::vector<double>{}; }, options); },
      {"confidence must be in (0, 1)"});
}
