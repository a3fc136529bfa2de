#include "explain/posthoc/plots.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "explain/svg.h"

namespace candor::explain {

namespace {

constexpr double kWidth = 720, kLabelWidth = 200, kRight = 30, kRow = 22, kTop = 56;
constexpr size_t kMaxLabel = 28;

// Label text, cut with an ellipsis when long, the whole text kept in a <title> tooltip.
std::string label_text(double x, double y, const std::string& text, const char* anchor = "end") {
  const bool cut = text.size() > kMaxLabel;
  const std::string shown = cut ? text.substr(0, kMaxLabel - 1) + "\u2026" : text;
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}{}</text>\n", x, y, anchor,
                     cut ? "<title>" + xml_escape(text) + "</title>" : "", xml_escape(shown));
}

// A horizontal value axis from lo to hi over [kLabelWidth, kWidth - kRight].
struct Axis {
  double lo, hi;
  double x(double v) const { return kLabelWidth + (v - lo) / (hi - lo) * (kWidth - kRight - kLabelWidth); }
  std::string draw(double top, double bottom, const std::string& label) const {
    std::string out;
    for (double t : nice_ticks(lo, hi)) {
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>\n", x(t),
                         top, bottom);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.3g}</text>\n", x(t), bottom + 14, t);
    }
    if (lo < 0 && hi > 0) {
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#333\"/>\n", x(0),
                         top, bottom);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       (kLabelWidth + kWidth - kRight) / 2, bottom + 32, xml_escape(label));
    return out;
  }
};

Axis axis_over(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (!(hi - lo > 1e-300) || !std::isfinite(hi - lo)) return {lo - 1, hi + 1};
  const double pad = 0.06 * (hi - lo);
  return {lo < 0 ? lo - pad : lo, hi > 0 ? hi + pad : hi};
}

const char* colour(double v) { return v >= 0 ? "#d6604d" : "#4393c3"; }

}  // namespace

std::string bars_svg(const std::string& title, const std::vector<Bar>& bars, const std::string& value_label,
                     const std::string& note) {
  double lo = 0, hi = 0;
  for (const Bar& b : bars) {
    if (!std::isfinite(b.value)) continue;
    lo = std::min(lo, b.value - b.error);
    hi = std::max(hi, b.value + b.error);
  }
  const Axis axis = axis_over(lo, hi);
  const double bottom = kTop + kRow * static_cast<double>(bars.size()) + 6;
  std::string out = svg_open(kWidth, bottom + 44, title);
  if (!note.empty()) out += fmt::format("<text x=\"12\" y=\"40\" fill=\"#555\">{}</text>\n", xml_escape(note));
  out += axis.draw(kTop - 4, bottom, value_label);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    out += label_text(kLabelWidth - 6, y + 14, b.label);
    if (!std::isfinite(b.value)) continue;
    const double x0 = axis.x(std::min(0.0, b.value)), x1 = axis.x(std::max(0.0, b.value));
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
                       x0, y + 3, std::max(x1 - x0, 0.5), kRow - 6, colour(b.value),
                       xml_escape(fmt::format("{}: {:.4g}", b.label, b.value)));
    if (b.error > 0) {
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\"/>\n",
                         axis.x(b.value - b.error), y + kRow / 2, axis.x(b.value + b.error), y + kRow / 2);
    }
  }
  return out + "</svg>\n";
}

