// Fairness penalties whose zero is the measured metric's zero, taken from the model's logits.
//
// The measured rates (Fairlearn's selection rate, TPR, FPR) count predictions with p >= 0.5, i.e.
// logit >= 0: a step function whose gradient is zero almost everywhere. fairness/penalty.h
// penalises the gap between the groups' mean probabilities instead; that gap can be 0 while the
// rates differ (two groups can share a mean score with different shares above 0.5), so it does
// not always move the metric users measure. Two surrogates do:
//
//   SmoothedRate  the indicator [logit >= 0] smoothed at temperature tau: d_i = sigma(logit_i / tau),
//                 and the soft rate of group g over a set S is r_g = sum w_i d_i / sum w_i (S and
//                 the reductions as in fairness/penalty.h). tau = 1 gives back the mean-score gap;
//                 as tau -> 0 the soft rates become the measured ones. (A sigmoid relaxation of the
//                 indicator, in the family of the ramp and hinge surrogates that Cotter et al.,
//                 "Optimization with Non-Differentiable Constraints", JMLR 2019, use for rate
//                 constraints.)
//   Wasserstein   the 1-Wasserstein distance between the groups' distributions of p = sigma(logit)
//                 over S, W1(P, Q) = integral over u in (0, 1) of |F_P^-1(u) - F_Q^-1(u)| (Jiang et
//                 al., "Wasserstein Fair Classification", UAI 2019), taken at K levels
//                 u_k = (k + 1/2) / K of the weighted empirical quantile functions. Equal
//                 distributions give equal rates at every threshold, so its zero is DP's zero
//                 whatever the threshold. MaxMinusMin reduces over groups by the largest W1 between
//                 two present groups, MeanAbsDeviation by the mean W1 of each group to the pooled
//                 distribution of S.
//
// Equalized odds takes the larger of its TPR and FPR parts, as in fairness/penalty.h.
#pragma once

#include <string>

#include "engine/tensor.h"
#include "fairness/penalty.h"

namespace candor::fairness {

enum class Surrogate { MeanScore, SmoothedRate, Wasserstein };
// "mean" | "rate" | "wasserstein"; ValueError listing them otherwise.
Surrogate parse_surrogate(const std::string& name);
const char* surrogate_name(Surrogate s);

struct SurrogateOptions {
  Surrogate kind = Surrogate::MeanScore;
  double temperature = 0.25;  // SmoothedRate: tau, in logit units (> 0)
  int64_t quantiles = 32;     // Wasserstein: K quantile levels (>= 1)
};

// The soft gap (before the form), a 0-d tensor, from logits [B]; y, group, groups and weight as in
// fairness/penalty.h. ValueError for a temperature or K out of range.
Tensor surrogate_gap(const Tensor& logits, const Tensor& y, const Tensor& group, int64_t groups,
                     const Tensor& weight, const PenaltyOptions& penalty, const SurrogateOptions& surrogate);
// The penalty: penalty.form applied to surrogate_gap.
Tensor surrogate_penalty(const Tensor& logits, const Tensor& y, const Tensor& group, int64_t groups,
                         const Tensor& weight, const PenaltyOptions& penalty, const SurrogateOptions& surrogate);

}  // namespace candor::fairness
