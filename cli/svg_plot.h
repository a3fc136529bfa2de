// A minimal scatter/line plot written as SVG text: axes with round ticks, labelled series with
// optional point labels and horizontal interval bars, a legend. Enough for the accuracy-fairness
// Pareto plots of sweep and compare.
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
  std::vector<std::string> point_labels;  // text beside each point (e.g. "lambda 0.7"); empty: none
  std::vector<double> x_low, x_high;      // a horizontal interval per point (NaN: none); empty: none
  bool hollow = false;                    // circles drawn as outlines (e.g. dominated points)
};

// A series of points (x[i], y[i]) drawn unconnected.
PlotSeries point_series(std::string label, std::string color, std::vector<double> x, std::vector<double> y,
                        double radius = 4);

struct Plot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  double width = 640, height = 420;
};

std::string render_svg(const Plot& plot);

}  // namespace candor::cli