std::string waterfall_svg(const std::string& title, double base, const std::vector<WaterfallStep>& steps, double rest,
                          const std::string& value_label) {
  std::vector<WaterfallStep> all = steps;
  if (rest != 0) all.push_back({"other features", rest});
  double level = base, lo = base, hi = base;
  for (const auto& s : all) {
    level += s.contribution;
    lo = std::min(lo, level);
    hi = std::max(hi, level);
  }
  const Axis axis = axis_over(lo, hi);
  const double bottom = kTop + kRow * static_cast<double>(all.size() + 2) + 6;
  std::string out = svg_open(kWidth, bottom + 44, title);
  out += axis.draw(kTop - 4, bottom, value_label);
  auto marker = [&](size_t row, const std::string& text, double v) {
    const double y = kTop + kRow * static_cast<double>(row);
    return label_text(kLabelWidth - 6, y + 14, text) +
           fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\" "
                       "stroke-width=\"2\"/>\n<text x=\"{3:.1f}\" y=\"{4:.1f}\">{5:.4g}</text>\n",
                       axis.x(v), y + 2, y + kRow - 2, axis.x(v) + 4, y + 14, v);
  };
  out += marker(0, "base value", base);
  level = base;
  for (size_t i = 0; i < all.size(); ++i) {
    const double y = kTop + kRow * static_cast<double>(i + 1);
    const double next = level + all[i].contribution;
    const double x0 = axis.x(std::min(level, next)), x1 = axis.x(std::max(level, next));
    out += label_text(kLabelWidth - 6, y + 14, all[i].label);
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{:+.4g}</title></rect>\n",
                       x0, y + 3, std::max(x1 - x0, 0.5), kRow - 6, colour(all[i].contribution), all[i].contribution);
    level = next;
  }
  out += marker(all.size() + 1, "model output", level);
  return out + "</svg>\n";
}

std::string dependence_svg(const DependenceCurves& c, const std::string& value_label) {
  const bool categorical = !c.categories.empty();
  const size_t points = c.average.size();
  const double left = 70, right = 20, top = 40, height = 360, bottom = height - (categorical ? 90 : 50);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const size_t drawn = std::min<size_t>(c.individual.size(), 40);
  for (size_t i = 0; i < drawn; ++i) {
    for (double v : c.individual[i]) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  for (double v : c.average) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double x_lo = categorical || points == 0 ? 0 : c.x.front();
  const double x_hi = categorical || points < 2 ? std::max<double>(1, static_cast<double>(points) - 1) : c.x.back();
  auto sx = [&](size_t i) {
    const double v = categorical ? static_cast<double>(i) : c.x[i];
    return left + (x_hi > x_lo ? (v - x_lo) / (x_hi - x_lo) : 0.5) * (kWidth - left - right);
  };
  auto sy = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
  std::string out = svg_open(kWidth, height, "Partial dependence: " + c.feature);
  for (double t : nice_ticks(lo, hi)) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#eee\"/><text x=\"{3}\" "
                       "y=\"{4:.1f}\" text-anchor=\"end\">{5:.3g}</text>\n",
                       left, sy(t), kWidth - right, left - 4, sy(t) + 4, t);
  }
  if (categorical) {
    for (size_t i = 0; i < points; ++i) {
      out += fmt::format("<g transform=\"translate({:.1f} {:.1f}) rotate(-40)\">", sx(i), bottom + 12) +
             label_text(0, 0, c.categories[i]) + "</g>\n";
    }
  } else {
    for (double t : nice_ticks(x_lo, x_hi)) {
      const double x = left + (x_hi > x_lo ? (t - x_lo) / (x_hi - x_lo) : 0.5) * (kWidth - left - right);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.3g}</text>\n", x, bottom + 14, t);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", (left + kWidth - right) / 2,
                       bottom + 34, xml_escape(c.feature));
  }
  out += fmt::format("<text x=\"14\" y=\"{0:.1f}\" transform=\"rotate(-90 14 {0:.1f})\" text-anchor=\"middle\">{1}</text>\n",
                     (top + bottom) / 2, xml_escape(value_label));
  auto polyline = [&](const std::vector<double>& ys, const char* style) {
    std::string points_text;
    for (size_t i = 0; i < ys.size(); ++i) points_text += fmt::format("{:.1f},{:.1f} ", sx(i), sy(ys[i]));
    return fmt::format("<polyline fill=\"none\" {} points=\"{}\"/>\n", style, points_text);
  };
  for (size_t i = 0; i < drawn; ++i) out += polyline(c.individual[i], "stroke=\"#9ecae1\" stroke-width=\"1\"");
  out += polyline(c.average, "stroke=\"#08306b\" stroke-width=\"3\"");
  return out + "</svg>\n";
}

}  // namespace candor::explain
