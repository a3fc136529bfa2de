// A small dense linear-program solver for the reductions: the saddle point of the Lagrangian over
// the predictors ExponentiatedGradient has found is a linear program of a few dozen variables
// (Fairlearn hands it to scipy.optimize.linprog). The problem, as linprog states it:
//   minimise c·x   subject to   A_ub x <= b_ub,   A_eq x = b_eq,   x_j >= 0 (or x_j free)
// solved by the two-phase simplex method on a dense tableau (Dantzig, "Linear Programming and
// Extensions", 1963) with Bland's rule for the pivots (Bland, "New finite pivoting rules
// for the simplex method", Math. Oper. Res. 2(2), 1977): the entering column is the lowest-indexed
// one with a negative reduced cost and ties in the ratio test go to the lowest-indexed basic
// variable, so the method cannot cycle and the vertex it returns depends on nothing but the input.
// Bland's rule takes more pivots than Dantzig's on large problems; these are tiny.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace candor::fairness {

struct LinearProgram {
  std::vector<double> c;                  // [n] the objective
  std::vector<std::vector<double>> a_ub;  // rows of n coefficients: a_ub[i]·x <= b_ub[i]
  std::vector<double> b_ub;
  std::vector<std::vector<double>> a_eq;  // rows of n coefficients: a_eq[i]·x == b_eq[i]
  std::vector<double> b_eq;
  std::vector<bool> free;  // [n] true: x_j may take any sign; empty: every x_j >= 0
};

enum class LpStatus { Optimal, Infeasible, Unbounded, IterationLimit };
const char* lp_status_name(LpStatus status);  // "optimal", "infeasible", ...

struct LpSolution {
  LpStatus status = LpStatus::Optimal;
  std::vector<double> x;  // [n] (meaningful when optimal)
  double objective = 0;   // c·x
  int64_t pivots = 0;     // simplex pivots over both phases
};

// ValueError for sizes that do not match or a coefficient that is not finite.
LpSolution solve_linear_program(const LinearProgram& lp);

}  // namespace candor::fairness
