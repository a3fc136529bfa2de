#include "cli/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "explain/svg.h"

namespace candor::cli {

PlotSeries point_series(std::string label, std::string color, std::vector<double> x, std::vector<double> y,
                        double radius) {
  PlotSeries s;
  s.label = std::move(label);
  s.color = std::move(color);
  s.x = std::move(x);
  s.y = std::move(y);
  s.connect = false;
  s.radius = radius;
  return s;
}

std::string render_svg(const Plot& plot) {
  const double left = 70, right = 150, top = 40, bottom = 55;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const PlotSeries& s : plot.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
      if (i < s.x_low.size() && std::isfinite(s.x_low[i])) x0 = std::min(x0, s.x_low[i]);
      if (i < s.x_high.size() && std::isfinite(s.x_high[i])) x1 = std::max(x1, s.x_high[i]);
    }
  }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  // Pad the ranges so points do not sit on the frame.
  double px = (x1 - x0) > 0 ? (x1 - x0) * 0.08 : 0.01, py = (y1 - y0) > 0 ? (y1 - y0) * 0.08 : 0.01;
  x0 -= px, x1 += px, y0 -= py, y1 += py;
  double w = plot.width - left - right, h = plot.height - top - bottom;
  auto sx = [&](double x) { return left + (x - x0) / (x1 - x0) * w; };
  auto sy = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * h; };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      plot.width, plot.height);
  svg += fmt::format("<text x=\"10\" y=\"22\" font-size=\"14\">{}</text>\n", explain::xml_escape(plot.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n",
                     left, top, w, h);
  for (double t : explain::nice_ticks(x0, x1)) {
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4:.3g}</text>\n",
                       sx(t), top, top + h, top + h + 16, t);
  }
  for (double t : explain::nice_ticks(y0, y1)) {
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#ddd\"/>"
                       "<text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5:.3g}</text>\n",
                       left, sy(t), left + w, left - 6, sy(t) + 4, t);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + w / 2,
                     plot.height - 12, explain::xml_escape(plot.x_label));
  svg += fmt::format("<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n",
                     top + h / 2, explain::xml_escape(plot.y_label));
  for (size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    std::string points;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      points += fmt::format("{:.2f},{:.2f} ", sx(s.x[i]), sy(s.y[i]));
      if (i < s.x_low.size() && i < s.x_high.size() && std::isfinite(s.x_low[i]) && std::isfinite(s.x_high[i])) {
        svg += fmt::format("<line x1=\"{:.2f}\" y1=\"{:.2f}\" x2=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"{}\" "
                           "stroke-opacity=\"0.6\"/>\n",
                           sx(s.x_low[i]), sy(s.y[i]), sx(s.x_high[i]), sy(s.y[i]), s.color);
      }
      svg += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"{}\" {}/>\n", sx(s.x[i]), sy(s.y[i]), s.radius,
                         s.hollow ? fmt::format("fill=\"white\" stroke=\"{}\" stroke-width=\"1.5\"", s.color)
                                  : fmt::format("fill=\"{}\"", s.color));
      if (i < s.point_labels.size() && !s.point_labels[i].empty()) {
        svg += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"10\" fill=\"#333\">{}</text>\n",
                           sx(s.x[i]) + s.radius + 2, sy(s.y[i]) - s.radius - 1, explain::xml_escape(s.point_labels[i]));
      }
    }
    if (s.connect && !points.empty()) {
      svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n", points, s.color);
    }
    double ly = top + 10 + 20 * static_cast<double>(k);
    const std::string mark = s.radius == 0 && s.connect
                                 ? fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
                                               left + w + 10, ly, left + w + 22, ly, s.color)
                             : s.hollow ? fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"white\" stroke=\"{}\" "
                                                      "stroke-width=\"1.5\"/>",
                                                      left + w + 16, ly, s.color)
                                        : fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>", left + w + 16, ly,
                                                      s.color);
    svg += fmt::format("{}<text x=\"{}\" y=\"{}\">{}</text>\n", mark, left + w + 26, ly + 4,
                       explain::xml_escape(s.label));
  }
  return svg + "</svg>\n";
}

}  // namespace candor::cli
