#include "fairness/tradeoff_curve.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

std::string ThresholdOperation::to_string() const { return fmt::format("[{}{}]", op, threshold); }

double curve_metric(CurveMetric metric, double tp, double fp, double tn, double fn) {
  // Sums in Fairlearn's order (its _extend_confusion_matrix), so rates match to the last bit.
  const double n = tp + tn + fp + fn, positives = tp + fn, negatives = tn + fp;
  switch (metric) {
    case CurveMetric::SelectionRate: return (tp + fp) / n;
    case CurveMetric::FalsePositiveRate: return fp / negatives;
    case CurveMetric::TruePositiveRate: return tp / positives;
    case CurveMetric::Accuracy: return (tp + tn) / n;
    case CurveMetric::BalancedAccuracy: return 0.5 * tp / positives + 0.5 * tn / negatives;
  }
  throw ValueError("tradeoff curve: unknown metric");
}

std::vector<CurvePoint> tradeoff_points(const std::vector<double>& scores, const std::vector<double>& labels,
                                        CurveMetric x_metric, CurveMetric y_metric, bool flip) {
  const size_t n = scores.size();
  if (labels.size() != n) {
    throw ValueError(fmt::format("tradeoff curve: {} scores but {} labels", n, labels.size()));
  }
  double positives = 0;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] != 0.0 && labels[i] != 1.0) {
      throw ValueError(fmt::format("tradeoff curve: labels must be 0 or 1, found {} at row {}", labels[i], i));
    }
    if (std::isnan(scores[i])) throw ValueError(fmt::format("tradeoff curve: score NaN at row {}", i));
    positives += labels[i];
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) {
    throw ValueError(fmt::format("tradeoff curve: needs both labels, found {} positive and {} negative rows",
                                 positives, negatives));
  }
  // Rows by decreasing score; only the counts above each threshold matter, so ties may be in any order.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  const double inf = std::numeric_limits<double>::infinity();
  std::vector<CurvePoint> points;
  double above[2] = {0, 0};  // rows with score above the threshold, by label
  auto add = [&](double threshold) {
    // '>' t: the rows above t are predicted 1; '<' t: the rows below t are.
    const double fp = above[0], tp = above[1];
    points.push_back({curve_metric(x_metric, tp, fp, negatives - fp, positives - tp),
                      curve_metric(y_metric, tp, fp, negatives - fp, positives - tp), {'>', threshold}});
    if (flip) {
      const double ffp = negatives - fp, ftp = positives - tp;
      points.push_back({curve_metric(x_metric, ftp, ffp, fp, tp), curve_metric(y_metric, ftp, ffp, fp, tp),
                        {'<', threshold}});
    }
  };
  add(inf);  // nothing above +∞
  for (size_t i = 0; i < n;) {
    const double score = scores[order[i]];
    for (; i < n && scores[order[i]] == score; ++i) above[static_cast<int>(labels[order[i]])] += 1;
    // Midway to the next lower score; after the lowest, −∞ (Fairlearn's (s + (−∞)) / 2).
    add(i < n ? (score + scores[order[i]]) / 2 : -inf);
  }
  std::stable_sort(points.begin(), points.end(), [](const CurvePoint& a, const CurvePoint& b) {
    return a.x < b.x || (a.x == b.x && a.y < b.y);
  });
  return points;
}

std::vector<CurvePoint> upper_hull(const std::vector<CurvePoint>& sorted) {
  std::vector<CurvePoint> hull;
  for (const CurvePoint& r2 : sorted) {
    // Drop the last vertex r1 while it lies on or below the segment r0 -> r2: compare the slopes
    // (r1 - r0) and (r2 - r0) multiplied out by the x distances.
    while (hull.size() >= 2) {
      const CurvePoint& r1 = hull[hull.size() - 1];
      const CurvePoint& r0 = hull[hull.size() - 2];
      if ((r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x)) {
        hull.pop_back();
      } else {
        break;
      }
    }
    hull.push_back(r2);
  }
  return hull;
}

std::vector<double> unit_grid(int64_t grid_size) {
  if (grid_size < 1) throw ValueError(fmt::format("tradeoff curve: grid_size must be at least 1, got {}", grid_size));
  const double step = 1.0 / static_cast<double>(grid_size);
  std::vector<double> grid(static_cast<size_t>(grid_size) + 1);
  for (size_t k = 0; k < grid.size(); ++k) grid[k] = static_cast<double>(k) * step;
  grid.back() = 1.0;
  return grid;
}

std::vector<GridPoint> interpolate_hull(const std::vector<CurvePoint>& hull, const std::vector<double>& grid) {
  if (grid.empty()) return {};
  if (hull.size() < 2 || hull.front().x > grid.front() || hull.back().x < grid.back() ||
      hull.front().x == hull.back().x) {
    throw ValueError(fmt::format("tradeoff curve: a hull of {} vertices does not span the grid [{}, {}]", hull.size(),
                                 grid.front(), grid.back()));
  }
  // Start at the last vertex with the smallest x (the hull may rise vertically there).
  size_t i = 0;
  while (hull[i + 1].x == hull[0].x) ++i;
  std::vector<GridPoint> out;
  out.reserve(grid.size());
  for (double x : grid) {
    while (x > hull[i + 1].x) ++i;  // the segment with x_i < x <= x_(i+1)
    // x = p0·x_i + p1·x_(i+1) with p1 = 1 − p0 (Fairlearn's _interpolate_curve).
    const double p0 = (hull[i + 1].x - x) / (hull[i + 1].x - hull[i].x);
    const double p1 = 1 - p0;
    out.push_back({x, p0 * hull[i].y + p1 * hull[i + 1].y, p0, p1, i});
  }
  return out;
}

}  // namespace candor::fairness
