// A fairness constraint "gap <= bound" and the Lagrange multiplier that enforces it in training.
//
// Constrained fine-tuning solves  min_theta L(theta)  subject to  g(theta) <= bound,  with L the
// task loss and g the measured gap (on predictions at the 0.5 threshold). g has no useful
// gradient, so the weights descend on the Lagrangian with the soft, differentiable gap in its
// place, L + lambda * soft_gap, while the multiplier ascends on the real constraint:
//   lambda <- max(0, lambda + step * (g(theta) - bound))          (projected dual ascent)
// This is the proxy-Lagrangian of Cotter, Jiang and Sridharan, "Two-Player Games for Efficient
// Non-Convex Constrained Optimization" (ALT 2019): the two players use different functions for the
// constraint, and the multiplier's player sees the one that matters.
#pragma once

#include <string>

#include "fairness/penalty.h"

namespace candor::fairness {

struct Constraint {
  Gap gap = Gap::DemographicParity;
  double bound = 0;  // the gap must be <= bound
};

// "dp<=0.02", "eo<=0.05" or "eopp<=0.1" (spaces allowed around the parts); ValueError naming the
// text and the expected form otherwise, a bound that is negative or not finite included.
Constraint parse_constraint(const std::string& text);
// "dp", "eo" or "eopp".
const char* gap_name(Gap gap);
// "dp<=0.02".
std::string to_string(const Constraint& constraint);

class DualAscent {
 public:
  // ValueError unless step > 0 and initial >= 0, both finite.
  DualAscent(const Constraint& constraint, double step, double initial_lambda);
  // One ascent step on the measured gap; a NaN gap (undefined on these rows) leaves lambda as is.
  double update(double measured_gap);
  double lambda() const { return lambda_; }

 private:
  Constraint constraint_;
  double step_, lambda_;
};

}  // namespace candor::fairness
