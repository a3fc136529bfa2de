#include "fairness/named_metrics.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// max / min that are NaN when either side is; the mean of the non-NaN values.
double max_or_nan(double a, double b) { return std::isnan(a) || std::isnan(b) ? kNaN : std::max(a, b); }
double min_or_nan(double a, double b) { return std::isnan(a) || std::isnan(b) ? kNaN : std::min(a, b); }
double mean_skip_nan(double a, double b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return 0.5 * (a + b);
}
}  // namespace

const char* agg_name(Agg a) { return a == Agg::WorstCase ? "worst_case" : "mean"; }

double demographic_parity_difference(const MetricFrame& frame, Method method) {
  return frame.difference(Metric::SelectionRate, method);
}
double demographic_parity_ratio(const MetricFrame& frame, Method method) {
  return frame.ratio(Metric::SelectionRate, method);
}
double equalized_odds_difference(const MetricFrame& frame, Method method, Agg agg) {
  double tpr = frame.difference(Metric::Tpr, method), fpr = frame.difference(Metric::Fpr, method);
  return agg == Agg::WorstCase ? max_or_nan(tpr, fpr) : mean_skip_nan(tpr, fpr);
}
double equalized_odds_ratio(const MetricFrame& frame, Method method, Agg agg) {
  double tpr = frame.ratio(Metric::Tpr, method), fpr = frame.ratio(Metric::Fpr, method);
  return agg == Agg::WorstCase ? min_or_nan(tpr, fpr) : mean_skip_nan(tpr, fpr);
}
double equal_opportunity_difference(const MetricFrame& frame, Method method) {
  return frame.difference(Metric::Tpr, method);
}
double equal_opportunity_ratio(const MetricFrame& frame, Method method) { return frame.ratio(Metric::Tpr, method); }

namespace aif360 {

namespace {
enum class Rate { Selection, Tpr, Fpr };

// One rate of one side, NaN with a warning when its denominator is 0.
double rate(const MetricFrame& frame, size_t privileged, bool of_privileged, Rate which, const char* metric,
            std::vector<std::string>* warnings) {
  Split s = split(frame, privileged);
  const Confusion& c = of_privileged ? s.privileged : s.unprivileged;
  double num = 0, den = 0;
  const char* what = "";
  switch (which) {
    case Rate::Selection: num = c.tp + c.fp, den = c.total(), what = "selection rate (no rows, or weights sum to 0)"; break;
    case Rate::Tpr: num = c.tp, den = c.tp + c.fn, what = "tpr (no rows with y_true = 1)"; break;
    case Rate::Fpr: num = c.fp, den = c.fp + c.tn, what = "fpr (no rows with y_true = 0)"; break;
  }
  if (den > 0) return num / den;
  if (warnings) {
    const std::string& label = frame.groups().labels[privileged];
    warnings->push_back(fmt::format("aif360 {} is NaN: the {} has an undefined {}", metric,
                                    of_privileged ? fmt::format("privileged group \"{}\"", label)
                                                  : fmt::format("unprivileged rows (all groups but \"{}\")", label),
                                    what));
  }
  return kNaN;
}
}  // namespace

Split split(const MetricFrame& frame, size_t privileged) {
  if (privileged >= frame.size()) {
    throw IndexError(fmt::format("aif360: privileged group {} is out of range for {} groups", privileged, frame.size()));
  }
  Split s;
  s.privileged = frame.confusion(privileged);
  for (size_t g = 0; g < frame.size(); ++g) {
    if (g != privileged) s.unprivileged += frame.confusion(g);
  }
  return s;
}

double statistical_parity_difference(const MetricFrame& frame, size_t p, std::vector<std::string>* warnings) {
  const char* m = "statistical_parity_difference";
  return rate(frame, p, false, Rate::Selection, m, warnings) - rate(frame, p, true, Rate::Selection, m, warnings);
}

double disparate_impact(const MetricFrame& frame, size_t p, std::vector<std::string>* warnings) {
  const char* m = "disparate_impact";
  double u = rate(frame, p, false, Rate::Selection, m, warnings), priv = rate(frame, p, true, Rate::Selection, m, warnings);
  if (priv == 0 && warnings) {
    warnings->push_back(fmt::format("aif360 disparate_impact is {}: the privileged group \"{}\" has selection rate 0",
                                    u > 0 ? "+inf" : "NaN (0/0)", frame.groups().labels[p]));
  }
  return u / priv;
}

double equal_opportunity_difference(const MetricFrame& frame, size_t p, std::vector<std::string>* warnings) {
  const char* m = "equal_opportunity_difference";
  return rate(frame, p, false, Rate::Tpr, m, warnings) - rate(frame, p, true, Rate::Tpr, m, warnings);
}

double average_odds_difference(const MetricFrame& frame, size_t p, std::vector<std::string>* warnings) {
  const char* m = "average_odds_difference";
  double fpr = rate(frame, p, false, Rate::Fpr, m, warnings) - rate(frame, p, true, Rate::Fpr, m, warnings);
  double tpr = rate(frame, p, false, Rate::Tpr, m, warnings) - rate(frame, p, true, Rate::Tpr, m, warnings);
  return 0.5 * (fpr + tpr);
}

double average_abs_odds_difference(const MetricFrame& frame, size_t p, std::vector<std::string>* warnings) {
  const char* m = "average_abs_odds_difference";
  double fpr = rate(frame, p, false, Rate::Fpr, m, warnings) - rate(frame, p, true, Rate::Fpr, m, warnings);
  double tpr = rate(frame, p, false, Rate::Tpr, m, warnings) - rate(frame, p, true, Rate::Tpr, m, warnings);
  return 0.5 * (std::abs(fpr) + std::abs(tpr));
}

double generalized_entropy_index(const std::vector<double>& y_true, const std::vector<double>& y_pred, double alpha) {
  if (y_true.size() != y_pred.size()) {
    throw ValueError(fmt::format("generalized entropy index: {} labels and {} predictions do not match", y_true.size(),
                                 y_pred.size()));
  }
  size_t n = y_true.size();
  if (n == 0) return kNaN;
  double mu = 0;
  for (size_t i = 0; i < n; ++i) mu += y_pred[i] - y_true[i] + 1;
  mu /= static_cast<double>(n);
  if (mu == 0) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double x = (y_pred[i] - y_true[i] + 1) / mu;  // b_i / μ
    if (alpha == 1) {
      sum += x > 0 ? x * std::log(x) : 0.0;
    } else if (alpha == 0) {
      sum -= std::log(x);
    } else {
      sum += std::pow(x, alpha) - 1;
    }
  }
  double mean = sum / static_cast<double>(n);
  return alpha == 0 || alpha == 1 ? mean : mean / (alpha * (alpha - 1));
}

double theil_index(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
  return generalized_entropy_index(y_true, y_pred, 1.0);
}

}  // namespace aif360
}  // namespace candor::fairness
