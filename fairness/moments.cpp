#include "fairness/moments.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

namespace {

void check_labels(const std::vector<double>& y, const char* who) {
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != 0 && y[i] != 1) throw ValueError(fmt::format("{}: label {} at row {} is not 0 or 1", who, y[i], i));
  }
}

void check_predictions(const std::vector<double>& predictions, size_t rows, const char* who) {
  if (predictions.size() != rows) {
    throw ValueError(fmt::format("{}: {} predictions for {} rows", who, predictions.size(), rows));
  }
}

bool needs_labels(Parity parity) { return parity != Parity::DemographicParity; }

}  // namespace

const char* parity_name(Parity parity) {
  switch (parity) {
    case Parity::DemographicParity: return "DemographicParity";
    case Parity::EqualizedOdds: return "EqualizedOdds";
    case Parity::TruePositiveRateParity: return "TruePositiveRateParity";
    case Parity::FalsePositiveRateParity: return "FalsePositiveRateParity";
  }
  return "?";
}

Parity parse_parity(const std::string& text) {
  for (Parity p : {Parity::DemographicParity, Parity::EqualizedOdds, Parity::TruePositiveRateParity,
                   Parity::FalsePositiveRateParity}) {
    if (text == parity_name(p)) return p;
  }
  if (text == "dp") return Parity::DemographicParity;
  if (text == "eo") return Parity::EqualizedOdds;
  if (text == "tpr") return Parity::TruePositiveRateParity;
  if (text == "fpr") return Parity::FalsePositiveRateParity;
  throw ValueError(fmt::format("unknown parity constraint {} (expected DemographicParity, EqualizedOdds, "
                               "TruePositiveRateParity, FalsePositiveRateParity, or dp, eo, tpr, fpr)",
                               quote_value(text)));
}

void ParityConstraint::validate() const {
  if (!(difference_bound >= 0) || !std::isfinite(difference_bound)) {
    throw ValueError(fmt::format("{}: difference_bound must be finite and >= 0, got {}", parity_name(parity), difference_bound));
  }
}

std::string ConstraintId::label() const { return fmt::format("{},{},{}", sign, event, group_name); }

// ---- ErrorRate ----

ErrorRate::ErrorRate(std::vector<double> y) : y_(std::move(y)) { check_labels(y_, "ErrorRate"); }

double ErrorRate::gamma(const std::vector<double>& predictions) const {
  check_predictions(predictions, y_.size(), "ErrorRate");
  double total = 0;
  for (size_t i = 0; i < y_.size(); ++i) total += std::abs(y_[i] - predictions[i]);
  return total / static_cast<double>(y_.size());
}

std::vector<double> ErrorRate::signed_weights() const {
  std::vector<double> out(y_.size());
  for (size_t i = 0; i < y_.size(); ++i) out[i] = 2 * y_[i] - 1;
  return out;
}

// ---- UtilityParity ----

