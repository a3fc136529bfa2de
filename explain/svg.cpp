#include "explain/svg.h"

#include <cmath>

#include <fmt/format.h>

namespace candor::explain {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high) {
  const double span = high - low;
  if (!std::isfinite(span) || span <= 0) return {low};
  const double raw = span / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : 5);
  std::vector<double> out;
  // k * step rather than a running sum (no drift), and an exact 0 (never "-0" from rounding).
  for (double k = std::ceil(low / step); k * step <= high + step * 1e-9; ++k) out.push_back(k == 0 ? 0.0 : k * step);
  return out;
}

std::string svg_open(double width, double height, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"12\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{2}</text>\n",
      width, height, xml_escape(title));
}

}  // namespace candor::explain
