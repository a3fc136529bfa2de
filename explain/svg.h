// What every SVG plot candor writes needs: text escaped for XML, round tick values, and the
// opening of a self-contained document.
#pragma once

#include <string>
#include <vector>

namespace candor::explain {

// &, <, >, " and ' as entities: a category named "<script>" is shown as text.
std::string xml_escape(const std::string& text);
// About five round values covering [low, high] (steps of 1, 2 or 5 times a power of ten), an exact
// 0 when 0 is in range (never "-0"); {low} when the range is empty or not finite.
std::vector<double> nice_ticks(double low, double high);
// <svg ...> with a white background and `title` in bold at the top left.
std::string svg_open(double width, double height, const std::string& title);

}  // namespace candor::explain
