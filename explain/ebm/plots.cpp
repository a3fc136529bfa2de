#include "explain/ebm/plots.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "explain/ebm/errors.h"
#include "explain/svg.h"

namespace candor::explain::ebm {

namespace {

constexpr double kW = 640, kH = 400;          // canvas
constexpr double kL = 70, kR = 20, kT = 40;   // margins
constexpr double kPlotB = 320;                // bottom of the plot area
constexpr double kStripT = 335, kStripH = 14;  // density strip
constexpr double kMissingSlot = 50;           // shapes: room for the missing bin's bar at the left
constexpr size_t kCategoryChars = 18;         // shapes: longer category labels are cut

std::string header(const std::string& title, double height = kH) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{2}\" y=\"22\" font-size=\"14\" "
      "font-weight=\"bold\">{3}</text>\n",
      kW, height, kL, xml_escape(title));
}

// y axis from lo to hi mapped to [kPlotB, kT], with ticks and a zero line.
struct YAxis {
  double lo, hi;
  double y(double v) const { return kPlotB - (v - lo) / (hi - lo) * (kPlotB - kT); }
  std::string draw(const std::string& label) const {
    std::string out = fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", kL, kT, kPlotB);
    for (double v : nice_ticks(lo, hi)) {  // round values, 0 among them when in range
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3g}</text>\n", kL - 4,
                         y(v) + 4, v);
    }
    if (lo < 0 && hi > 0)
      out += fmt::format(
          "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#999\" "
          "stroke-dasharray=\"4 3\"/>\n",
          kL, y(0), kW - kR, y(0));
    out += fmt::format(
        "<text x=\"14\" y=\"{:.1f}\" transform=\"rotate(-90 14 {:.1f})\" "
        "text-anchor=\"middle\">{}</text>\n",
        (kT + kPlotB) / 2, (kT + kPlotB) / 2, xml_escape(label));
    return out;
  }
};

YAxis y_axis(const std::vector<double>& lo, const std::vector<double>& hi) {
  double a = 0, b = 0;
  for (double v : lo) a = std::min(a, v);
  for (double v : hi) b = std::max(b, v);
  if (b - a < 1e-12) b = a + 1;
  const double pad = 0.05 * (b - a);
  return {a - pad, b + pad};
}

std::string score_label(const Model& m) {
  return m.objective == Objective::LogLoss ? "score (logit)" : "score";
}

// The label escaped, cut to `keep` characters with an ellipsis (never inside a UTF-8 character);
// the whole text as a tooltip.
std::string short_label(const std::string& text, size_t keep) {
  if (text.size() <= keep) return xml_escape(text);
  size_t cut = keep - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "<title>" + xml_escape(text) + "</title>" + xml_escape(text.substr(0, cut)) + "\u2026";
}

// What the marks of a shape plot are: the score is the mean over the outer bags, the band (or the
// whiskers) one standard deviation either side, both weighted by the bags' training weight
// (average_bags in postprocess.h).
std::string shape_legend(double y, bool nominal, size_t bags) {
  const std::string over = fmt::format("weighted mean over {} outer bag{}", bags, bags == 1 ? "" : "s");
  const double x = kL;
  if (nominal) {
    return fmt::format(
        "<rect x=\"{0}\" y=\"{1}\" width=\"14\" height=\"10\" fill=\"#d6604d\"/>"
        "<text x=\"{2}\" y=\"{3}\">bar: score, {4}</text>\n"
        "<line x1=\"{5}\" y1=\"{1}\" x2=\"{5}\" y2=\"{6}\" stroke=\"black\"/>"
        "<text x=\"{7}\" y=\"{3}\">whisker: \u00b11 standard deviation across the bags</text>\n",
        x, y - 9, x + 18, y, over, x + 290, y + 1, x + 296);
  }
  return fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#2166ac\" stroke-width=\"2\"/>"
      "<text x=\"{3}\" y=\"{4}\">line: score, {5}</text>\n"
      "<rect x=\"{6}\" y=\"{7}\" width=\"16\" height=\"10\" fill=\"#4393c3\" fill-opacity=\"0.25\"/>"
      "<text x=\"{8}\" y=\"{4}\">band: \u00b11 standard deviation across the bags</text>\n",
      x, y - 4, x + 16, x + 20, y, over, x + 290, y - 9, x + 310);
}

}  // namespace

