#include "explain/ebm/objective.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <type_traits>

#ifdef __AVX2__
#include <immintrin.h>
#endif

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

// x capped at kMax (a NaN becomes kMax too).
inline double capped(double x) { return x < kMax ? x : kMax; }
constexpr size_t kRowBlock = 128;  // rows whose factors are looked up at once

#ifdef __AVX2__
// f[j] = value[bit cells[j] of `second`] for j < n: the two-valued lookup of UpdateFactors, 8 rows
// at a time. The 256-bit mask sits in one register: vpermd fetches each row's 32-bit word
// (cell / 32), a variable shift by 31 - cell % 32 moves the row's bit to the sign, and blendv picks
// the value by the sign once the lanes are widened to 64 bits. (Without AVX2 the table's one load
// per row is cheaper than a scalar version of this, so the table is used.)
void two_valued_factors(const uint8_t* __restrict cells, const uint32_t* second,
                        const double* value, size_t n, double* __restrict f) {
  const __m256i words = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(second));
  const __m256i low5 = _mm256_set1_epi32(31);
  const __m256d v0 = _mm256_set1_pd(value[0]), v1 = _mm256_set1_pd(value[1]);
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(cells + j));
    const __m256i c = _mm256_cvtepu8_epi32(bytes);
    const __m256i word = _mm256_permutevar8x32_epi32(words, _mm256_srli_epi32(c, 5));
    const __m256i shift = _mm256_xor_si256(_mm256_and_si256(c, low5), low5);
    const __m256i at_sign = _mm256_sllv_epi32(word, shift);
    const __m256d first4 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(at_sign)));
    const __m256d last4 =
        _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(at_sign, 1)));
    _mm256_storeu_pd(f + j, _mm256_blendv_pd(v0, v1, first4));
    _mm256_storeu_pd(f + j + 4, _mm256_blendv_pd(v0, v1, last4));
  }
  for (; j < n; ++j) f[j] = value[(second[cells[j] >> 5] >> (cells[j] & 31)) & 1];
}
#endif

#ifdef __AVX2__
// table[cells[k]] for k < 4, in one vector: gcc vectorises the plain loop into a gather by extracts
// and inserts that cost more than these four loads.
template <class T>
inline __m256d table_factors4(const double* table, const T* cells) {
  const __m128d lo = _mm_loadh_pd(_mm_load_sd(table + cells[0]), table + cells[1]);
  const __m128d hi = _mm_loadh_pd(_mm_load_sd(table + cells[2]), table + cells[3]);
  return _mm256_insertf128_pd(_mm256_castpd128_pd256(lo), hi, 1);
}
#endif

// f[j] = the factor of row begin + j, for j < n <= kRowBlock (`positive`: rows with y = 1).
template <class T>
void row_factors(const T* __restrict cells, const UpdateFactors& uf, bool positive, size_t begin,
                 size_t n, double* __restrict f) {
#ifdef __AVX2__
  if constexpr (std::is_same_v<T, uint8_t>) {
    if (uf.two_valued && uf.split_from == 0) {
      two_valued_factors(cells + begin, uf.second, positive ? uf.down_of : uf.up_of, n, f);
      return;
    }
  }
#endif
  if (uf.split_from > 0) {  // cells >= split_from hold the second value: a compare, no load
    const double* value = positive ? uf.down_of : uf.up_of;
    const double v0 = value[0], v1 = value[1];
    const T split = static_cast<T>(uf.split_from);
    for (size_t j = 0; j < n; ++j) f[j] = cells[begin + j] >= split ? v1 : v0;
    return;
  }
  const double* table = positive ? uf.down.data() : uf.up.data();
  size_t j = 0;
#ifdef __AVX2__
  for (; j + 4 <= n; j += 4) _mm256_storeu_pd(f + j, table_factors4(table, cells + begin + j));
#endif
  for (; j < n; ++j) f[j] = table[cells[begin + j]];
}

// a *= factor; g = sign * a / (1 + a), h = a / (1 + a)^2 (times the weight).
template <class T, bool kWeighted, bool kPositive>
void logloss_train(const T* cells, const UpdateFactors& uf, const RowBlock& r, size_t begin,
                   size_t end) {
  alignas(64) double f[kRowBlock];
  for (size_t b = begin; b < end; b += kRowBlock) {
    const size_t n = std::min(kRowBlock, end - b);
    row_factors(cells, uf, kPositive, b, n, f);
    double* __restrict a = r.a + b;
    const double* __restrict w = kWeighted ? r.w + b : nullptr;
    Grad* __restrict g_out = r.g + b;
    Grad* __restrict h_out = r.h + b;
    for (size_t j = 0; j < n; ++j) {
      const double aj = capped(a[j] * f[j]);
      a[j] = aj;
      const double inv = 1.0 / (1.0 + aj);
      const double t = aj * inv;
      double g = kPositive ? -t : t;
      double h = t * inv;
      if (kWeighted) {
        g *= w[j];
        h *= w[j];
      }
      g_out[j] = static_cast<Grad>(g);
      h_out[j] = static_cast<Grad>(h);
    }
  }
}