UtilityParity::UtilityParity(const ParityConstraint& constraint, const std::vector<double>& y,
                             const datasets::SensitiveFeature& group)
    : constraint_(constraint) {
  constraint.validate();
  const char* name = parity_name(constraint.parity);
  if (!group.ids.defined() || group.ids.dim() != 1) {
    throw ValueError(fmt::format("{}: the sensitive feature {} has no group ids", name, quote_value(group.name)));
  }
  group_ = group.ids.to_vector<int64_t>();
  const size_t n = group_.size();
  if (needs_labels(constraint.parity) && y.empty()) {
    throw ValueError(fmt::format("{} conditions on the labels y, but none were given", name));
  }
  if (!y.empty() && y.size() != n) {
    throw ValueError(fmt::format("{}: {} labels for {} rows of the sensitive feature {}", name, y.size(), n, quote_value(group.name)));
  }
  check_labels(y, name);
  const int64_t groups = static_cast<int64_t>(group.groups.size());
  for (size_t i = 0; i < n; ++i) {
    if (group_[i] < 0 || group_[i] >= groups) {
      throw ValueError(fmt::format("{}: group id {} at row {} is outside [0, {})", name, group_[i], i, groups));
    }
  }

  // Events, sorted by name, and each row's event (-1: none).
  std::vector<int64_t> event_of_row(n, 0);
  switch (constraint.parity) {
    case Parity::DemographicParity: events_ = {"all"}; break;
    case Parity::TruePositiveRateParity:
      events_ = {"label=1"};
      for (size_t i = 0; i < n; ++i) event_of_row[i] = y[i] == 1 ? 0 : -1;
      break;
    case Parity::FalsePositiveRateParity:
      events_ = {"label=0"};
      for (size_t i = 0; i < n; ++i) event_of_row[i] = y[i] == 0 ? 0 : -1;
      break;
    case Parity::EqualizedOdds:
      events_ = {"label=0", "label=1"};
      for (size_t i = 0; i < n; ++i) event_of_row[i] = y[i] == 1 ? 1 : 0;
      break;
  }
  const size_t n_events = events_.size();

  // Rows per event and per (event, group).
  std::vector<double> in_event(n_events, 0.0), in_group(static_cast<size_t>(groups), 0.0);
  std::vector<std::vector<double>> in_pair(n_events, std::vector<double>(static_cast<size_t>(groups), 0.0));
  for (size_t i = 0; i < n; ++i) {
    in_group[static_cast<size_t>(group_[i])] += 1;
    if (event_of_row[i] < 0) continue;
    in_event[static_cast<size_t>(event_of_row[i])] += 1;
    in_pair[static_cast<size_t>(event_of_row[i])][static_cast<size_t>(group_[i])] += 1;
  }
  std::vector<std::string> present;
  for (int64_t g = 0; g < groups; ++g) {
    if (in_group[static_cast<size_t>(g)] > 0) present.push_back(group.groups[static_cast<size_t>(g)]);
  }
  if (present.size() < 2) {
    throw ValueError(fmt::format("{}: the sensitive feature {} has {} group with rows{}; the constraints compare at least two",
                                 name, quote_value(group.name), present.size(),
                                 present.empty() ? "" : fmt::format(" ({})", quote_value(present[0]))));
  }
  for (size_t e = 0; e < n_events; ++e) {
    if (in_event[e] == 0) {
      throw ValueError(fmt::format("{}: no row has {}, so the rates it compares are undefined", name, events_[e]));
    }
  }

  // The pairs (event, group) with rows, event-major: index_ holds [+, pair] for every pair, then
  // [−, pair] in the same order.
  const double total = static_cast<double>(n);
  std::vector<std::vector<int64_t>> pair_id(n_events, std::vector<int64_t>(static_cast<size_t>(groups), -1));
  for (size_t e = 0; e < n_events; ++e) {
    p_event_.push_back(in_event[e] / total);
    rows_in_event_.push_back(in_event[e]);
    for (int64_t g = 0; g < groups; ++g) {
      const double count = in_pair[e][static_cast<size_t>(g)];
      if (count == 0) continue;
      pair_id[e][static_cast<size_t>(g)] = static_cast<int64_t>(pair_event_.size());
      pair_event_.push_back(e);
      p_pair_.push_back(count / total);
      rows_in_pair_.push_back(count);
      index_.push_back(ConstraintId{'+', events_[e], g, group.groups[static_cast<size_t>(g)]});
    }
  }
  const size_t n_pairs = index_.size();
  for (size_t p = 0; p < n_pairs; ++p) {
    ConstraintId negative = index_[p];
    negative.sign = '-';
    index_.push_back(negative);
  }
  pair_of_row_.assign(n, -1);
  for (size_t i = 0; i < n; ++i) {
    if (event_of_row[i] >= 0) pair_of_row_[i] = pair_id[static_cast<size_t>(event_of_row[i])][static_cast<size_t>(group_[i])];
  }

  // Fairlearn's basis: events and groups in order of first appearance, the last group left out.
  std::vector<int64_t> event_order, group_order;
  for (size_t i = 0; i < n; ++i) {
    if (event_of_row[i] >= 0 && std::find(event_order.begin(), event_order.end(), event_of_row[i]) == event_order.end()) {
      event_order.push_back(event_of_row[i]);
    }
    if (std::find(group_order.begin(), group_order.end(), group_[i]) == group_order.end()) group_order.push_back(group_[i]);
  }
  for (int64_t e : event_order) {
    for (size_t k = 0; k + 1 < group_order.size(); ++k) {
      const int64_t p = pair_id[static_cast<size_t>(e)][static_cast<size_t>(group_order[k])];
      if (p >= 0) basis_.push_back(static_cast<size_t>(p));
    }
  }
}

std::vector<double> UtilityParity::gamma(const std::vector<double>& predictions) const {
  check_predictions(predictions, rows(), parity_name(parity()));
  // Sums of h over each event and each (event, group), in row order.
  std::vector<double> event_sum(events_.size(), 0.0), pair_sum(pairs(), 0.0);
  for (size_t i = 0; i < rows(); ++i) {
    const int64_t p = pair_of_row_[i];
    if (p < 0) continue;
    pair_sum[static_cast<size_t>(p)] += predictions[i];
    event_sum[pair_event_[static_cast<size_t>(p)]] += predictions[i];
  }
  std::vector<double> out(size());
  for (size_t p = 0; p < pairs(); ++p) {
    const size_t e = pair_event_[p];
    const double diff = pair_sum[p] / rows_in_pair_[p] - event_sum[e] / rows_in_event_[e];  // E[h|e,a] − E[h|e]
    out[p] = diff;
    out[p + pairs()] = -diff;
  }
  return out;
}

std::vector<double> UtilityParity::bound() const { return std::vector<double>(size(), constraint_.difference_bound); }

std::vector<double> UtilityParity::project_lambda(const std::vector<double>& lambda) const {
  check_predictions(lambda, size(), "project_lambda: multipliers");
  std::vector<double> out(size());
  for (size_t p = 0; p < pairs(); ++p) {
    const double d = lambda[p] - lambda[p + pairs()];
    out[p] = std::max(0.0, d);
    out[p + pairs()] = std::max(0.0, -d);
  }
  return out;
}

std::vector<double> UtilityParity::signed_weights(const std::vector<double>& lambda) const {
  check_predictions(lambda, size(), "signed_weights: multipliers");
  // Per event: Σ_a (λ[+,e,a] − λ[−,e,a]) / P(e); per pair: that minus (λ[+,e,a] − λ[−,e,a]) / P(e,a).
  std::vector<double> per_event(events_.size(), 0.0), per_pair(pairs());
  for (size_t p = 0; p < pairs(); ++p) per_event[pair_event_[p]] += lambda[p] - lambda[p + pairs()];
  for (size_t e = 0; e < events_.size(); ++e) per_event[e] /= p_event_[e];
  for (size_t p = 0; p < pairs(); ++p) per_pair[p] = per_event[pair_event_[p]] - (lambda[p] - lambda[p + pairs()]) / p_pair_[p];
  std::vector<double> out(rows(), 0.0);
  for (size_t i = 0; i < rows(); ++i) {
    if (pair_of_row_[i] >= 0) out[i] = per_pair[static_cast<size_t>(pair_of_row_[i])];
  }
  return out;
}

}  // namespace candor::fairness
