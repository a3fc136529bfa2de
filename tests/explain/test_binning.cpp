// Binning against hand-worked cut points (the rules in explain/ebm/binning.cpp).
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/errors.h"
#include "explain/ebm/binning.h"

using namespace candor;
using namespace candor::explain::ebm;

namespace {
std::vector<double> repeat(std::vector<std::pair<double, int>> runs) {
  std::vector<double> out;
  for (auto [v, k] : runs)
    for (int i = 0; i < k; ++i) out.push_back(v);
  return out;
}
}  // namespace

TEST_CASE("binning: ten distinct values, three cuts at the equal-count boundaries") {
  // n = 10, C = 6 - 3 = 3 cuts, no run is long enough to be uncuttable (L = ceil(10 / 4) = 3).
  // One range gets 4 bins: aims at 2.5, 5 and 7.5 samples; 2.5 and 7.5 are ties between two
  // boundaries and go to the lower one: after the 2nd, 5th and 7th value.
  std::vector<double> v = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(cut_quantile(v, 6) == std::vector<double>{2.5, 5.5, 7.5});
}

TEST_CASE("binning: a long run of one value is kept whole and bounded by a cut") {
  // n = 10, C = 2, L = ceil(10 / 3) = 4: six 1s are uncuttable -> cut at 1.5; the range
  // {2, 3, 4, 5} gets the remaining cut at its median boundary, 3.5.
  std::vector<double> v = repeat({{1, 6}, {2, 1}, {3, 1}, {4, 1}, {5, 1}});
  CHECK(cut_quantile(v, 5) == std::vector<double>{1.5, 3.5});
}

TEST_CASE("binning: rare values in a sparse stretch share a bin") {
  // 0 x100, 1 x100 (uncuttable: L = ceil(232 / 8) = 29) -> cuts 0.5 and 1.5. The range
  // {2 x10, 3, 4, 5 x10, 6 x10} (32 samples) gets 5 bins; the aims 6.4, 12.8, 19.2, 25.6 snap to
  // the boundaries after 2, 4, 5 and 5: 3 and 4 end up in one bin.
  std::vector<double> v = repeat({{0, 100}, {1, 100}, {2, 10}, {3, 1}, {4, 1}, {5, 10}, {6, 10}});
  CHECK(cut_quantile(v, 10) == std::vector<double>{0.5, 1.5, 2.5, 4.5, 5.5});
}

TEST_CASE("binning: cuts are midpoints and never exceed max_bins - 3") {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(i * 0.5);
  for (size_t max_bins : {3u, 4u, 10u, 64u, 1024u}) {
    const auto cuts = cut_quantile(v, max_bins);
    CHECK(cuts.size() <= max_bins - 3);
    for (double c : cuts) CHECK(std::fmod(c, 0.5) == doctest::Approx(0.25));  // between neighbours
  }
  CHECK(cut_quantile(v, 1024).size() == 999);  // fewer values than bins: every boundary is cut
}

TEST_CASE("binning: NaN is ignored, infinities are extreme values, constants give no cut") {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto cuts = cut_quantile({nan, -inf, 1, 2, inf, nan}, 1024);
  REQUIRE(cuts.size() == 3);
  for (double c : cuts) CHECK(std::isfinite(c));
  CHECK(cuts[1] == 1.5);
  CHECK(cut_quantile({3, 3, 3, 3}, 1024).empty());
  CHECK(cut_quantile({nan, nan}, 1024).empty());
  CHECK(cut_quantile({}, 1024).empty());
}

TEST_CASE("binning: discretize puts missing in bin 0 and is lower-bound inclusive") {
  const std::vector<double> cuts = {1.5, 3.5};
  CHECK(discretize(std::nan(""), cuts) == 0);
  CHECK(discretize(-std::numeric_limits<double>::infinity(), cuts) == 1);
  CHECK(discretize(1.0, cuts) == 1);
  CHECK(discretize(1.5, cuts) == 2);  // x == cut goes up
  CHECK(discretize(3.4, cuts) == 2);
  CHECK(discretize(3.5, cuts) == 3);
  CHECK(discretize(std::numeric_limits<double>::infinity(), cuts) == 3);
}

TEST_CASE("binning: feature typing and nominal bins (missing 0, categories, unseen last)") {
  using datasets::Column;
  datasets::Table t({Column::numeric("n", {1, 2, std::nan(""), 4}),
                     Column::categorical("c", {"b", "a", "", "b"}, {false, false, true, false}),
                     Column::categorical("k", {"10", "9", "2", "10"}),
                     Column::numeric("code", {3, 1, 3, 2})});
  BinningOptions options;
  options.nominal = {"code"};
  const auto f = fit_bins(t, {"n", "c", "k", "code"}, options);
  REQUIRE(f.size() == 4);
  CHECK(f[0].kind == FeatureKind::Continuous);
  CHECK(f[1].kind == FeatureKind::Nominal);
  CHECK(f[1].categories == std::vector<std::string>{"a", "b"});       // text order
  CHECK(f[2].categories == std::vector<std::string>{"2", "9", "10"});  // numeric order
  CHECK(f[3].categories == std::vector<std::string>{"1", "2", "3"});   // forced nominal
  CHECK(f[1].bin_count(BinLevel::Main) == 4);
  CHECK(bin_column(f[1], t.column("c"), BinLevel::Main) == std::vector<uint32_t>{2, 1, 0, 2});
  datasets::Table other({Column::categorical("c", {"z", "a"}), Column::numeric("code", {2, 7})});
  CHECK(bin_column(f[1], other.column("c"), BinLevel::Main) == std::vector<uint32_t>{3, 1});
  CHECK(bin_column(f[3], other.column("code"), BinLevel::Main) == std::vector<uint32_t>{2, 4});
  CHECK(bin_column(f[0], t.column("n"), BinLevel::Main)[2] == 0);
  // A continuous feature read from text: numbers bin, other text is unseen.
  datasets::Table text({Column::categorical("n", {"1", "x"})});
  const auto b = bin_column(f[0], text.column("n"), BinLevel::Main);
  CHECK(b[0] == 1);
  CHECK(b[1] == f[0].bin_count(BinLevel::Main) - 1);
  CHECK(category_key(3.0) == "3");
  CHECK(category_key(2.5) == "2.5");
  CHECK_THROWS_AS(fit_bins(t, {"missing"}, options), datasets::DataError);
}

TEST_CASE("binning: pairs get their own, coarser cuts") {
  std::vector<double> v;
  for (int i = 0; i < 500; ++i) v.push_back(i);
  datasets::Table t({datasets::Column::numeric("x", v)});
  BinningOptions options;
  options.max_bins = 256;
  options.max_interaction_bins = 16;
  const auto f = fit_bins(t, {"x"}, options);
  CHECK(f[0].cuts.size() == 253);
  CHECK(f[0].interaction_cuts.size() == 13);
  CHECK(f[0].bin_count(BinLevel::Main) == 256);
  CHECK(f[0].bin_count(BinLevel::Pair) == 16);
}
