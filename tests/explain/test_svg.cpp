#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "explain/posthoc/plots.h"
#include "explain/svg.h"

using namespace candor::explain;

TEST_CASE("xml_escape: markup in a name is shown as text") {
  CHECK(xml_escape("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  const std::string svg = bars_svg("a <b> title", {{"<script>", 0.5, 0.0}}, "value");
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;") != std::string::npos);
}

TEST_CASE("nice_ticks: round steps covering the range, an exact 0, degenerate ranges") {
  const auto unit = nice_ticks(0, 1);
  REQUIRE(unit.size() == 6);
  for (size_t k = 0; k < 6; ++k) CHECK(unit[k] == doctest::Approx(0.2 * static_cast<double>(k)));
  const auto t = nice_ticks(-0.03, 0.11);
  CHECK(t.front() >= -0.03);
  CHECK(t.back() <= 0.11 + 1e-12);
  bool zero = false;
  for (double v : t) {
    if (v == 0) zero = !std::signbit(v);
  }
  CHECK(zero);
  CHECK(nice_ticks(2, 2) == std::vector<double>{2});
  CHECK(nice_ticks(0, std::numeric_limits<double>::infinity()).size() == 1);
}

TEST_CASE("plots cut long labels with an ellipsis and keep the whole text as a tooltip") {
  const std::string name = "native-country=Outlying-US(Guam-USVI-etc)";
  const std::string svg = bars_svg("t", {{name, -0.2, 0.05}}, "v");
  CHECK(svg.find("<title>" + name + "</title>") != std::string::npos);
  CHECK(svg.find("\u2026") != std::string::npos);
  const std::string w = waterfall_svg("row", 0.2, {{"age = 39", 0.1}, {"sex = Male", -0.05}}, 0.01, "probability");
  CHECK(w.find("age = 39") != std::string::npos);
  CHECK(w.find("other features") != std::string::npos);
  CHECK(w.find("0.26") != std::string::npos);  // the model output: 0.2 + 0.1 - 0.05 + 0.01
}