std::string shape_svg(const Model& m, size_t t) {
  if (t >= m.terms.size() || m.terms[t].features.size() != 1)
    throw EbmError(fmt::format("ebm: shape_svg needs a main term (index {})", t));
  const Term& term = m.terms[t];
  const FeatureBins& f = m.features[term.features[0]];
  const bool nominal = f.kind == FeatureKind::Nominal;
  const size_t n = term.shape[0];
  std::vector<size_t> bins;  // ordinary bins (nominal: by score, highest first), plus unseen when it has weight
  for (size_t b = 1; b + 1 < n; ++b) bins.push_back(b);
  if (nominal) {
    std::stable_sort(bins.begin(), bins.end(), [&](size_t a, size_t b) { return term.scores[a] > term.scores[b]; });
  }
  if (term.bin_weights[n - 1] > 0) bins.push_back(n - 1);
  // The missing bin (0), when rows fell in it or it has a score, is a bar of its own at the left.
  const bool missing = term.bin_weights[0] > 0 || term.scores[0] != 0;
  auto low = [&](size_t b) { return term.scores[b] - term.standard_deviations[b]; };
  auto high = [&](size_t b) { return term.scores[b] + term.standard_deviations[b]; };
  std::vector<double> lo, hi;
  for (size_t b : bins) {
    lo.push_back(low(b));
    hi.push_back(high(b));
  }
  if (missing) {
    lo.push_back(low(0));
    hi.push_back(high(0));
  }
  const YAxis ya = y_axis(lo, hi);
  // nominal features get room for their rotated category labels, every shape a line for the legend
  const double height = nominal ? kH + 110 : kH + 20;
  std::string out = header(term.name, height) + ya.draw(score_label(m));
  out += shape_legend(height - 10, nominal, m.bag_weights.size());
  double max_weight = term.bin_weights[0];
  for (size_t b : bins) max_weight = std::max(max_weight, term.bin_weights[b]);
  auto density = [&](double x0, double x1, size_t b) {
    const double o = max_weight > 0 ? term.bin_weights[b] / max_weight : 0;
    return fmt::format(
        "<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"#555\" "
        "fill-opacity=\"{:.3f}\"/>\n",
        x0, kStripT, std::max(x1 - x0, 0.5), kStripH, o);
  };
  // Bin b's score as a bar from 0 over [x, x + width), with a whisker of +-1 standard deviation.
  auto bar = [&](double x, double width, size_t b) {
    const double s = term.scores[b], top = ya.y(std::max(s, 0.0)), bottom = ya.y(std::min(s, 0.0));
    return fmt::format(
        "<rect x=\"{0:.2f}\" y=\"{1:.2f}\" width=\"{2:.2f}\" height=\"{3:.2f}\" fill=\"{4}\"/>\n"
        "<line x1=\"{5:.2f}\" y1=\"{6:.2f}\" x2=\"{5:.2f}\" y2=\"{7:.2f}\" stroke=\"black\"/>\n",
        x, top, width, std::max(bottom - top, 0.5), s >= 0 ? "#d6604d" : "#4393c3", x + width / 2, ya.y(low(b)),
        ya.y(high(b)));
  };
  // The ordinary bins start right of the missing bar and a dashed line that sets it apart.
  const double x0 = missing ? kL + kMissingSlot : kL;
  if (missing) {
    out += bar(kL + 6, kMissingSlot - 20, 0) + density(kL + 6, kL + kMissingSlot - 14, 0);
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n"
        "<text x=\"{3}\" y=\"{4}\" text-anchor=\"middle\">missing</text>\n",
        x0 - 7, kT, kStripT + kStripH, kL + 6 + (kMissingSlot - 20) / 2, kStripT + kStripH + 14);
  }
  if (nominal) {
    // The labels hang down and to the right at 45 degrees: the last one needs about 0.7 of its
    // length (kCategoryChars at ~6.5 px) to the right of its slot's centre.
    const double label_room = 0.7 * 6.5 * static_cast<double>(kCategoryChars);
    const double slot = (kW - x0 - std::max(kR, label_room)) / static_cast<double>(bins.size());
    for (size_t k = 0; k < bins.size(); ++k) {
      const size_t b = bins[k];
      const double x = x0 + slot * static_cast<double>(k);
      out += bar(x + 0.15 * slot, 0.7 * slot, b) + density(x, x + slot, b);
      const std::string label = b == n - 1 ? "(unseen)" : f.categories[b - 1];
      out += fmt::format(
          "<text x=\"{0:.2f}\" y=\"{1}\" transform=\"rotate(45 {0:.2f} {1})\">{2}</text>\n",
          x + 0.5 * slot, kStripT + kStripH + 10, short_label(label, kCategoryChars));
    }
    return out + "</svg>\n";
  }
  // Continuous: bin b covers [cut b-2, cut b-1); the open ends get the width of their neighbour.
  const auto& cuts = f.cuts;
  std::vector<double> left, right;
  for (size_t b = 1; b + 1 < n; ++b) {
    const size_t k = b - 1;  // interval index
    double l = k == 0 ? NAN : cuts[k - 1], r = k < cuts.size() ? cuts[k] : NAN;
    left.push_back(l);
    right.push_back(r);
  }
  if (cuts.empty()) {
    left[0] = 0;
    right[0] = 1;
  } else {
    const double first = cuts.size() > 1 ? cuts[1] - cuts[0] : 1.0;
    const double last = cuts.size() > 1 ? cuts.back() - cuts[cuts.size() - 2] : 1.0;
    left[0] = cuts[0] - first;
    right.back() = cuts.back() + last;
  }
  const double x_lo = left.front(), x_hi = right.back();
  auto x = [&](double v) { return x0 + (v - x_lo) / (x_hi - x_lo) * (kW - x0 - kR); };
  std::string band = "<polygon fill=\"#4393c3\" fill-opacity=\"0.25\" stroke=\"none\" points=\"";
  std::string line = "<polyline fill=\"none\" stroke=\"#2166ac\" stroke-width=\"2\" points=\"";
  for (size_t k = 0; k < left.size(); ++k) {
    band += fmt::format("{:.2f},{:.2f} {:.2f},{:.2f} ", x(left[k]), ya.y(high(k + 1)), x(right[k]),
                        ya.y(high(k + 1)));
    line += fmt::format("{:.2f},{:.2f} {:.2f},{:.2f} ", x(left[k]), ya.y(term.scores[k + 1]),
                        x(right[k]), ya.y(term.scores[k + 1]));
    out += density(x(left[k]), x(right[k]), k + 1);
  }
  for (size_t k = left.size(); k-- > 0;)
    band += fmt::format("{:.2f},{:.2f} {:.2f},{:.2f} ", x(right[k]), ya.y(low(k + 1)), x(left[k]),
                        ya.y(low(k + 1)));
  out += band + "\"/>\n" + line + "\"/>\n";
  for (double v : nice_ticks(x_lo, x_hi)) {  // round values inside the drawn range: none clipped
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{:.4g}</text>\n", x(v),
                       kStripT + kStripH + 14, v);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} (density strip: training "
                     "weight per bin)</text>\n",
                     (x0 + kW - kR) / 2, kH - 12, xml_escape(f.name));
  return out + "</svg>\n";
}

