// SVG plots of post-hoc explanations, as self-contained strings:
//  - bars_svg: one horizontal bar per feature (signed values grow left or right of zero), optional
//    +-error whiskers; the attribution summary (mean |value| over rows), a gap decomposition,
//    LIME's local weights, permutation importances.
//  - waterfall_svg: one row's attributions as steps from the base value to the model's output,
//    each labelled with the feature and its value ("age = 39").
//  - dependence_svg: partial dependence (bold) over individual conditional expectation curves
//    (thin), against a numeric grid or categories.
// Labels longer than 28 characters are cut with an ellipsis and keep the whole text as a tooltip.
#pragma once

#include <string>
#include <vector>

namespace candor::explain {

struct Bar {
  std::string label;
  double value = 0;
  double error = 0;  // half-width of a whisker; 0: none
};

// Bars in the given order, the first at the top; `note` is a line under the title (e.g. "top 20
// of 52 features").
std::string bars_svg(const std::string& title, const std::vector<Bar>& bars, const std::string& value_label,
                     const std::string& note = "");

struct WaterfallStep {
  std::string label;  // "age = 39"
  double contribution = 0;
};
// From `base` through the steps (in the given order) to base + sum; `rest` (when not 0) is one
// more step labelled "other features".
std::string waterfall_svg(const std::string& title, double base, const std::vector<WaterfallStep>& steps, double rest,
                          const std::string& value_label);

struct DependenceCurves {
  std::string feature;
  std::vector<double> x;                  // numeric grid; empty for categories
  std::vector<std::string> categories;    // category grid; empty for numbers
  std::vector<double> average;            // partial dependence, one per grid point
  std::vector<std::vector<double>> individual;  // ICE curves (at most a few dozen are drawn)
};
std::string dependence_svg(const DependenceCurves& curves, const std::string& value_label);

}  // namespace candor::explain
