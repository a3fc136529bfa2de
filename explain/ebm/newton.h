// Newton statistics shared by every tree (reference section 3.2, with reg_alpha = reg_lambda = 0
// and no max_delta_step): a node with gradient sum G and hessian sum H has leaf value -G/H and
// partial gain G^2/H; a split's gain is the children's partial gains minus the parent's.
#pragma once

#include <cfloat>
#include <cstdint>

namespace candor::explain::ebm {

// Splits whose gain is below this are rejected (DBL_MIN, as libebm's k_gainMin).
inline constexpr double kGainMin = DBL_MIN;

struct Stats {
  double g = 0, h = 0;
  uint64_t n = 0;  // rows (bag replication)
  Stats& operator+=(const Stats& o) {
    g += o.g;
    h += o.h;
    n += o.n;
    return *this;
  }
  friend Stats operator-(Stats a, const Stats& b) {
    a.g -= b.g;
    a.h -= b.h;
    a.n -= b.n;
    return a;
  }
};

// G/H (the negated Newton step); 0 when H is not positive.
inline double neg_step(double g, double h) { return h >= DBL_MIN ? g / h : 0.0; }
inline double partial_gain(double g, double h) { return h >= DBL_MIN ? g * g / h : 0.0; }
inline double partial_gain(const Stats& s) { return partial_gain(s.g, s.h); }

// A leaf may exist when it has min_samples_leaf rows and min_hessian hessian.
struct LeafRules {
  uint64_t min_samples_leaf = 4;
  double min_hessian = 1e-4;  // used as max(min_hessian, DBL_MIN)
  double hessian_floor() const { return min_hessian > DBL_MIN ? min_hessian : DBL_MIN; }
  bool legal(const Stats& s) const {
    return s.n >= min_samples_leaf && s.h >= hessian_floor();
  }
};

}  // namespace candor::explain::ebm