namespace {

// A pair-level bin's label per ordinary bin: the category, or its lower edge ("< c1" for the first).
std::vector<std::string> pair_bin_labels(const FeatureBins& f) {
  if (f.kind == FeatureKind::Nominal) return f.categories;
  const auto& cuts = f.cuts_at(BinLevel::Pair);
  std::vector<std::string> labels;
  if (cuts.empty()) return {"all"};
  labels.push_back(fmt::format("< {:.4g}", cuts.front()));
  for (double c : cuts) labels.push_back(fmt::format("{:.4g}", c));
  return labels;
}

}  // namespace

std::string pair_heatmap_svg(const Model& m, size_t t) {
  if (t >= m.terms.size() || m.terms[t].features.size() != 2)
    throw EbmError(fmt::format("ebm: pair_heatmap_svg needs a pair term (index {})", t));
  const Term& term = m.terms[t];
  const size_t n0 = term.shape[0], n1 = term.shape[1];
  double extent = 1e-12;
  for (size_t a = 1; a + 1 < n0; ++a)
    for (size_t b = 1; b + 1 < n1; ++b) extent = std::max(extent, std::fabs(term.scores[a * n1 + b]));
  std::string out = header(term.name);
  // The right margin holds the last x label, which hangs to the right at 30 degrees (~9 characters).
  const double right = 60;
  const double w = (kW - kL - right) / static_cast<double>(n1 - 2);
  const double h = (kPlotB - kT) / static_cast<double>(n0 - 2);
  // 32 shades each side of white: finer steps than the eye separates, and neighbouring cells whose
  // scores differ by less than 1/32 of the extent share a shade (and a rectangle, below).
  auto colour_of = [&](size_t a, size_t b) {
    const double v = term.scores[a * n1 + b] / extent;  // -1 .. 1
    const double shade = std::round(std::fabs(v) * 32) / 32;
    const int fade = static_cast<int>(std::lround(255 * (1 - shade)));
    return v >= 0 ? fmt::format("rgb(255,{0},{0})", fade) : fmt::format("rgb({0},{0},255)", fade);
  };
  // One rectangle per run of equal colour along a row: boosted pair scores are piecewise constant,
  // so this keeps a 64 x 64 heatmap to a few hundred elements instead of 4096.
  for (size_t a = 1; a + 1 < n0; ++a) {
    for (size_t start = 1; start + 1 < n1;) {
      const std::string colour = colour_of(a, start);
      size_t end = start + 1;
      while (end + 1 < n1 && colour_of(a, end) == colour) ++end;
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n",
          kL + w * static_cast<double>(start - 1), kPlotB - h * static_cast<double>(a),
          w * static_cast<double>(end - start) + 0.3, h + 0.3, colour);
      start = end;
    }
  }
  const FeatureBins& f0 = m.features[term.features[0]];
  const FeatureBins& f1 = m.features[term.features[1]];
  // Tick labels at most ~8 per axis.
  const std::vector<std::string> l0 = pair_bin_labels(f0), l1 = pair_bin_labels(f1);
  const size_t every0 = (l0.size() + 7) / 8, every1 = (l1.size() + 7) / 8;
  for (size_t a = 0; a < l0.size(); a += every0) {
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kL - 4,
                       kPlotB - h * (static_cast<double>(a) + 0.5) + 4, short_label(l0[a], 8));
  }
  for (size_t b = 0; b < l1.size(); b += every1) {
    const double x = kL + w * (static_cast<double>(b) + 0.5);
    out += fmt::format("<text x=\"{0:.1f}\" y=\"{1}\" transform=\"rotate(30 {0:.1f} {1})\">{2}</text>\n", x,
                       kPlotB + 12, short_label(l1[b], 14));
  }
  // Colour bar: blue (-extent) through white (0) to red (+extent).
  const double bar_x = kW - kR - 150, bar_y = 12;
  out += fmt::format(
      "<defs><linearGradient id=\"scale\"><stop offset=\"0\" stop-color=\"rgb(0,0,255)\"/><stop offset=\"0.5\" "
      "stop-color=\"white\"/><stop offset=\"1\" stop-color=\"rgb(255,0,0)\"/></linearGradient></defs>\n"
      "<rect x=\"{0}\" y=\"{1}\" width=\"100\" height=\"10\" fill=\"url(#scale)\" stroke=\"#999\"/>\n"
      "<text x=\"{2}\" y=\"{3}\" text-anchor=\"end\">{4:+.3g}</text><text x=\"{5}\" y=\"{3}\">{6:+.3g}</text>\n",
      bar_x, bar_y, bar_x - 4, bar_y + 9, -extent, bar_x + 104, extent);
  out += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n"
      "<text x=\"9\" y=\"{:.1f}\" transform=\"rotate(-90 9 {:.1f})\" text-anchor=\"middle\">{}</text>\n",
      (kL + kW - right) / 2, kH - 4, xml_escape(f1.name), (kT + kPlotB) / 2, (kT + kPlotB) / 2, xml_escape(f0.name));
  return out + "</svg>\n";
}

