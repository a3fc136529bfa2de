// The report's small helpers: escaping, numbers with intervals, inlining a run's SVG files, where a
// run keeps its test metrics, and the audit's group bars.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "cli/report_parts.h"
#include "engine/error.h"
#include "explain/svg.h"

namespace candor::cli::report {

namespace {
const nlohmann::json kNull = nullptr;
}

const nlohmann::json& lookup(const nlohmann::json& j, std::initializer_list<std::string> keys) {
  const nlohmann::json* at = &j;
  for (const std::string& key : keys) {
    if (!at->is_object() || !at->contains(key)) return kNull;
    at = &(*at)[key];
  }
  return *at;
}

std::string esc(const std::string& text) { return explain::xml_escape(text); }

std::string num(const nlohmann::json& value) {
  if (!value.is_number()) return "-";
  return fmt::format("{:.3f}", value.get<double>());
}

std::string with_interval(const nlohmann::json& metric) {
  if (!metric.is_object()) return num(metric);
  std::string text = num(metric.value("value", nlohmann::json()));
  if (metric.contains("ci_low") && metric["ci_low"].is_number()) {
    text += fmt::format(" [{}, {}]", num(metric["ci_low"]), num(lookup(metric, {"ci_high"})));
  }
  return text;
}

std::string inline_svg(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("report: cannot read {}", file.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t start = text.find("<svg");
  if (start == std::string::npos) throw Error(fmt::format("report: {} is not an SVG file", file.string()));
  return text.substr(start);
}

const nlohmann::json& test_metrics(const Run& run) {
  const bool finetune = run.kind == RunKind::Finetune && run.metrics.contains("after");
  const nlohmann::json& m = finetune ? run.metrics["after"] : run.metrics;
  if (m.is_object() && m.contains("test") && m["test"].is_object()) return m["test"];
  return kNull;
}

const nlohmann::json& test_fairness(const Run& run) {
  const nlohmann::json& test = test_metrics(run);
  if (test.is_object() && test.contains("fairness")) return test["fairness"];
  return kNull;
}

std::string group_bars_svg(const std::string& title, const std::string& subtitle, const std::vector<std::string>& groups,
                           const std::vector<double>& values, const std::vector<double>& lows,
                           const std::vector<double>& highs) {
  const double label_w = 105, bar_w = 120, row_h = 20, top = 48;  // four side by side at 1280 px
  const double width = label_w + bar_w + 50, height = top + row_h * static_cast<double>(groups.size()) + 10;
  std::string svg = explain::svg_open(width, height, title);
  svg += fmt::format("<text x=\"12\" y=\"38\" fill=\"#555\">{}</text>\n", esc(subtitle));
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#888\"/>\n", label_w, top - 4,
                     height - 6);
  for (size_t g = 0; g < groups.size(); ++g) {
    const double y = top + row_h * static_cast<double>(g);
    const std::string& name = groups[g];
    size_t cut = std::min<size_t>(name.size(), 17);
    while (cut > 0 && cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    const std::string shown = name.size() > 18 ? name.substr(0, cut) + "..." : name;
    const double v = std::isfinite(values[g]) ? std::clamp(values[g], 0.0, 1.0) : 0.0;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>\n"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#4c78a8\"/>\n",
        label_w - 6, y + 13, esc(name), esc(shown), label_w, y + 3, v * bar_w, row_h - 6);
    double end = v;  // the value's text goes right of the bar and of its whisker
    if (g < lows.size() && g < highs.size() && std::isfinite(lows[g]) && std::isfinite(highs[g])) {
      const double lo = label_w + std::clamp(lows[g], 0.0, 1.0) * bar_w, hi = label_w + std::clamp(highs[g], 0.0, 1.0) * bar_w;
      const double mid = y + 3 + (row_h - 6) / 2;
      svg += fmt::format(
          "<path class=\"whisker\" d=\"M{0:.1f} {1:.1f}V{2:.1f}M{0:.1f} {3:.1f}H{4:.1f}M{4:.1f} {1:.1f}V{2:.1f}\" "
          "stroke=\"#222\" fill=\"none\"><title>interval [{5:.3f}, {6:.3f}]</title></path>\n",
          lo, mid - 4, mid + 4, mid, hi, lows[g], highs[g]);
      end = std::max(end, std::clamp(highs[g], 0.0, 1.0));
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", label_w + end * bar_w + 4, y + 13,
                       std::isfinite(values[g]) ? fmt::format("{:.3f}", values[g]) : "n/a");
  }
  return svg + "</svg>\n";
}

}  // namespace candor::cli::report