template <class T>
void rmse_train(const T* __restrict cells, const double* __restrict u, const RowBlock& r,
                size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) r.s[i] += u[cells[i]];
  refresh_gradients(Objective::Rmse, r, begin, end);
}

// Sum of log(1 + a_i) over rows [begin, end) after a *= factor (unweighted): products in 8
// lanes of blocks of 128 rows (a last, partial block padded with 1s), each factor capped at 1e15
// so that 16 cannot overflow, lanes renormalised after every block (m * 2^x with m in [1, 2), x
// added to an integer). Rows whose 1 + a exceeds the cap (a loss above 34.5) add
// log((1 + a) / cap) separately.
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
static_assert(LogProduct::kBlock == kRowBlock);

template <class T>
void logloss_val_unweighted(const T* cells, const UpdateFactors& uf, bool positive,
                            double* __restrict a, size_t begin, size_t end, LogProduct& lp) {
  alignas(64) double f[kRowBlock], q[kRowBlock];
  for (size_t b = begin; b < end; b += kRowBlock) {
    const size_t n = std::min(kRowBlock, end - b);
    row_factors(cells, uf, positive, b, n, f);
    // Two loops: in one, g++ turns the caps into branches (it knows 1 + kMax > kCap) and
    // leaves the loop scalar.
    for (size_t j = 0; j < n; ++j) a[b + j] = capped(a[b + j] * f[j]);
    uint64_t big = 0;  // not bool: g++ vectorises an OR of 64-bit lanes
    for (size_t j = 0; j < n; ++j) {
      const double qj = 1.0 + a[b + j];
      big |= qj > LogProduct::kCap;
      q[j] = qj < LogProduct::kCap ? qj : LogProduct::kCap;
    }
    std::fill(q + n, q + kRowBlock, 1.0);  // a partial last block
    for (int j = 0; j < LogProduct::kBlock / LogProduct::kLanes; ++j)
      for (int k = 0; k < LogProduct::kLanes; ++k) lp.prod[k] *= q[j * LogProduct::kLanes + k];
    lp.renormalise();
    if (big)
      for (size_t j = 0; j < n; ++j)
        if (1.0 + a[b + j] > LogProduct::kCap)
          lp.extra += std::log((1.0 + a[b + j]) / LogProduct::kCap);
  }
}

