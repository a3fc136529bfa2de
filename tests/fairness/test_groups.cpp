#include <doctest/doctest.h>

#include "fairness/groups.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;

TEST_CASE("groups: one column gives sorted labels and an id per row") {
  Groups g = make_groups({{"b", "a", "c", "a"}}, {"grp"});
  CHECK(g.features == std::vector<std::string>{"grp"});
  CHECK(g.labels == std::vector<std::string>{"a", "b", "c"});
  CHECK(g.ids == std::vector<size_t>{1, 0, 2, 0});
  CHECK(g.counts == std::vector<size_t>{2, 1, 1});
  CHECK(g.observed() == 3);
  CHECK(g.find("c") == std::optional<size_t>(2));
  CHECK_FALSE(g.find("d").has_value());
  CHECK(g.members() == std::vector<std::vector<size_t>>{{1, 3}, {0}, {2}});
}

TEST_CASE("groups: intersections are sorted by their tuple of values, not by the joined label") {
  // Tuples (AB,y) (A,x) (A,z): tuple order is (A,x) < (A,z) < (AB,y); sorting the joined labels
  // would put "AB|y" first because '|' sorts after 'B'.
  Groups g = make_groups({{"AB", "A", "A"}, {"y", "x", "z"}}, {"s", "r"});
  CHECK(g.labels == std::vector<std::string>{"A|x", "A|z", "AB|y"});
  CHECK(g.levels[2] == std::vector<std::string>{"AB", "y"});
  CHECK(g.ids == std::vector<size_t>{2, 0, 1});
  CHECK(g.name() == "s|r");

  // Every combination (Fairlearn's by_group index): 2 x 3 groups, the unobserved ones empty.
  Groups all = make_groups({{"AB", "A", "A"}, {"y", "x", "z"}}, {"s", "r"}, true);
  CHECK(all.labels == std::vector<std::string>{"A|x", "A|y", "A|z", "AB|x", "AB|y", "AB|z"});
  CHECK(all.counts == std::vector<size_t>{1, 0, 1, 0, 1, 0});
  CHECK(all.ids == std::vector<size_t>{4, 0, 2});
  CHECK(all.observed() == 3);
}

TEST_CASE("groups: default names, take_rows and bad input") {
  Groups g = make_groups({{"x", "y", "x"}});
  CHECK(g.features == std::vector<std::string>{"sensitive_feature_0"});
  Groups t = take_rows(g, {2, 2, 1});
  CHECK(t.labels == g.labels);
  CHECK(t.ids == std::vector<size_t>{0, 0, 1});
  CHECK(t.counts == std::vector<size_t>{2, 1});
  testing::check_throws<IndexError>([&] { take_rows(g, {3}); }, {"row 3"});
  testing::check_throws<ValueError>([] { make_groups({}); }, {"at least one sensitive column"});
  testing::check_throws<ValueError>([] { make_groups({{"a", "b"}, {"c"}}); }, {"1 rows", "column 0 has 2"});
  testing::check_throws<ValueError>([] { make_groups({{"a"}}, {"x", "y"}); }, {"2 names for 1"});
}
