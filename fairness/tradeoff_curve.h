// The trade-off curves behind the threshold optimizer (Hardt, Price & Srebro 2016, "Equality of
// Opportunity in Supervised Learning": the region a derived predictor can reach), computed step by
// step as Fairlearn's postprocessing computes them, so that fairness/threshold_optimizer.cpp picks
// the same operating point.
//
// For one group's scores s_i and labels y_i:
//   1. every threshold: predict 1 when s > t, for t = +∞, then t between each pair of adjacent
//      distinct scores (their midpoint, taken in decreasing order), then t = −∞; with `flip` also
//      the reversed rule s < t. Each rule is a point (x, y) of two rates of its confusion matrix
//      (x: selection rate or FPR, y: accuracy, balanced accuracy or TPR);
//   2. the upper convex hull of those points (randomising between two rules reaches every point
//      of the segment between them, so every point below the hull is dominated);
//   3. the hull read on a grid of x in [0, 1]: at each grid x, the two hull vertices around it
//      and the mixing weights p0, p1 (p0 + p1 = 1) that reach exactly x.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace candor::fairness {

// One deterministic rule on a score: '>' predicts 1 when score > threshold, '<' when
// score < threshold. The threshold may be ±infinity (never or always 1).
struct ThresholdOperation {
  char op = '>';
  double threshold = 0;
  bool operator()(double score) const { return op == '>' ? score > threshold : score < threshold; }
  std::string to_string() const;  // "[>0.45]", "[<-inf]"
};

// The rates a curve can use, each a function of the confusion counts (as Fairlearn's METRIC_DICT):
//   selection_rate (TP+FP)/n, false_positive_rate FP/(FP+TN), true_positive_rate TP/(TP+FN),
//   accuracy (TP+TN)/n, balanced_accuracy ½·TP/(TP+FN) + ½·TN/(TN+FP).
enum class CurveMetric { SelectionRate, FalsePositiveRate, TruePositiveRate, Accuracy, BalancedAccuracy };
double curve_metric(CurveMetric metric, double tp, double fp, double tn, double fn);

struct CurvePoint {
  double x = 0, y = 0;
  ThresholdOperation operation;
};

// Step 1: the point of every threshold rule, sorted by (x, y); equal points keep the order in
// which the rules were made (t decreasing, '>' before '<'). Labels are 0/1 and both must occur
// (ValueError otherwise: with one class the rates are undefined); sizes must match.
std::vector<CurvePoint> tradeoff_points(const std::vector<double>& scores, const std::vector<double>& labels,
                                        CurveMetric x, CurveMetric y, bool flip);

// Step 2: the upper convex hull of points sorted by (x, y) (Andrew's monotone chain, upper half).
// A point on or below the segment between its neighbours is dropped; equal points collapse into
// one (the first of them at the left end, the last at the right end, as in Fairlearn).
std::vector<CurvePoint> upper_hull(const std::vector<CurvePoint>& sorted);

// The grid x_k = k · (1 / grid_size), k = 0..grid_size, with x_grid_size = 1 exactly (numpy's
// linspace(0, 1, grid_size + 1)).
std::vector<double> unit_grid(int64_t grid_size);

// Step 3: the hull at one grid x. `vertex` is the index of the hull vertex used with weight p0;
// vertex + 1 is used with weight p1. y = p0·y_vertex + p1·y_(vertex+1).
struct GridPoint {
  double x = 0, y = 0, p0 = 1, p1 = 0;
  size_t vertex = 0;
};
// The hull must span [grid.front(), grid.back()] in x (a group with both labels spans [0, 1]).
// For grid x after the first, the vertices satisfy x_vertex < x <= x_(vertex+1); for the first
// grid x (the hull's smallest x) the vertex is the last one with that x, with p0 = 1.
std::vector<GridPoint> interpolate_hull(const std::vector<CurvePoint>& hull, const std::vector<double>& grid);

}  // namespace candor::fairness
