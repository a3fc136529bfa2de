// A minimal scatter/line plot written as SVG text: axes with ticks, labelled series, a legend.
// Enough for the accuracy-fairness Pareto plot; no dependency beyond the standard library.
#pragma once

#include <string>
#include <vector>

namespace candor::cli {

struct PlotSeries {
  std::string label;
  std::string color;  // CSS colour
  std::vector<double> x, y;
  bool connect = true;   // draw a line through the points (in the given order)
  double radius = 4;     // point radius in pixels
};

struct Plot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  double width = 640, height = 420;
};

std::string render_svg(const Plot& plot);

}  // namespace candor::cli
