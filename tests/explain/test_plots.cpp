// The SVG plots: well-formed documents with the term's data in them, errors for the wrong term.
#include <string>

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
  CHECK(count(x1, "<rect") == 1 + m.terms[0].shape[0] - 2);  // background + a density cell per bin
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
