#include "explain/ebm/objective.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "explain/ebm/errors.h"

namespace candor::explain::ebm {

std::string objective_name(Objective objective) {
  return objective == Objective::LogLoss ? "log_loss" : "rmse";
}

Objective objective_from_name(const std::string& name) {
  if (name == "log_loss") return Objective::LogLoss;
  if (name == "rmse") return Objective::Rmse;
  throw EbmError("ebm: unknown objective \"" + name + "\" (expected log_loss or rmse)");
}

namespace {

constexpr double kMax = 1e300;  // keeps 1 + a finite

// a *= factor[cell]; g = sign * a / (1 + a), h = a / (1 + a)^2 (times the weight).
template <class T, bool kWeighted, bool kPositive>
void logloss_train(const T* __restrict cells, const double* __restrict factor,
                   double* __restrict a, const double* __restrict w, Grad* __restrict g_out,
                   Grad* __restrict h_out, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    double ai = a[i] * factor[cells[i]];
    ai = ai < kMax ? ai : kMax;
    a[i] = ai;
    const double inv = 1.0 / (1.0 + ai);
    const double t = ai * inv;
    double g = kPositive ? -t : t;
    double h = t * inv;
    if (kWeighted) {
      g *= w[i];
      h *= w[i];
    }
    g_out[i] = static_cast<Grad>(g);
    h_out[i] = static_cast<Grad>(h);
  }
}

template <class T>
void rmse_train(const T* __restrict cells, const double* __restrict u, const RowBlock& r,
                size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    r.s[i] += u[cells[i]];
    const double w = r.w ? r.w[i] : 1.0;
    r.g[i] = static_cast<Grad>((r.s[i] - r.y[i]) * w);
    r.h[i] = static_cast<Grad>(w);
  }
}

// Sum of log(1 + a_i) over rows [begin, end) after a *= factor[cell] (unweighted): products in 8
// lanes of blocks of 128 rows, each factor capped at 1e15 so that 16 cannot overflow, lanes
// renormalised after every block (m * 2^x with m in [1, 2), x added to an integer). Rows whose
// 1 + a exceeds the cap (a loss above 34.5) add log((1 + a) / cap) separately.
struct LogProduct {
  static constexpr int kLanes = 8, kBlock = 16 * kLanes;
  static constexpr double kCap = 1e15;
  double prod[kLanes];
  int64_t exponent[kLanes];
  double extra = 0;
  LogProduct() {
    for (int k = 0; k < kLanes; ++k) {
      prod[k] = 1.0;
      exponent[k] = 0;
    }
  }
  void renormalise() {
    for (int k = 0; k < kLanes; ++k) {
      uint64_t bits;
      std::memcpy(&bits, &prod[k], sizeof bits);
      exponent[k] += static_cast<int64_t>((bits >> 52) & 0x7ff) - 1023;
      bits = (bits & ~(uint64_t{0x7ff} << 52)) | (uint64_t{1023} << 52);
      std::memcpy(&prod[k], &bits, sizeof bits);
    }
  }
  double total() const {
    double t = extra;
    int64_t x = 0;
    for (int k = 0; k < kLanes; ++k) {
      t += std::log(prod[k]);
      x += exponent[k];
    }
    return t + static_cast<double>(x) * 0.69314718055994530942;
  }
};

template <class T>
void logloss_val_unweighted(const T* __restrict cells, const double* __restrict factor,
                            double* __restrict a, size_t begin, size_t end, LogProduct& lp) {
  alignas(64) double q[LogProduct::kBlock];
  size_t i = begin;
  for (; i + LogProduct::kBlock <= end; i += LogProduct::kBlock) {
    bool big = false;
    for (int r = 0; r < LogProduct::kBlock; ++r) {
      double ai = a[i + r] * factor[cells[i + r]];
      ai = ai < kMax ? ai : kMax;
      a[i + r] = ai;
      const double qr = 1.0 + ai;
      big |= qr > LogProduct::kCap;
      q[r] = qr < LogProduct::kCap ? qr : LogProduct::kCap;
    }
    for (int j = 0; j < LogProduct::kBlock / LogProduct::kLanes; ++j)
      for (int k = 0; k < LogProduct::kLanes; ++k) lp.prod[k] *= q[j * LogProduct::kLanes + k];
    lp.renormalise();
    if (big)
      for (int r = 0; r < LogProduct::kBlock; ++r)
        if (1.0 + a[i + r] > LogProduct::kCap) lp.extra += std::log((1.0 + a[i + r]) / LogProduct::kCap);
  }
  for (; i < end; ++i) {
    double ai = a[i] * factor[cells[i]];
    ai = ai < kMax ? ai : kMax;
    a[i] = ai;
    lp.extra += std::log1p(ai);
  }
}

