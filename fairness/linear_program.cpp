#include "fairness/linear_program.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::fairness {

namespace {

constexpr double kTolerance = 1e-9;        // a reduced cost or pivot entry this small counts as 0
constexpr int64_t kPivotLimit = 100000;    // far beyond what a problem of this size needs

// The tableau in canonical form: for each row i, column basis[i] is the i-th unit vector. The
// last column holds the right-hand side, the values of the basic variables (all >= 0).
struct Tableau {
  std::vector<std::vector<double>> rows;  // [m][columns + 1]
  std::vector<size_t> basis;              // [m]
  size_t columns = 0;
  int64_t pivots = 0;

  double rhs(size_t i) const { return rows[i][columns]; }

  void pivot(size_t r, size_t j) {
    std::vector<double>& p = rows[r];
    const double scale = p[j];
    for (double& v : p) v /= scale;
    p[j] = 1.0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i == r || rows[i][j] == 0.0) continue;
      const double f = rows[i][j];
      for (size_t k = 0; k <= columns; ++k) rows[i][k] -= f * p[k];
      rows[i][j] = 0.0;
    }
    basis[r] = j;
    ++pivots;
  }
};

enum class Outcome { Optimal, Unbounded, IterationLimit };

// Minimises cost·z over the columns `allowed` may bring into the basis, from the tableau's current
// basic feasible solution, with Bland's rule (see the header).
Outcome simplex(Tableau& t, const std::vector<double>& cost, const std::vector<bool>& allowed) {
  const size_t m = t.rows.size();
  std::vector<bool> basic(t.columns, false);
  while (true) {
    if (t.pivots >= kPivotLimit) return Outcome::IterationLimit;
    std::fill(basic.begin(), basic.end(), false);
    for (size_t b : t.basis) basic[b] = true;
    // Entering column: the first with reduced cost c_j − Σ_i c_{basis[i]} T[i][j] < 0.
    size_t entering = t.columns;
    for (size_t j = 0; j < t.columns && entering == t.columns; ++j) {
      if (basic[j] || !allowed[j]) continue;
      double reduced = cost[j];
      for (size_t i = 0; i < m; ++i) reduced -= cost[t.basis[i]] * t.rows[i][j];
      if (reduced < -kTolerance) entering = j;
    }
    if (entering == t.columns) return Outcome::Optimal;
    // Leaving row: the smallest ratio rhs / T[i][entering] over positive entries; ties go to the
    // row whose basic variable has the lowest index.
    size_t leaving = m;
    double best = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < m; ++i) {
      const double a = t.rows[i][entering];
      if (a <= kTolerance) continue;
      const double ratio = t.rhs(i) / a;
      if (leaving == m || ratio < best - 1e-12) {
        best = ratio;
        leaving = i;
      } else if (ratio <= best + 1e-12 && t.basis[i] < t.basis[leaving]) {
        leaving = i;
      }
    }
    if (leaving == m) return Outcome::Unbounded;
    t.pivot(leaving, entering);
  }
}

void check_row(const std::vector<double>& row, size_t n, const char* what, size_t i) {
  if (row.size() != n) {
    throw ValueError(fmt::format("linear program: {} row {} has {} coefficients for {} variables", what, i, row.size(), n));
  }
  for (size_t j = 0; j < n; ++j) {
    if (!std::isfinite(row[j])) throw ValueError(fmt::format("linear program: {}[{}][{}] is {}", what, i, j, row[j]));
  }
}

void check(const LinearProgram& lp) {
  const size_t n = lp.c.size();
  if (lp.a_ub.size() != lp.b_ub.size() || lp.a_eq.size() != lp.b_eq.size()) {
    throw ValueError(fmt::format("linear program: {} inequality rows with {} bounds, {} equality rows with {} values",
                                 lp.a_ub.size(), lp.b_ub.size(), lp.a_eq.size(), lp.b_eq.size()));
  }
  if (!lp.free.empty() && lp.free.size() != n) {
    throw ValueError(fmt::format("linear program: {} free flags for {} variables", lp.free.size(), n));
  }
  check_row(lp.c, n, "c", 0);
  for (size_t i = 0; i < lp.a_ub.size(); ++i) check_row(lp.a_ub[i], n, "A_ub", i);
  for (size_t i = 0; i < lp.a_eq.size(); ++i) check_row(lp.a_eq[i], n, "A_eq", i);
  check_row(lp.b_ub, lp.b_ub.size(), "b_ub", 0);
  check_row(lp.b_eq, lp.b_eq.size(), "b_eq", 0);
}

}  // namespace

const char* lp_status_name(LpStatus status) {
  switch (status) {
    case LpStatus::Optimal: return "optimal";
    case LpStatus::Infeasible: return "infeasible";
    case LpStatus::Unbounded: return "unbounded";
    case LpStatus::IterationLimit: return "iteration limit";
  }
  return "?";
}

