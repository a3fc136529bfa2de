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

TEST_CASE("split: the K folds' test parts partition the rows, each class spread evenly") {
  // 103 rows: 31 of label 1 (rows 3i + 1 for i < 31), 72 of label 0.
  std::vector<double> labels(103, 0.0);
  for (size_t i = 0; i < 31; ++i) labels[3 * i + 1] = 1.0;
  const int64_t folds = 5;
  std::vector<int> tested(labels.size(), 0);
  std::vector<std::vector<size_t>> validations;
  for (int64_t fold = 0; fold < folds; ++fold) {
    Split s = stratified_fold_split(labels, folds, fold, 0.2, 11);
    for (size_t r : s.test) ++tested[r];
    // Each class gives floor((k+1) n / K) - floor(k n / K) rows: 6 or 7 of label 1, 14 or 15 of label 0.
    const size_t ones = count_label(labels, s.test, 1.0), zeros = count_label(labels, s.test, 0.0);
    CHECK(ones >= 6);
    CHECK(ones <= 7);
    CHECK(zeros >= 14);
    CHECK(zeros <= 15);
    // The rest: round(0.2 * non-test rows) of each class to validation, the others to train.
    auto fifth = [](size_t rows) { return static_cast<size_t>(std::llround(0.2 * static_cast<double>(rows))); };
    CHECK(count_label(labels, s.validation, 1.0) == fifth(31 - ones));
    CHECK(count_label(labels, s.validation, 0.0) == fifth(72 - zeros));
    std::set<size_t> all(s.train.begin(), s.train.end());
    all.insert(s.validation.begin(), s.validation.end());
    all.insert(s.test.begin(), s.test.end());
    CHECK(all.size() == labels.size());
    for (const auto* part : {&s.train, &s.validation, &s.test}) CHECK(std::is_sorted(part->begin(), part->end()));
    validations.push_back(s.validation);
  }
  for (int count : tested) CHECK(count == 1);  // every row is tested by exactly one fold
  CHECK(validations[0] != validations[1]);     // each fold holds out its own validation rows
  // The same seed gives the same folds; another seed other folds.
  CHECK(stratified_fold_split(labels, folds, 2, 0.2, 11).test == stratified_fold_split(labels, folds, 2, 0.2, 11).test);
  CHECK(stratified_fold_split(labels, folds, 2, 0.2, 12).test != stratified_fold_split(labels, folds, 2, 0.2, 11).test);
}

TEST_CASE("split: bad folds are errors naming the problem") {
  const std::vector<double> labels = {0, 1, 0, 1, 0, 1};
  testing::check_throws<DataError>([&] { stratified_fold_split(labels, 1, 0, 0.1, 0); }, {"fold 0 of 1 folds", "at least 2"});
  testing::check_throws<DataError>([&] { stratified_fold_split(labels, 3, 3, 0.1, 0); }, {"fold 3 of 3 folds"});
  testing::check_throws<DataError>([&] { stratified_fold_split(labels, 3, -1, 0.1, 0); }, {"fold -1 of 3 folds"});
  testing::check_throws<DataError>([&] { stratified_fold_split(labels, 7, 0, 0.1, 0); }, {"7 folds of 6 rows"});
  testing::check_throws<DataError>([&] { stratified_fold_split(labels, 2, 0, 1.0, 0); }, {"validation fraction 1"});
  testing::check_throws<DataError>([&] { stratified_fold_split({0, NAN, 1}, 2, 0, 0.1, 0); }, {"label 1 is NaN"});
}