namespace {

// Horizontal bars from starts[k] (0 when empty) to starts[k] + values[k], labelled.
// `note`: a grey line under the title.
std::string bars(const std::string& title, const std::vector<std::string>& labels,
                 const std::vector<double>& values, bool signed_colours,
                 const std::vector<double>& starts = {}, const std::string& note = "") {
  auto start = [&](size_t k) { return starts.empty() ? 0.0 : starts[k]; };
  const double top = note.empty() ? kT : kT + 12;
  const double row = 18, height = top + row * static_cast<double>(labels.size()) + 30;
  double lo = 0, hi = 0;
  for (size_t k = 0; k < values.size(); ++k)
    for (double v : {start(k), start(k) + values[k]}) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (hi - lo < 1e-12) hi = lo + 1;
  const double left = 200, right = kW - 60;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * (right - left); };
  std::string out = header(title, height);
  if (!note.empty()) out += fmt::format("<text x=\"{}\" y=\"38\" fill=\"#555\">{}</text>\n", kL, xml_escape(note));
  for (size_t k = 0; k < labels.size(); ++k) {
    const double y = top + row * static_cast<double>(k);
    const double a = x(std::min(start(k), start(k) + values[k]));
    const double b = x(std::max(start(k), start(k) + values[k]));
    out += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n<rect x=\"{:.2f}\" "
        "y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.1f}\" fill=\"{}\"/>\n<text x=\"{:.2f}\" "
        "y=\"{:.1f}\">{:+.3g}</text>\n",
        left - 6, y + 12, short_label(labels[k], 30), a, y + 2, std::max(b - a, 0.5), row - 4,
        !signed_colours ? "#4393c3" : values[k] >= 0 ? "#d6604d" : "#4393c3", b + 4, y + 12,
        values[k]);
  }
  out += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2:.1f}\" stroke=\"black\"/>\n",
                     x(0), top, height - 30);
  return out + "</svg>\n";
}

}  // namespace