LpSolution solve_linear_program(const LinearProgram& lp) {
  check(lp);
  const size_t n = lp.c.size(), m_ub = lp.a_ub.size(), m = m_ub + lp.a_eq.size();
  // Columns: each variable (a free one twice, x = x⁺ − x⁻), a slack per inequality row, then an
  // artificial variable for every row whose slack cannot start in the basis.
  std::vector<size_t> first(n);  // variable j -> its (first) column
  size_t structural = 0;
  for (size_t j = 0; j < n; ++j) {
    first[j] = structural;
    structural += (!lp.free.empty() && lp.free[j]) ? 2 : 1;
  }
  const size_t slack0 = structural, artificial0 = slack0 + m_ub;
  std::vector<size_t> needs_artificial;
  for (size_t i = 0; i < m; ++i) {
    const double b = i < m_ub ? lp.b_ub[i] : lp.b_eq[i - m_ub];
    if (i >= m_ub || b < 0) needs_artificial.push_back(i);
  }
  Tableau t;
  t.columns = artificial0 + needs_artificial.size();
  t.rows.assign(m, std::vector<double>(t.columns + 1, 0.0));
  t.basis.assign(m, 0);
  for (size_t i = 0; i < m; ++i) {
    const std::vector<double>& a = i < m_ub ? lp.a_ub[i] : lp.a_eq[i - m_ub];
    const double b = i < m_ub ? lp.b_ub[i] : lp.b_eq[i - m_ub];
    const double sign = b < 0 ? -1.0 : 1.0;  // keep every right-hand side >= 0
    std::vector<double>& row = t.rows[i];
    for (size_t j = 0; j < n; ++j) {
      row[first[j]] = sign * a[j];
      if (!lp.free.empty() && lp.free[j]) row[first[j] + 1] = -sign * a[j];
    }
    if (i < m_ub) row[slack0 + i] = sign;
    row[t.columns] = sign * b;
    t.basis[i] = slack0 + i;
  }
  for (size_t k = 0; k < needs_artificial.size(); ++k) {
    t.rows[needs_artificial[k]][artificial0 + k] = 1.0;
    t.basis[needs_artificial[k]] = artificial0 + k;
  }

  LpSolution solution;
  // Phase 1: minimise the sum of the artificial variables; zero means the constraints hold.
  std::vector<double> cost(t.columns, 0.0);
  for (size_t k = artificial0; k < t.columns; ++k) cost[k] = 1.0;
  std::vector<bool> allowed(t.columns, true);
  if (simplex(t, cost, allowed) == Outcome::IterationLimit) {
    solution.status = LpStatus::IterationLimit;
    solution.pivots = t.pivots;
    return solution;
  }
  double infeasibility = 0, scale = 1;
  for (size_t i = 0; i < m; ++i) {
    if (t.basis[i] >= artificial0) infeasibility += t.rhs(i);
    scale = std::max(scale, std::abs(i < m_ub ? lp.b_ub[i] : lp.b_eq[i - m_ub]));
  }
  if (infeasibility > kTolerance * scale) {
    solution.status = LpStatus::Infeasible;
    solution.pivots = t.pivots;
    return solution;
  }
  // Artificial variables still basic sit at 0: pivot each out on the first column that can take its
  // place; a row with no such column is redundant and keeps its artificial at 0 (pivots never
  // touch it again, since it has zeros in every other column).
  for (size_t i = 0; i < m; ++i) {
    if (t.basis[i] < artificial0) continue;
    for (size_t j = 0; j < artificial0; ++j) {
      if (std::abs(t.rows[i][j]) > kTolerance) {
        t.pivot(i, j);
        break;
      }
    }
  }
  // Phase 2: the objective, with the artificial columns barred from the basis.
  std::fill(cost.begin(), cost.end(), 0.0);
  for (size_t j = 0; j < n; ++j) {
    cost[first[j]] = lp.c[j];
    if (!lp.free.empty() && lp.free[j]) cost[first[j] + 1] = -lp.c[j];
  }
  for (size_t k = artificial0; k < t.columns; ++k) allowed[k] = false;
  const Outcome outcome = simplex(t, cost, allowed);
  solution.pivots = t.pivots;
  if (outcome != Outcome::Optimal) {
    solution.status = outcome == Outcome::Unbounded ? LpStatus::Unbounded : LpStatus::IterationLimit;
    return solution;
  }
  std::vector<double> z(t.columns, 0.0);
  for (size_t i = 0; i < m; ++i) z[t.basis[i]] = t.rhs(i);
  solution.x.assign(n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    solution.x[j] = z[first[j]] - ((!lp.free.empty() && lp.free[j]) ? z[first[j] + 1] : 0.0);
    solution.objective += lp.c[j] * solution.x[j];
  }
  return solution;
}

}  // namespace candor::fairness
