// The SVG plots: well-formed documents with the term's data in them, errors for the wrong term.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "explain/ebm/ebm.h"
#include "tests/explain/synthetic.h"

using namespace candor;
using namespace candor::explain::ebm;
using namespace candor::explain::testing;

namespace {
size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("plots: shapes, heatmaps, importances and waterfalls are SVG documents") {
  const Synthetic s = make_synthetic(1000, true, 61);
  datasets::Table x = s.x;
  x.remove_column("c");
  std::vector<std::string> category;
  for (size_t i = 0; i < s.c.size(); ++i) category.push_back(s.c[i] == "a" ? "a<&>" : s.c[i]);
  x.add_column(datasets::Column::categorical("c", category));
  FitOptions o;
  o.outer_bags = 2;
  o.pairs = {{"x1", "x3"}};
  o.max_rounds = 300;
  const Model m = fit(x, s.y, o);
  auto well_formed = [](const std::string& svg) {
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.size() > 200);
    CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf\"") == std::string::npos);
  };
  const std::string x1 = shape_svg(m, m.term_index("x1"));
  well_formed(x1);
  CHECK(count(x1, "<polygon") == 1);  // the std band
  // background + a density cell per bin + the band's swatch in the legend
  CHECK(count(x1, "<rect") == 2 + m.terms[0].shape[0] - 2);
  const std::string c = shape_svg(m, m.term_index("c"));
  well_formed(c);
  CHECK(c.find("a&lt;&amp;&gt;") != std::string::npos);  // escaped category name
  CHECK(c.find("a<&>") == std::string::npos);
  const std::string pair = pair_heatmap_svg(m, m.term_index("x1 & x3"));
  well_formed(pair);
  CHECK(count(pair, "linearGradient id=") == 1);  // the colour bar
  CHECK(count(pair, "text-anchor=\"end\">") >= 3);   // tick labels on the vertical axis (and the scale's)
  CHECK(pair.find("rotate(30") != std::string::npos);  // tick labels on the horizontal axis
  // Equal neighbours along a row are drawn as one rectangle: rows of one score each are one
  // rectangle per row (besides the background and the colour bar).
  Model striped = m;
  Term& stripes = striped.terms[striped.term_index("x1 & x3")];
  for (size_t a = 0; a < stripes.shape[0]; ++a)
    for (size_t b = 0; b < stripes.shape[1]; ++b) stripes.scores[a * stripes.shape[1] + b] = a % 2 ? 1.0 : -0.5;
  CHECK(count(pair_heatmap_svg(striped, striped.term_index("x1 & x3")), "<rect") == 2 + stripes.shape[0] - 2);
  CHECK(count(pair, "<rect") > 2 + stripes.shape[0] - 2);  // the fitted pair varies along its rows
  well_formed(importance_svg(m));
  const std::string top3 = importance_svg(m, 3);
  CHECK(count(top3, "<rect") == 1 + 3);
  CHECK(top3.find(fmt::format("top 3 of {} terms", m.terms.size())) != std::string::npos);
  const auto local = explain_local(m, x);
  const std::string w = waterfall_svg(m, local[0], 2);
  well_formed(w);
  CHECK(w.find("other terms") != std::string::npos);
  CHECK(w.find("intercept") != std::string::npos);
  // With the row's feature values and a note: "x1 = 0.5"-style labels, the note under the title.
  const std::vector<std::string> values = feature_values(m, x, 0);
  REQUIRE(values.size() == m.features.size());
  const std::string named = waterfall_svg(m, local[0], 20, values, "row 0, label 1");
  CHECK(named.find("row 0, label 1") != std::string::npos);
  CHECK(named.find("x1 = " + values[m.terms[m.term_index("x1")].features[0]]) != std::string::npos);
  CHECK_THROWS_AS(feature_values(m, x, x.rows()), EbmError);
  CHECK_THROWS_AS(shape_svg(m, m.term_index("x1 & x3")), EbmError);
  CHECK_THROWS_AS(pair_heatmap_svg(m, 0), EbmError);
  CHECK_THROWS_AS(shape_svg(m, 99), EbmError);
}