template <class T>
double logloss_val_weighted(const T* cells, const UpdateFactors& uf, bool positive,
                            double* __restrict a, const double* __restrict w, size_t begin,
                            size_t end) {
  alignas(64) double f[kRowBlock];
  double total = 0;
  for (size_t b = begin; b < end; b += kRowBlock) {
    const size_t n = std::min(kRowBlock, end - b);
    row_factors(cells, uf, positive, b, n, f);
    for (size_t j = 0; j < n; ++j) {
      const double aj = capped(a[b + j] * f[j]);
      a[b + j] = aj;
      total += w[b + j] * std::log1p(aj);
    }
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

void UpdateFactors::set(const std::vector<double>& u) {
  up.resize(u.size());
  down.resize(u.size());
  // Updates have a few distinct values: reuse the previous cell's exponentials when they repeat
  // (kept in registers: reading back up[c - 1] waited on its store).
  double up_c = 0, down_c = 0;
  for (size_t c = 0; c < u.size(); ++c) {
    if (c == 0 || !(u[c] == u[c - 1])) {
      up_c = std::exp(u[c]);
      down_c = std::exp(-u[c]);
    }
    up[c] = up_c;
    down[c] = down_c;
  }
  // The mask: bit c is set where u[c] differs from u[0], so long as all those cells agree.
  std::fill(std::begin(second), std::end(second), 0u);
  two_valued = !u.empty() && u.size() <= 256;
  split_from = 0;
  size_t other = 0;  // a cell holding the second value (0: none)
  for (size_t c = 1; c < u.size() && two_valued; ++c) {
    if (u[c] == u[0]) continue;
    if (other == 0) other = c;
    two_valued = u[c] == u[other];
    second[c / 32] |= 1u << (c % 32);
  }
  if (!two_valued) return;
  // A split: every cell from the first that holds the second value on holds it.
  split_from = other;
  for (size_t c = other; c < u.size() && split_from > 0; ++c)
    if (u[c] == u[0]) split_from = 0;
  up_of[0] = up[0];
  up_of[1] = up[other];
  down_of[0] = down[0];
  down_of[1] = down[other];
}

void apply_train(Objective objective, const CellIndex& cells, const double* u,
                 const UpdateFactors& factors, const RowBlock& r, size_t begin, size_t end) {
  const size_t mid = std::clamp(r.n_negative, begin, end);
  cells.visit([&](const auto* c) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(c)>>;
    if (objective == Objective::Rmse) {
      rmse_train<T>(c, u, r, begin, end);
    } else if (r.w) {
      logloss_train<T, true, false>(c, factors, r, begin, mid);
      logloss_train<T, true, true>(c, factors, r, mid, end);
    } else {
      logloss_train<T, false, false>(c, factors, r, begin, mid);
      logloss_train<T, false, true>(c, factors, r, mid, end);
    }
  });
}

namespace {

#ifdef __AVX2__
// How the fused loop below gets each row's factor:
enum class Lookup {
  Split,  // a split of byte-wide cells (UpdateFactors::split_from): a compare in the loop
  Mask,   // two values on byte-wide cells: looked up 128 rows at a time (two_valued_factors)
  Table,  // any other: four loads from the table in the loop
};

// Unweighted log-loss training rows [begin, end) of one label, each row's g, h added to the next
// term's partial histograms as soon as it is made: one pass, so that the divisions overlap the
// histogram's loads and stores. Cells of this term are 8 or 16 bits wide; the next term's index
// has histogram offsets, so a row's pair is one 16-bit load away. The same operations in the same
// order as logloss_train then GhAccumulator::add, so the same bits. The loop does not store g and
// h (stores bound it; see apply_train_accumulate).
template <bool kPositive, Lookup kLookup, class T>
void logloss_train_accumulate(const T* cells, const UpdateFactors& uf, const RowBlock& r,
                              size_t begin, size_t end, GhAccumulator& next) {
  static_assert(kLookup == Lookup::Table || std::is_same_v<T, uint8_t>);
  const size_t body_end = begin + (end - begin) / 4 * 4;  // the last rows go the two-pass way
  char* const partials = next.partial_bytes();
  const uint16_t* __restrict offsets = next.cells().histogram_offsets();
  auto add_pair = [partials](uint16_t offset, __m128d gh) {
    double* p = reinterpret_cast<double*>(partials + offset);
    _mm_storeu_pd(p, _mm_add_pd(_mm_loadu_pd(p), gh));
  };
  const __m256d one = _mm256_set1_pd(1.0), cap = _mm256_set1_pd(kMax);
  const __m256d sign = _mm256_set1_pd(kPositive ? -0.0 : 0.0);
  double* __restrict a = r.a;
  const double* value = kPositive ? uf.down_of : uf.up_of;
  const __m256d v0 = _mm256_set1_pd(value[0]), v1 = _mm256_set1_pd(value[1]);
  const __m256i below_split = _mm256_set1_epi64x(static_cast<int64_t>(uf.split_from) - 1);
  const double* table = kPositive ? uf.down.data() : uf.up.data();
  alignas(64) double f[kRowBlock];
  for (size_t b = begin; b < body_end; b += kRowBlock) {
    const size_t n = std::min(kRowBlock, body_end - b);  // a multiple of 4
    if constexpr (kLookup == Lookup::Mask) row_factors(cells, uf, kPositive, b, n, f);
    for (size_t j = 0; j < n; j += 4) {
      const size_t i = b + j;
      __m256d factor;
      if constexpr (kLookup == Lookup::Split) {
        int32_t four_cells;
        std::memcpy(&four_cells, cells + i, sizeof four_cells);
        const __m256i c = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four_cells));
        factor = _mm256_blendv_pd(v0, v1, _mm256_castsi256_pd(_mm256_cmpgt_epi64(c, below_split)));
      } else if constexpr (kLookup == Lookup::Mask) {
        factor = _mm256_load_pd(f + j);
      } else {
        factor = table_factors4(table, cells + i);
      }
      __m256d av = _mm256_mul_pd(_mm256_loadu_pd(a + i), factor);
      av = _mm256_min_pd(av, cap);  // capped(): min_pd takes cap when av < cap is false (NaN too)
      _mm256_storeu_pd(a + i, av);
      const __m256d inv = _mm256_div_pd(one, _mm256_add_pd(one, av));
      const __m256d t = _mm256_mul_pd(av, inv);
      const __m256d g = _mm256_xor_pd(t, sign), h = _mm256_mul_pd(t, inv);
      const __m256d even = _mm256_unpacklo_pd(g, h), odd = _mm256_unpackhi_pd(g, h);
      add_pair(offsets[i], _mm256_castpd256_pd128(even));
      add_pair(offsets[i + 1], _mm256_castpd256_pd128(odd));
      add_pair(offsets[i + 2], _mm256_extractf128_pd(even, 1));
      add_pair(offsets[i + 3], _mm256_extractf128_pd(odd, 1));
    }
  }
  logloss_train<T, false, kPositive>(cells, uf, r, body_end, end);
  next.add(r.g, r.h, body_end, end);
}
#endif

}  // namespace

