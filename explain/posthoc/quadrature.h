// Quadrature rules on [0, 1] for path integrals such as integrated gradients: the points alpha_i
// and weights w_i with integral_0^1 g(a) da ~ sum_i w_i g(alpha_i).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace candor::explain {

enum class QuadratureRule { RiemannLeft, RiemannRight, RiemannMiddle, RiemannTrapezoid, GaussLegendre };

// Gauss-Legendre's nodes cost O(steps^2) to find; no rule needs more steps than this.
inline constexpr size_t kMaxQuadratureSteps = 10000;

struct Quadrature {
  std::vector<double> points, weights;
};

// `steps` points (>= 1; the trapezoid needs >= 2). Gauss-Legendre is exact for polynomials of
// degree 2 * steps - 1; its nodes are the roots of the Legendre polynomial P_steps, found by Newton's
// method from Tricomi's initial guesses (Abramowitz & Stegun 22.16.6), mapped from [-1, 1].
Quadrature quadrature(QuadratureRule rule, size_t steps);
// "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre" (Captum's
// names); ValueError for another.
QuadratureRule quadrature_rule(const std::string& name);
std::string quadrature_name(QuadratureRule rule);

}  // namespace candor::explain
