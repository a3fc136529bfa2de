#include "fairness/constraint.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "datasets/table.h"
#include "engine/error.h"

namespace candor::fairness {

namespace {
std::string trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t"), last = s.find_last_not_of(" \t");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}
}  // namespace

Constraint parse_constraint(const std::string& text) {
  const size_t at = text.find("<=");
  if (at != std::string::npos) {
    const std::string name = trimmed(text.substr(0, at));
    double bound = 0;
    if ((name == "dp" || name == "eo" || name == "eopp") && datasets::parse_number(trimmed(text.substr(at + 2)), bound) &&
        bound >= 0) {
      return {parse_gap(name), bound};
    }
  }
  throw ValueError(fmt::format("constraint \"{}\": expected GAP<=BOUND with GAP dp, eo or eopp and a finite "
                               "BOUND >= 0, e.g. \"dp<=0.02\"", text));
}

const char* gap_name(Gap gap) {
  switch (gap) {
    case Gap::DemographicParity: return "dp";
    case Gap::EqualOpportunity: return "eopp";
    case Gap::EqualizedOdds: return "eo";
  }
  return "?";
}

std::string to_string(const Constraint& c) { return fmt::format("{}<={}", gap_name(c.gap), c.bound); }

DualAscent::DualAscent(const Constraint& constraint, double step, double initial_lambda)
    : constraint_(constraint), step_(step), lambda_(initial_lambda) {
  if (!(step > 0) || !std::isfinite(step)) throw ValueError(fmt::format("dual ascent: the step must be finite and > 0, got {}", step));
  if (!(initial_lambda >= 0) || !std::isfinite(initial_lambda)) {
    throw ValueError(fmt::format("dual ascent: the initial multiplier must be finite and >= 0, got {}", initial_lambda));
  }
}

double DualAscent::update(double measured_gap) {
  if (!std::isnan(measured_gap)) lambda_ = std::max(0.0, lambda_ + step_ * (measured_gap - constraint_.bound));
  return lambda_;
}

}  // namespace candor::fairness
