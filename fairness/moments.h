// The moments of the reductions approach (Agarwal, Beygelzimer, Dudík, Langford & Wallach, "A
// Reductions Approach to Fair Classification", ICML 2018), computed as Fairlearn's
// fairlearn.reductions computes them: the objective ErrorRate and the parity constraints
// DemographicParity, EqualizedOdds, TruePositiveRateParity and FalsePositiveRateParity (Fairlearn's
// UtilityParity with difference_bound, ratio 1).
//
// Each row i has a group a_i and, depending on the constraint, an event e_i:
//   DemographicParity        one event "all" for every row
//   TruePositiveRateParity   "label=1" for rows with y = 1; rows with y = 0 have none
//   FalsePositiveRateParity  "label=0" for rows with y = 0; rows with y = 1 have none
//   EqualizedOdds            "label=0" and "label=1"
// With n rows, P(e) = #{i: e_i = e}/n and P(e, a) = #{i: e_i = e, a_i = a}/n, and a predictor h
// (h(x) in [0, 1], or a mixture Q of predictors: every quantity here is linear in h), the
// constraints come in signed pairs, one pair per (event, group) present in the data (§2 of the
// paper):
//   γ(h)[+, e, a] =  E[h(X) | E = e, A = a] − E[h(X) | E = e]
//   γ(h)[−, e, a] = −E[h(X) | E = e, A = a] + E[h(X) | E = e]
// each bounded by γ <= difference_bound (the vector ĉ). Index order: sign (+ then −), then event
// (sorted by name), then group (by id): K = 2 · #(event, group) constraints.
//
// The best response of the Q-player (§3.2) to multipliers λ >= 0 (one per constraint) minimises
// err(h) + λ·γ(h), which is a weighted classification (the costs of the paper's Examples 3 and 4
// for demographic parity and equalized odds) with the signed weight per row
//   s_i = (2y_i − 1)                                   (ErrorRate's, the cost of predicting 0)
//       + Σ_a (λ[+,e_i,a] − λ[−,e_i,a]) / P(e_i)
//       −     (λ[+,e_i,a_i] − λ[−,e_i,a_i]) / P(e_i, a_i)     (0 for a row with no event)
// (the row U_i·λ of Fairlearn's matrix U, the expression above Theorem 1 of the paper): the
// learner fits the labels [s_i > 0] with weights |s_i|.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/sensitive.h"

namespace candor::fairness {

enum class Parity { DemographicParity, EqualizedOdds, TruePositiveRateParity, FalsePositiveRateParity };

// Fairlearn's class names: "DemographicParity", "EqualizedOdds", "TruePositiveRateParity",
// "FalsePositiveRateParity".
const char* parity_name(Parity parity);
// Those names, or the short "dp", "eo", "tpr", "fpr"; ValueError listing them otherwise.
Parity parse_parity(const std::string& text);

// A constraint as a user states it: which parity, and the bound on each signed difference
// (Fairlearn's difference_bound, default 0.01).
struct ParityConstraint {
  Parity parity = Parity::DemographicParity;
  double difference_bound = 0.01;
  void validate() const;  // ValueError unless difference_bound is finite and >= 0
};

// One constraint of the vector γ: its sign, event and group.
struct ConstraintId {
  char sign = '+';         // '+' or '-'
  std::string event;       // "all", "label=0" or "label=1"
  int64_t group = 0;       // the group id
  std::string group_name;  // the group's name
  std::string label() const;  // "+,all,Female"
};

// The objective: the error rate err(h) = (1/n) Σ |y_i − h(x_i)|.
class ErrorRate {
 public:
  // ValueError for a label that is not 0 or 1.
  explicit ErrorRate(std::vector<double> y);
  size_t rows() const { return y_.size(); }
  double gamma(const std::vector<double>& predictions) const;
  // 2y_i − 1 per row: the cost of predicting 0 minus that of predicting 1.
  std::vector<double> signed_weights() const;

 private:
  std::vector<double> y_;
};

// A parity constraint loaded with its data (Fairlearn's UtilityParity after load_data).
class UtilityParity {
 public:
  // y: 0/1 labels (may be empty for DemographicParity, which does not read them). ValueError for a
  // constraint that needs labels without them, an event with no rows (TruePositiveRateParity with
  // no label 1, say), fewer than two groups with rows, mismatched sizes or a bad bound.
  UtilityParity(const ParityConstraint& constraint, const std::vector<double>& y, const datasets::SensitiveFeature& group);

  Parity parity() const { return constraint_.parity; }
  double difference_bound() const { return constraint_.difference_bound; }
  size_t rows() const { return group_.size(); }
  size_t size() const { return index_.size(); }  // K
  const std::vector<ConstraintId>& index() const { return index_; }
  const std::vector<std::string>& events() const { return events_; }

  // γ(h) [K] from the predictions h(x_i) in [0, 1] on the loaded rows.
  std::vector<double> gamma(const std::vector<double>& predictions) const;
  // ĉ [K]: difference_bound for every constraint.
  std::vector<double> bound() const;
  // λ' with λ'[+, p] = max(0, λ[+, p] − λ[−, p]) and λ'[−, p] = max(0, λ[−, p] − λ[+, p]): the
  // pair's multipliers with their common part removed, which never lowers the Lagrangian.
  std::vector<double> project_lambda(const std::vector<double>& lambda) const;
  // The constraints' part of s_i (see the top of the file) [N] for λ [K].
  std::vector<double> signed_weights(const std::vector<double>& lambda) const;

  // The basis GridSearch spans its grid with (Fairlearn's pos_basis / neg_basis): for each event in
  // the order it first appears in the rows, each group in the order it first appears, except the
  // last such group (its constraints are redundant), the position in index() of [+, e, a]; the
  // matching [−, e, a] sits at that position + size()/2.
  const std::vector<size_t>& basis() const { return basis_; }

 private:
  size_t pairs() const { return index_.size() / 2; }

  ParityConstraint constraint_;
  std::vector<int64_t> group_;          // [N] group id per row
  std::vector<int64_t> pair_of_row_;    // [N] index of (e_i, a_i) among the pairs, -1: no event
  std::vector<std::string> events_;     // sorted
  std::vector<ConstraintId> index_;     // [K]
  std::vector<size_t> pair_event_;      // [K/2] the event of each pair
  std::vector<double> p_event_;         // [#events] P(e)
  std::vector<double> p_pair_;          // [K/2] P(e, a)
  std::vector<double> rows_in_event_;   // [#events]
  std::vector<double> rows_in_pair_;    // [K/2]
  std::vector<size_t> basis_;
};

}  // namespace candor::fairness