template <class T>
double logloss_val_weighted(const T* __restrict cells, const double* __restrict factor,
                            double* __restrict a, const double* __restrict w, size_t begin,
                            size_t end) {
  double total = 0;
  for (size_t i = begin; i < end; ++i) {
    double ai = a[i] * factor[cells[i]];
    ai = ai < kMax ? ai : kMax;
    a[i] = ai;
    total += w[i] * std::log1p(ai);
  }
  return total;
}

template <class T>
double rmse_val(const T* __restrict cells, const double* __restrict u, const RowBlock& r,
                size_t begin, size_t end) {
  double total = 0;
  for (size_t i = begin; i < end; ++i) {
    r.s[i] += u[cells[i]];
    const double d = r.s[i] - r.y[i];
    total += (r.w ? r.w[i] : 1.0) * d * d;
  }
  return total;
}

}  // namespace

void apply_train(Objective objective, const CellIndex& cells, const double* u, const double* ea,
                 const double* ea_neg, const RowBlock& r, size_t begin, size_t end) {
  const size_t mid = std::clamp(r.n_negative, begin, end);
  cells.visit([&](const auto* c) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(c)>>;
    if (objective == Objective::Rmse) {
      rmse_train<T>(c, u, r, begin, end);
    } else if (r.w) {
      logloss_train<T, true, false>(c, ea, r.a, r.w, r.g, r.h, begin, mid);
      logloss_train<T, true, true>(c, ea_neg, r.a, r.w, r.g, r.h, mid, end);
    } else {
      logloss_train<T, false, false>(c, ea, r.a, r.w, r.g, r.h, begin, mid);
      logloss_train<T, false, true>(c, ea_neg, r.a, r.w, r.g, r.h, mid, end);
    }
  });
}

double apply_validation(Objective objective, const CellIndex& cells, const double* u,
                        const double* ea, const double* ea_neg, const RowBlock& r,
                        size_t begin, size_t end) {
  const size_t mid = std::clamp(r.n_negative, begin, end);
  double out = 0;
  cells.visit([&](const auto* c) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(c)>>;
    if (objective == Objective::Rmse) {
      out = rmse_val<T>(c, u, r, begin, end);
    } else if (r.w) {
      out = logloss_val_weighted<T>(c, ea, r.a, r.w, begin, mid) +
            logloss_val_weighted<T>(c, ea_neg, r.a, r.w, mid, end);
    } else {
      LogProduct lp;
      logloss_val_unweighted<T>(c, ea, r.a, begin, mid, lp);
      logloss_val_unweighted<T>(c, ea_neg, r.a, mid, end, lp);
      out = lp.total();
    }
  });
  return out;
}

double refresh(Objective objective, const RowBlock& r, size_t begin, size_t end) {
  double total = 0;
  for (size_t i = begin; i < end; ++i) {
    const double w = r.w ? r.w[i] : 1.0;
    if (objective == Objective::Rmse) {
      const double d = r.s[i] - r.y[i];
      if (r.g) {
        r.g[i] = static_cast<Grad>(d * w);
        r.h[i] = static_cast<Grad>(w);
      } else {
        total += w * d * d;
      }
      continue;
    }
    const bool positive = i >= r.n_negative;
    double ai = std::exp(positive ? -r.s[i] : r.s[i]);
    ai = ai < kMax ? ai : kMax;
    r.a[i] = ai;
    if (r.g) {
      const double inv = 1.0 / (1.0 + ai), t = ai * inv;
      r.g[i] = static_cast<Grad>((positive ? -t : t) * w);
      r.h[i] = static_cast<Grad>(t * inv * w);
    } else {
      total += w * std::log1p(ai);
    }
  }
  return total;
}

}  // namespace candor::explain::ebm
