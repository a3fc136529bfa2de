#include "explain/posthoc/quadrature.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

namespace {

// P_n(x) and its derivative by the three-term recurrence (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}.
std::pair<double, double> legendre(size_t n, double x) {
  double p0 = 1, p1 = x;
  for (size_t k = 1; k < n; ++k) {
    const double p2 = (static_cast<double>(2 * k + 1) * x * p1 - static_cast<double>(k) * p0) / static_cast<double>(k + 1);
    p0 = p1;
    p1 = p2;
  }
  const double derivative = static_cast<double>(n) * (x * p1 - p0) / (x * x - 1);
  return {p1, derivative};
}

Quadrature gauss_legendre(size_t n) {
  Quadrature q{std::vector<double>(n), std::vector<double>(n)};
  if (n == 1) {
    q.points[0] = 0.5;
    q.weights[0] = 1;
    return q;
  }
  const double nd = static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    double x = std::cos(std::numbers::pi * (static_cast<double>(i) + 0.75) / (nd + 0.5));
    for (int it = 0; it < 100; ++it) {
      const auto [p, dp] = legendre(n, x);
      const double step = p / dp;
      x -= step;
      if (std::abs(step) < 1e-16) break;
    }
    const double dp = legendre(n, x).second;
    // On [-1, 1] the weight is 2 / ((1 - x^2) P_n'(x)^2); mapping to [0, 1] halves it.
    q.points[n - 1 - i] = (x + 1) / 2;
    q.weights[n - 1 - i] = 1.0 / ((1 - x * x) * dp * dp);
  }
  return q;
}

}  // namespace

Quadrature quadrature(QuadratureRule rule, size_t steps) {
  if (steps == 0 || steps > kMaxQuadratureSteps) {
    throw ValueError(fmt::format("quadrature: the number of steps must be in [1, {}], got {}", kMaxQuadratureSteps, steps));
  }
  if (rule == QuadratureRule::GaussLegendre) return gauss_legendre(steps);
  const double n = static_cast<double>(steps);
  Quadrature q{std::vector<double>(steps), std::vector<double>(steps, 1.0 / n)};
  for (size_t i = 0; i < steps; ++i) {
    const double k = static_cast<double>(i);
    switch (rule) {
      case QuadratureRule::RiemannLeft: q.points[i] = k / n; break;
      case QuadratureRule::RiemannRight: q.points[i] = (k + 1) / n; break;
      case QuadratureRule::RiemannMiddle: q.points[i] = (k + 0.5) / n; break;
      default: break;
    }
  }
  if (rule == QuadratureRule::RiemannTrapezoid) {
    if (steps < 2) throw ValueError("quadrature: the trapezoid rule needs at least 2 steps");
    for (size_t i = 0; i < steps; ++i) {
      q.points[i] = static_cast<double>(i) / (n - 1);
      q.weights[i] = (i == 0 || i + 1 == steps ? 0.5 : 1.0) / (n - 1);
    }
  }
  return q;
}

QuadratureRule quadrature_rule(const std::string& name) {
  if (name == "riemann_left") return QuadratureRule::RiemannLeft;
  if (name == "riemann_right") return QuadratureRule::RiemannRight;
  if (name == "riemann_middle") return QuadratureRule::RiemannMiddle;
  if (name == "riemann_trapezoid") return QuadratureRule::RiemannTrapezoid;
  if (name == "gausslegendre") return QuadratureRule::GaussLegendre;
  throw ValueError(fmt::format("unknown integration rule \"{}\" (riemann_left, riemann_right, riemann_middle, "
                               "riemann_trapezoid or gausslegendre)",
                               name));
}

std::string quadrature_name(QuadratureRule rule) {
  switch (rule) {
    case QuadratureRule::RiemannLeft: return "riemann_left";
    case QuadratureRule::RiemannRight: return "riemann_right";
    case QuadratureRule::RiemannMiddle: return "riemann_middle";
    case QuadratureRule::RiemannTrapezoid: return "riemann_trapezoid";
    case QuadratureRule::GaussLegendre: return "gausslegendre";
  }
  return "";
}

}  // namespace candor::explain
