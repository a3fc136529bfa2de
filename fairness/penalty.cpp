#include "fairness/penalty.h"

#include <limits>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::fairness {

namespace {

// The gap of soft rates among the rows selected by `in_set` ([B], 0/1), as documented in the
// header. Shapes in comments: B rows, G groups.
Tensor gap_over(const Tensor& p, const Tensor& members, const Tensor& w, const Tensor& in_set,
                GroupReduction reduction) {
  Tensor ws = w * in_set;                                           // [B] weight inside the set
  Tensor mass = matmul(ws, members);                                // [G] weight per group
  Tensor present = gt(mass, zeros({}, mass.dtype(), mass.device()));               // [G] 0/1
  int64_t groups_present = static_cast<int64_t>(sum(present).item());
  if (groups_present < 2) return zeros({}, p.dtype(), p.device());
  Tensor safe_mass = where(present, mass, ones({}, mass.dtype(), mass.device()));  // [G] no division by zero
  Tensor rate = matmul(ws * p, members) / safe_mass;                // [G] soft rate per group
  if (reduction == GroupReduction::MaxMinusMin) {
    const double inf = std::numeric_limits<double>::infinity();
    Tensor high = max(where(present, rate, scalar(-inf, rate.dtype(), rate.device())));
    Tensor low = min(where(present, rate, scalar(inf, rate.dtype(), rate.device())));
    return high - low;
  }
  Tensor overall = sum(ws * p) / sum(ws);                           // [] rate of the whole set
  Tensor deviation = where(present, abs(rate - overall), zeros({}, rate.dtype(), rate.device()));
  return sum(deviation) / static_cast<double>(groups_present);
}

}  // namespace

void check_penalty_inputs(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                          const Tensor& weight) {
  if (p.dim() != 1 || group.shape() != p.shape() || (y.defined() && y.shape() != p.shape()) ||
      (weight.defined() && weight.shape() != p.shape())) {
    throw ShapeError(fmt::format("fairness penalty: p {}, y {}, group {} and weight {} must all be [B]",
                                 format_shape(p.shape()), y.defined() ? format_shape(y.shape()) : "-",
                                 format_shape(group.shape()),
                                 weight.defined() ? format_shape(weight.shape()) : "-"));
  }
  if (group.dtype() != kInt64) throw DTypeError("fairness penalty: group ids must be int64");
  if (groups < 1) throw ValueError(fmt::format("fairness penalty: need at least one group, got {}", groups));
}

Tensor apply_form(const Tensor& gap, const PenaltyOptions& options) {
  switch (options.form) {
    case Form::Absolute: return abs(gap);
    case Form::Squared: return gap * gap;
    case Form::Hinge: return relu(gap - options.epsilon);
  }
  return gap;
}

Tensor fairness_gap(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                    const Tensor& weight, const PenaltyOptions& options) {
  check_penalty_inputs(p, y, group, groups, weight);
  Tensor members = cast(eq(unsqueeze(group, 1), unsqueeze(arange(groups, kInt64, p.device()), 0)), p.dtype());  // [B, G]
  Tensor w = weight.defined() ? cast(weight, p.dtype()) : ones(p.shape(), p.dtype(), p.device());      // [B]
  if (options.gap == Gap::DemographicParity) return gap_over(p, members, w, ones_like(w), options.reduction);
  if (!y.defined()) throw ValueError("fairness penalty: the odds-based gaps need labels y");
  Tensor positives = cast(y, p.dtype());
  Tensor tpr_gap = gap_over(p, members, w, positives, options.reduction);
  if (options.gap == Gap::EqualOpportunity) return tpr_gap;
  Tensor fpr_gap = gap_over(p, members, w, 1.0 - positives, options.reduction);
  return maximum(tpr_gap, fpr_gap);
}

Tensor fairness_penalty(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                        const Tensor& weight, const PenaltyOptions& options) {
  return apply_form(fairness_gap(p, y, group, groups, weight, options), options);
}

Gap parse_gap(const std::string& name) {
  if (name == "dp") return Gap::DemographicParity;
  if (name == "eopp") return Gap::EqualOpportunity;
  if (name == "eo") return Gap::EqualizedOdds;
  throw ValueError(fmt::format("unknown penalty \"{}\" (dp, eo, eopp)", name));
}

Form parse_form(const std::string& name) {
  if (name == "abs") return Form::Absolute;
  if (name == "squared") return Form::Squared;
  if (name == "hinge") return Form::Hinge;
  throw ValueError(fmt::format("unknown penalty form \"{}\" (abs, squared, hinge)", name));
}

GroupReduction parse_reduction(const std::string& name) {
  if (name == "max_min") return GroupReduction::MaxMinusMin;
  if (name == "mean_abs") return GroupReduction::MeanAbsDeviation;
  throw ValueError(fmt::format("unknown group reduction \"{}\" (max_min, mean_abs)", name));
}

}  // namespace candor::fairness
