#include "fairness/compare.h"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

namespace {

// Expected confusion counts per group: each row adds p to "predicted 1" and 1 − p to "predicted 0".
struct Counts {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  double rows() const { return tp + fp + tn + fn; }
};

// accuracy, balanced accuracy, dpd, eod of the rows `rows` (repeats allowed).
std::array<double, 4> figures(const MethodOutcome& o, const std::vector<size_t>& rows) {
  std::vector<Counts> by_group(o.groups.size());
  Counts all;
  for (size_t r : rows) {
    Counts& g = by_group[o.groups.ids[r]];
    const double p = o.p_one[r];
    if (o.y_true[r] == 1) {
      g.tp += p, g.fn += 1 - p, all.tp += p, all.fn += 1 - p;
    } else {
      g.fp += p, g.tn += 1 - p, all.fp += p, all.tn += 1 - p;
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto ratio = [nan](double a, double b) { return b > 0 ? a / b : nan; };
  // max − min over the groups where the rate is defined; NaN when it is defined for none (as
  // MetricFrame's difference, fairness/metric_frame.h).
  auto range = [&](auto rate) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const Counts& g : by_group) {
      const double v = rate(g);
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    return lo <= hi ? hi - lo : nan;
  };
  const double tpr = ratio(all.tp, all.tp + all.fn), tnr = ratio(all.tn, all.tn + all.fp);
  const double dpd = range([&](const Counts& g) { return ratio(g.tp + g.fp, g.rows()); });
  const double tpr_range = range([&](const Counts& g) { return ratio(g.tp, g.tp + g.fn); });
  const double fpr_range = range([&](const Counts& g) { return ratio(g.fp, g.fp + g.tn); });
  return {ratio(all.tp + all.tn, all.rows()), (tpr + tnr) / 2, dpd, std::max(tpr_range, fpr_range)};
}

void check(const MethodOutcome& o) {
  const size_t n = o.y_true.size();
  if (o.p_one.size() != n || o.groups.rows() != n) {
    throw ValueError(fmt::format("compare: \"{}\" has {} labels, {} probabilities and {} group ids", o.name, n,
                                 o.p_one.size(), o.groups.rows()));
  }
  for (size_t i = 0; i < n; ++i) {
    if (o.y_true[i] != 0 && o.y_true[i] != 1) {
      throw ValueError(fmt::format("compare: \"{}\": label {} at row {} is not 0 or 1", o.name, o.y_true[i], i));
    }
    if (!(o.p_one[i] >= 0 && o.p_one[i] <= 1)) {
      throw ValueError(fmt::format("compare: \"{}\": probability {} at row {} is outside [0, 1]", o.name, o.p_one[i], i));
    }
  }
  if (o.groups.observed() < 2) {
    throw ValueError(fmt::format("compare: \"{}\": the rows hold {} group of \"{}\"; a gap needs two", o.name,
                                 o.groups.observed(), o.groups.name()));
  }
}

nlohmann::json to_json(const Estimate& e) {
  auto number = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"value", number(e.value)}, {"ci_low", number(e.interval.low)}, {"ci_high", number(e.interval.high)}};
}

}  // namespace

std::vector<ComparisonRow> compare_methods(const std::vector<MethodOutcome>& outcomes, const BootstrapOptions& bootstrap) {
  bootstrap.validate();
  std::vector<ComparisonRow> table;
  for (const MethodOutcome& o : outcomes) {
    check(o);
    std::vector<size_t> all(o.y_true.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    const std::array<double, 4> value = figures(o, all);
    const std::vector<Interval> intervals = bootstrap_intervals(
        o.groups.members(),
        [&](const std::vector<size_t>& rows) {
          const std::array<double, 4> f = figures(o, rows);
          return std::vector<double>(f.begin(), f.end());
        },
        bootstrap);
    ComparisonRow row{o.name, o.method, static_cast<int64_t>(all.size()), {}, {}, {}, {}, o.fit_seconds};
    Estimate* slots[] = {&row.accuracy, &row.balanced_accuracy, &row.dpd, &row.eod};
    for (size_t k = 0; k < 4; ++k) {
      slots[k]->value = value[k];
      if (!intervals.empty()) slots[k]->interval = intervals[k];
    }
    table.push_back(row);
  }
  return table;
}

nlohmann::json to_json(const std::vector<ComparisonRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const ComparisonRow& r : rows) {
    out.push_back({{"name", r.name},
                   {"method", r.method},
                   {"rows", r.rows},
                   {"accuracy", to_json(r.accuracy)},
                   {"balanced_accuracy", to_json(r.balanced_accuracy)},
                   {"demographic_parity_difference", to_json(r.dpd)},
                   {"equalized_odds_difference", to_json(r.eod)},
                   {"fit_seconds", std::isnan(r.fit_seconds) ? nlohmann::json(nullptr) : nlohmann::json(r.fit_seconds)}});
  }
  return out;
}

std::string format_table(const std::vector<ComparisonRow>& rows) {
  size_t name_width = 3, method_width = 6;
  for (const ComparisonRow& r : rows) {
    name_width = std::max(name_width, r.name.size());
    method_width = std::max(method_width, r.method.size());
  }
  // "0.8479 [0.8430, 0.8533]": the value and its interval, or the value alone.
  auto cell = [](const Estimate& e) {
    if (std::isnan(e.interval.low)) return fmt::format("{:.4f}", e.value);
    return fmt::format("{:.4f} [{:.4f}, {:.4f}]", e.value, e.interval.low, e.interval.high);
  };
  auto line = [&](const std::string& name, const std::string& method, const std::array<std::string, 4>& cells,
                  const std::string& seconds) {
    return fmt::format("{:<{}}  {:<{}}  {:<23}  {:<23}  {:<23}  {:<23}  {:>7}\n", name, name_width, method, method_width,
                       cells[0], cells[1], cells[2], cells[3], seconds);
  };
  std::string out = line("run", "method", {"accuracy", "balanced accuracy", "DPD", "EOD"}, "fit (s)");
  for (const ComparisonRow& r : rows) {
    out += line(r.name, r.method, {cell(r.accuracy), cell(r.balanced_accuracy), cell(r.dpd), cell(r.eod)},
                std::isnan(r.fit_seconds) ? std::string("-") : fmt::format("{:.2f}", r.fit_seconds));
  }
  return out;
}

}  // namespace candor::fairness