TEST_CASE("plots: a nominal shape ranks its categories by score, says what its marks are and escapes long names") {
  const std::string hostile = "<script>alert(1)</script>";  // 25 characters: cut on the axis
  const Synthetic s = make_synthetic(1000, true, 62);
  datasets::Table x = s.x;
  x.remove_column("c");
  std::vector<std::string> category;
  for (const std::string& c : s.c) category.push_back(c == "a" ? hostile : c);
  x.add_column(datasets::Column::categorical("c", category));
  FitOptions o;
  o.outer_bags = 2;
  o.max_rounds = 300;
  Model m = fit(x, s.y, o);
  const size_t t = m.term_index("c");
  // An axis label: `)">name</text>` (rotated), cut to 17 characters and an ellipsis.
  auto at = [](const std::string& svg, const std::string& shown) { return svg.find(")\">" + shown + "</text>"); };
  const std::string cut = "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>&lt;script&gt;alert(1)&lt;\u2026";
  const std::string svg = shape_svg(m, t);
  // fc: c 0.5 > b 0 > a -0.5, and the fitted scores agree.
  const std::vector<double>& scores = m.terms[t].scores;  // bins: missing, then categories in table order, unseen
  const std::vector<std::string>& categories = m.features[m.terms[t].features[0]].categories;
  auto score_of = [&](const std::string& name) {
    return scores[1 + static_cast<size_t>(std::find(categories.begin(), categories.end(), name) - categories.begin())];
  };
  REQUIRE(score_of("c") > score_of("b"));
  REQUIRE(score_of("b") > score_of(hostile));
  REQUIRE(at(svg, "c") != std::string::npos);
  CHECK(at(svg, "c") < at(svg, "b"));
  CHECK(at(svg, "b") < at(svg, cut));
  CHECK(svg.find(hostile) == std::string::npos);
  CHECK(svg.find("alert(1)</script>") == std::string::npos);
  CHECK(svg.find("bar: score, weighted mean over 2 outer bags") != std::string::npos);
  CHECK(svg.find("whisker: \u00b11 standard deviation across the bags") != std::string::npos);
  CHECK(svg.find(">missing</text>") == std::string::npos);  // no missing values in training

  // The unseen bin stays last whatever its score.
  Term& term = m.terms[t];
  term.bin_weights.back() = 1;
  term.scores.back() = 10;
  const std::string unseen = shape_svg(m, t);
  REQUIRE(at(unseen, "(unseen)") != std::string::npos);
  CHECK(at(unseen, "(unseen)") > at(unseen, cut));
  CHECK(at(unseen, "c") < at(unseen, "b"));
}

TEST_CASE("plots: the missing bin is a bar of its own exactly when it is used") {
  Synthetic s = make_synthetic(1000, true, 63);
  datasets::Table x = s.x;
  x.remove_column("x2");
  std::vector<double> x2 = s.x2;
  for (size_t i = 0; i < x2.size(); i += 10) x2[i] = NAN;  // a tenth missing
  x.add_column(datasets::Column::numeric("x2", x2));
  std::vector<std::string> c = s.c;
  std::vector<bool> c_missing(c.size(), false);
  for (size_t i = 0; i < c.size(); i += 7) c_missing[i] = true;
  x.remove_column("c");
  x.add_column(datasets::Column::categorical("c", c, c_missing));
  FitOptions o;
  o.outer_bags = 2;
  o.max_rounds = 200;
  const Model m = fit(x, s.y, o);
  for (const char* name : {"x1", "x2", "c"}) {
    const Term& term = m.terms[m.term_index(name)];
    const bool used = std::string(name) != "x1";
    INFO(name);
    CHECK((term.bin_weights[0] > 0) == used);
    const std::string svg = shape_svg(m, m.term_index(name));
    CHECK(count(svg, ">missing</text>") == (used ? 1 : 0));
    CHECK(count(svg, "stroke-dasharray=\"2 3\"") == (used ? 1 : 0));  // the line setting it apart
    CHECK(svg.find("nan") == std::string::npos);
  }
  const std::string x2_svg = shape_svg(m, m.term_index("x2"));
  CHECK(x2_svg.find("line: score, weighted mean over 2 outer bags") != std::string::npos);
  CHECK(x2_svg.find("band: \u00b11 standard deviation across the bags") != std::string::npos);
  CHECK(count(x2_svg, "<polygon") == 1);
}