std::string importance_svg(const Model& m, size_t top) {
  const auto importance = term_importances(m);
  std::vector<size_t> order(importance.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return importance[a] > importance[b]; });
  const size_t all = order.size();
  if (order.size() > top) order.resize(top);
  std::vector<std::string> labels;
  std::vector<double> values;
  for (size_t t : order) {
    labels.push_back(m.terms[t].name);
    values.push_back(importance[t]);
  }
  const std::string title = "Term importance (mean |score| over training rows)";
  return bars(all > top ? fmt::format("{}: top {} of {} terms", title, top, all) : title, labels, values, false);
}

std::vector<std::string> feature_values(const Model& m, const datasets::Table& table, size_t row) {
  if (row >= table.rows()) {
    throw EbmError(fmt::format("ebm: row {} is out of range: the table has {} rows", row, table.rows()));
  }
  m.check_table(table);
  std::vector<std::string> values;
  for (const FeatureBins& f : m.features) {
    const datasets::Column& c = table.column(f.name);
    values.push_back(c.missing[row] ? "missing" : c.is_numeric() ? fmt::format("{:.6g}", c.numbers[row]) : c.values[row]);
  }
  return values;
}

std::string waterfall_svg(const Model& m, const LocalExplanation& row, size_t top,
                          const std::vector<std::string>& feature_text, const std::string& note) {
  auto term_label = [&](size_t t) {
    const Term& term = m.terms[t];
    if (feature_text.size() != m.features.size()) return term.name;
    std::string text = term.name + " = ";
    for (size_t k = 0; k < term.features.size(); ++k) text += (k ? ", " : "") + feature_text[term.features[k]];
    return text;
  };
  std::vector<size_t> order(row.contributions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::fabs(row.contributions[a]) > std::fabs(row.contributions[b]);
  });
  std::vector<std::string> labels = {"intercept"};
  std::vector<double> values = {row.intercept};
  double rest = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k < top) {
      labels.push_back(term_label(order[k]));
      values.push_back(row.contributions[order[k]]);
    } else {
      rest += row.contributions[order[k]];
    }
  }
  if (order.size() > top) {
    labels.push_back(fmt::format("{} other terms", order.size() - top));
    values.push_back(rest);
  }
  labels.push_back("= score");
  values.push_back(row.score);
  // Each bar starts where the running sum stands; the intercept and the score start at 0.
  std::vector<double> starts(values.size(), 0.0);
  double running = row.intercept;
  for (size_t k = 1; k + 1 < values.size(); ++k) {
    starts[k] = running;
    running += values[k];
  }
  std::string title = m.objective == Objective::LogLoss
                          ? fmt::format("Local explanation: logit {:.3f}, probability {:.3f}",
                                        row.score, row.probability)
                          : fmt::format("Local explanation: prediction {:.4g}", row.score);
  return bars(title, labels, values, true, starts, note);
}

}  // namespace candor::explain::ebm
