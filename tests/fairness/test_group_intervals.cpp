// Per-group bootstrap intervals: the same resamples as a direct bootstrap of the MetricFrame,
// intervals that bracket the group's value and narrow with more rows, exact cases worked by hand,
// and thread-count independence.
#include <omp.h>

#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/error.h"
#include "fairness/group_intervals.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;

namespace {
// `copies` times 5 rows of group u and 10 of group v: u selects 3 in 5 rows (y_true alternates),
// v selects 3 in 10 (y_true = 1 for 1 row in 3).
MetricFrame frame_of(int copies) {
  std::vector<double> y_true, y_pred;
  std::vector<std::string> group;
  for (int i = 0; i < 5 * copies; ++i) {
    group.push_back("u");
    y_pred.push_back(i % 5 < 3);
    y_true.push_back(i % 2);
  }
  for (int i = 0; i < 10 * copies; ++i) {
    group.push_back("v");
    y_pred.push_back(i % 10 < 3);
    y_true.push_back(i % 3 == 0);
  }
  return MetricFrame(y_true, y_pred, {group});
}

BootstrapOptions options_of(int replicates, uint64_t seed) {
  BootstrapOptions o;
  o.replicates = replicates;
  o.seed = seed;
  return o;
}
}  // namespace

TEST_CASE("group intervals: the audit's resamples, bracketing each group's value") {
  const MetricFrame frame = frame_of(20);
  const BootstrapOptions options = options_of(300, 5);
  const GroupIntervals got = group_intervals(frame, options);
  REQUIRE(got.by_group.size() == 2);
  // The same numbers as bootstrapping a MetricFrame of each resample (as fairness/report.cpp does).
  const std::vector<Interval> direct = bootstrap_intervals(
      {frame.members(0), frame.members(1)},
      [&](const std::vector<size_t>& rows) {
        MetricFrame f(frame.data().take(rows), take_rows(frame.groups(), rows));
        std::vector<double> v;
        for (size_t g = 0; g < 2; ++g) {
          for (Metric m : GroupIntervals::kMetrics) v.push_back(f.by_group(m, g));
        }
        return v;
      },
      options);
  for (size_t g = 0; g < 2; ++g) {
    for (size_t k = 0; k < GroupIntervals::kMetrics.size(); ++k) {
      const Metric m = GroupIntervals::kMetrics[k];
      const Interval& ci = got.at(g, m);
      INFO("group " << g << ", " << metric_name(m));
      CHECK(ci.low == direct[g * 4 + k].low);
      CHECK(ci.high == direct[g * 4 + k].high);
      CHECK(ci.undefined == 0);
      CHECK(ci.low <= frame.by_group(m, g));
      CHECK(ci.high >= frame.by_group(m, g));
      CHECK(ci.high > ci.low);
    }
  }
}

TEST_CASE("group intervals: more rows, narrower intervals; the same for 1 and 2 threads") {
  const BootstrapOptions options = options_of(300, 9);
  const GroupIntervals small = group_intervals(frame_of(8), options);
  const GroupIntervals large = group_intervals(frame_of(128), options);
  for (size_t g = 0; g < 2; ++g) {
    for (Metric m : GroupIntervals::kMetrics) {
      INFO("group " << g << ", " << metric_name(m));
      // 16 times the rows: about a quarter of the width (1/sqrt(16)); half is a safe bound.
      CHECK(large.at(g, m).high - large.at(g, m).low < 0.5 * (small.at(g, m).high - small.at(g, m).low));
    }
  }
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const GroupIntervals one = group_intervals(frame_of(8), options);
  omp_set_num_threads(2);
  const GroupIntervals two = group_intervals(frame_of(8), options);
  omp_set_num_threads(threads);
  for (size_t g = 0; g < 2; ++g) {
    for (size_t k = 0; k < GroupIntervals::kMetrics.size(); ++k) {
      CHECK(one.by_group[g][k].low == two.by_group[g][k].low);
      CHECK(one.by_group[g][k].high == two.by_group[g][k].high);
      CHECK(one.by_group[g][k].low == small.by_group[g][k].low);
    }
  }
}

TEST_CASE("group intervals: exact cases, undefined rates, an empty group, the bootstrap off") {
  // Group p: every row predicted 1 and labelled 0, so every resample has selection rate 1, fpr 1,
  // accuracy 0 and no tpr. Group q: a 1 and a 0 predicted right, so its accuracy is always 1.
  // The second feature makes the intersection q|y empty.
  const MetricFrame frame({0, 0, 0, 1, 0}, {1, 1, 1, 1, 0}, {{"p", "p", "p", "q", "q"}, {"x", "x", "y", "x", "x"}});
  REQUIRE(frame.groups().labels == std::vector<std::string>{"p|x", "p|y", "q|x", "q|y"});
  const GroupIntervals got = group_intervals(frame, options_of(200, 1));
  REQUIRE(got.by_group.size() == 4);
  const Interval& rate = got.at(0, Metric::SelectionRate);
  CHECK(rate.low == 1.0);
  CHECK(rate.high == 1.0);
  CHECK(got.at(0, Metric::Fpr).low == 1.0);
  CHECK(got.at(0, Metric::Accuracy).high == 0.0);
  CHECK(std::isnan(got.at(0, Metric::Tpr).low));
  CHECK(got.at(0, Metric::Tpr).undefined == 200);
  CHECK(got.at(2, Metric::Accuracy).low == 1.0);
  CHECK(got.at(2, Metric::Accuracy).high == 1.0);
  // q|x's tpr is undefined in the replicates that drew its 0-labelled row twice (about 1 in 4).
  CHECK(got.at(2, Metric::Tpr).undefined > 0);
  CHECK(got.at(2, Metric::Tpr).low == 1.0);
  for (Metric m : GroupIntervals::kMetrics) {
    CHECK(std::isnan(got.at(3, m).low));
    CHECK(std::isnan(got.at(3, m).high));
  }
  testing::check_throws<ValueError>([&] { got.at(0, Metric::RocAuc); }, {"roc_auc has no per-group interval"});
  testing::check_throws<ValueError>([&] { got.at(4, Metric::Tpr); }, {"group 4 is out of range (4 groups)"});
  CHECK(group_intervals(frame, options_of(0, 1)).by_group.empty());
}
