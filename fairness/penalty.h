// Fairness penalties built from engine ops on the model's probabilities, so their gradients
// reach the weights. This is the difference from the widely copied recipe that measures a
// fairness metric on hard predictions (p > 0.5) and wraps the number in a new tensor: that
// number has no path back to the parameters, its gradient is zero, and the "fair" training
// optimises the task loss alone (tests/fairness/test_penalty.cpp shows both).
//
// Shapes: B rows in the batch, G groups.
//   p      [B] probabilities sigma(logits)
//   y      [B] labels 0/1 (used by the odds-based gaps)
//   group  [B] int64 group ids in [0, G)
//   weight [B] sample weights, or undefined for ones
//
// For a set of rows S (all rows; or y = 1 rows for TPR; or y = 0 rows for FPR) the soft rate of
// group g is r_g = sum_{i in S, g} w_i p_i / sum_{i in S, g} w_i, and the gap across groups is
//   MaxMinusMin:        max_g r_g - min_g r_g                 (Fairlearn's "between_groups")
//   MeanAbsDeviation:   mean_g |r_g - r|, r the rate of all rows in S
// Groups with no row of S in the batch are left out of that gap (their rate is undefined); with
// fewer than two groups present the gap is 0 and contributes no gradient.
//   demographic parity: S = all rows
//   equal opportunity:  S = rows with y = 1 (true positive rates)
//   equalized odds:     the larger of the TPR gap and the FPR gap (S = rows with y = 0)
// The form turns the gap into the penalty: |gap|, gap^2, or the hinge max(0, gap - epsilon).
// The training loss is then written as a user would: loss = task_loss + lambda * penalty.
#pragma once

#include "engine/tensor.h"

namespace candor::fairness {

enum class Gap { DemographicParity, EqualOpportunity, EqualizedOdds };
enum class GroupReduction { MaxMinusMin, MeanAbsDeviation };
enum class Form { Absolute, Squared, Hinge };

struct PenaltyOptions {
  Gap gap = Gap::DemographicParity;
  GroupReduction reduction = GroupReduction::MaxMinusMin;
  Form form = Form::Absolute;
  double epsilon = 0;  // slack of the hinge form
};

// The soft gap itself (before the form), a 0-d tensor.
Tensor fairness_gap(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                    const Tensor& weight, const PenaltyOptions& options);
// The penalty: the form applied to the gap.
Tensor fairness_penalty(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                        const Tensor& weight, const PenaltyOptions& options);

// ShapeError unless p, group (and y, weight when defined) are all [B]; DTypeError unless group is
// int64; ValueError for groups < 1.
void check_penalty_inputs(const Tensor& p, const Tensor& y, const Tensor& group, int64_t groups,
                          const Tensor& weight);
// |gap|, gap^2 or max(0, gap - epsilon), as options.form says.
Tensor apply_form(const Tensor& gap, const PenaltyOptions& options);

// Parsing of the CLI's words: "dp" | "eo" | "eopp", "abs" | "squared" | "hinge",
// "max_min" | "mean_abs"; anything else is a ValueError listing the choices.
Gap parse_gap(const std::string& name);
Form parse_form(const std::string& name);
GroupReduction parse_reduction(const std::string& name);

}  // namespace candor::fairness