bool apply_train_accumulate(Objective objective, const CellIndex& cells, const double* u,
                            const UpdateFactors& factors, const RowBlock& r, size_t begin,
                            size_t end, GhAccumulator& next) {
#ifdef __AVX2__
  if (objective == Objective::LogLoss && !r.w && next.cells().histogram_offsets()) {
    bool fused = false;
    const size_t mid = std::clamp(r.n_negative, begin, end);
    cells.visit([&](const auto* c) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(c)>>;
      if constexpr (sizeof(T) <= 2) {
        fused = true;
        auto run = [&]<Lookup kLookup>() {
          logloss_train_accumulate<false, kLookup>(c, factors, r, begin, mid, next);
          logloss_train_accumulate<true, kLookup>(c, factors, r, mid, end, next);
        };
        if constexpr (std::is_same_v<T, uint8_t>) {
          if (factors.split_from > 0) return run.template operator()<Lookup::Split>();
          if (factors.two_valued) return run.template operator()<Lookup::Mask>();
        }
        run.template operator()<Lookup::Table>();
      }
    });
    if (fused) return true;
  }
#endif
  apply_train(objective, cells, u, factors, r, begin, end);
  next.add(r.g, r.h, begin, end);
  return false;
}

double apply_validation(Objective objective, const CellIndex& cells, const double* u,
                        const UpdateFactors& factors, const RowBlock& r, size_t begin,
                        size_t end) {
  const size_t mid = std::clamp(r.n_negative, begin, end);
  double out = 0;
  cells.visit([&](const auto* c) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(c)>>;
    if (objective == Objective::Rmse) {
      out = rmse_val<T>(c, u, r, begin, end);
    } else if (r.w) {
      out = logloss_val_weighted<T>(c, factors, false, r.a, r.w, begin, mid) +
            logloss_val_weighted<T>(c, factors, true, r.a, r.w, mid, end);
    } else {
      LogProduct lp;
      logloss_val_unweighted<T>(c, factors, false, r.a, begin, mid, lp);
      logloss_val_unweighted<T>(c, factors, true, r.a, mid, end, lp);
      out = lp.total();
    }
  });
  return out;
}

void refresh_gradients(Objective objective, const RowBlock& r, size_t begin, size_t end) {
  if (objective == Objective::Rmse) {
    for (size_t i = begin; i < end; ++i) {
      const double w = r.w ? r.w[i] : 1.0;
      r.g[i] = static_cast<Grad>((r.s[i] - r.y[i]) * w);
      r.h[i] = static_cast<Grad>(w);
    }
    return;
  }
  const size_t mid = std::clamp(r.n_negative, begin, end);
  auto rows = [&](size_t b, size_t e, double sign) {  // sign * t is exactly -t or t
    for (size_t i = b; i < e; ++i) {
      const double w = r.w ? r.w[i] : 1.0;
      const double inv = 1.0 / (1.0 + r.a[i]), t = r.a[i] * inv;
      r.g[i] = static_cast<Grad>(sign * t * w);
      r.h[i] = static_cast<Grad>(t * inv * w);
    }
  };
  rows(begin, mid, 1.0);
  rows(mid, end, -1.0);
}

double refresh(Objective objective, const RowBlock& r, size_t begin, size_t end) {
  double total = 0;
  for (size_t i = begin; i < end; ++i) {
    const double w = r.w ? r.w[i] : 1.0;
    if (objective == Objective::Rmse) {
      const double d = r.s[i] - r.y[i];
      if (!r.g) total += w * d * d;
      continue;
    }
    const bool positive = i >= r.n_negative;
    const double ai = capped(std::exp(positive ? -r.s[i] : r.s[i]));
    r.a[i] = ai;
    if (!r.g) total += w * std::log1p(ai);
  }
  if (r.g) refresh_gradients(objective, r, begin, end);
  return total;
}

}  // namespace candor::explain::ebm
