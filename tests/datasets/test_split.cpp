#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/errors.h"
#include "datasets/split.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;

namespace {
size_t count_label(const std::vector<double>& labels, const std::vector<size_t>& rows,
                   double value) {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [&](size_t r) { return labels[r] == value; }));
}
}  // namespace

TEST_CASE("split: stratified split keeps each class's share in every part") {
  // 1000 rows: 300 of label 1 (rows 7i mod 1000), 700 of label 0, interleaved.
  std::vector<double> labels(1000, 0.0);
  for (size_t i = 0; i < 300; ++i) labels[(i * 7) % 1000] = 1.0;
  REQUIRE(std::count(labels.begin(), labels.end(), 1.0) == 300);
  Split s = stratified_split(labels, 0.1, 0.2, 42);
  CHECK(s.test.size() == 200);
  CHECK(s.validation.size() == 100);
  CHECK(s.train.size() == 700);
  CHECK(count_label(labels, s.test, 1.0) == 60);        // round(300 * 0.2)
  CHECK(count_label(labels, s.validation, 1.0) == 30);  // round(300 * 0.1)
  CHECK(count_label(labels, s.train, 1.0) == 210);
  // Each list sorted, and together a partition of 0..N-1.
  for (const auto* part : {&s.train, &s.validation, &s.test})
    CHECK(std::is_sorted(part->begin(), part->end()));
  std::set<size_t> all(s.train.begin(), s.train.end());
  all.insert(s.validation.begin(), s.validation.end());
  all.insert(s.test.begin(), s.test.end());
  CHECK(all.size() == 1000);
  CHECK(*all.rbegin() == 999);
}

TEST_CASE("split: same seed gives the same split and another seed another split") {
  std::vector<double> labels;
  for (int i = 0; i < 500; ++i) labels.push_back(i % 5 == 0 ? 1.0 : 0.0);
  Split a = stratified_split(labels, 0.2, 0.2, 7), b = stratified_split(labels, 0.2, 0.2, 7);
  CHECK(a.train == b.train);
  CHECK(a.validation == b.validation);
  CHECK(a.test == b.test);
  Split c = stratified_split(labels, 0.2, 0.2, 8);
  CHECK(c.test != a.test);
  CHECK(c.test.size() == a.test.size());
  // Shuffled: without it, test would hold each class's first rows, all below 100.
  CHECK(std::count_if(a.test.begin(), a.test.end(), [](size_t r) { return r >= 250; }) > 0);
}

TEST_CASE("split: rounding per class and no validation part and multi-class labels") {
  std::vector<double> labels = {2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 5};  // 3 of 2, 7 of 0, 1 of 5
  Split s = stratified_split(labels, 0.0, 0.3, 1);
  CHECK(s.validation.empty());
  CHECK(count_label(labels, s.test, 2) == 1);  // round(0.9)
  CHECK(count_label(labels, s.test, 0) == 2);  // round(2.1)
  CHECK(count_label(labels, s.test, 5) == 0);  // round(0.3)
  CHECK(s.train.size() + s.test.size() == labels.size());
  CHECK(stratified_split({}, 0.1, 0.1, 0).train.empty());
}

TEST_CASE("split: bad fractions and NaN labels are errors") {
  testing::check_throws<DataError>(
      [] {
        stratified_split({0, 1}, 0.5, 0.5, 0);
      },
      {"validation fraction 0.5 and test fraction 0.5", "sum to less than 1"});
  testing::check_throws<DataError>(
      [] {
        stratified_split({0, 1}, -0.1, 0.2, 0);
      },
      {"validation fraction -0.1"});
  testing::check_throws<DataError>(
      [] {
        stratified_split({0, NAN}, 0.1, 0.2, 0);
      },
      {"label 1 is NaN"});
}
