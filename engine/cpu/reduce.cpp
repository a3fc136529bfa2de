// Reductions along one axis, on the [outer, n, inner] view of the input. Every output element
// is combined in a fixed order that depends only on the shape, so results do not depend on the
// thread count. Long sums use 16 interleaved partial sums (vectorisable, and more accurate than
// one running sum), combined pairwise in a fixed order. float32 sums accumulate in double and are
// rounded once at the end (the softmax backward's row sums and a loss summed over many tokens
// would otherwise drift by a few float32 ulps per thousand terms).
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"

namespace candor::cpu {

namespace {

constexpr int kLanes = 16;
// Long contiguous sums are cut into blocks of this many elements, summed separately (possibly
// on different threads) and the block sums then added in order.
constexpr int64_t kSumBlock = 1 << 16;

template <typename T>
T combine(ReduceOp op, T a, T b) {
  switch (op) {
    case ReduceOp::Sum: return a + b;
    case ReduceOp::Max: return (a >= b || std::isnan(static_cast<double>(a))) ? a : b;
    case ReduceOp::Min: return (a <= b || std::isnan(static_cast<double>(a))) ? a : b;
  }
  return a;
}

template <typename T>
T identity(ReduceOp op) {
  if (op == ReduceOp::Sum) return T(0);
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return op == ReduceOp::Max ? -std::numeric_limits<T>::infinity()
                               : std::numeric_limits<T>::infinity();
  } else {
    return op == ReduceOp::Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
}

// Reduces x[0], ..., x[n-1] (contiguous) with kLanes interleaved accumulators of type Acc.
template <typename Acc, typename T>
Acc reduce_contiguous(ReduceOp op, const T* x, int64_t n) {
  Acc lanes[kLanes];
  for (Acc& l : lanes) l = identity<Acc>(op);
  int64_t i = 0;
  if (op == ReduceOp::Sum) {
    for (; i + kLanes <= n; i += kLanes) {
      for (int l = 0; l < kLanes; ++l) lanes[l] += static_cast<Acc>(x[i + l]);
    }
  } else {
    for (; i + kLanes <= n; i += kLanes) {
      for (int l = 0; l < kLanes; ++l) lanes[l] = combine(op, lanes[l], static_cast<Acc>(x[i + l]));
    }
  }
  for (; i < n; ++i) lanes[i % kLanes] = combine(op, lanes[i % kLanes], static_cast<Acc>(x[i]));
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int l = 0; l < width; ++l) lanes[l] = combine(op, lanes[l], lanes[l + width]);
  }
  return lanes[0];
}

// Elements of T reduced in accumulators of Acc (T itself, or double for float sums).
template <typename T, typename Acc>
void reduce_typed(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) {
  AxisView v = axis_view(x.shape(), axis);
  const T* px = x.data<T>();
  T* po = out.data<T>();
  if (v.inner == 1 && v.outer == 1 && v.n > kSumBlock) {
    // One long reduction: fixed blocks in parallel, then the block results in order.
    int64_t blocks = (v.n + kSumBlock - 1) / kSumBlock;
    std::vector<Acc> partial(blocks);
    parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        int64_t start = b * kSumBlock;
        partial[b] = reduce_contiguous<Acc>(op, px + start, std::min(kSumBlock, v.n - start));
      }
    });
    Acc total = identity<Acc>(op);
    for (Acc p : partial) total = combine(op, total, p);
    po[0] = static_cast<T>(total);
    return;
  }
  if (v.inner == 1) {
    parallel_for(v.outer, grain_for(v.n), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) po[o] = static_cast<T>(reduce_contiguous<Acc>(op, px + o * v.n, v.n));
    });
    return;
  }
  // Reducing a middle axis: accumulate whole rows of `inner` elements (vectorised over inner).
  parallel_for(v.outer * v.inner, grain_for(v.n), [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc;
    // Work on runs of the flat output index that stay within one outer slice.
    int64_t j = begin;
    while (j < end) {
      int64_t o = j / v.inner, i0 = j % v.inner;
      int64_t i1 = std::min(v.inner, i0 + (end - j));
      const T* src = px + o * v.n * v.inner + i0;
      acc.assign(static_cast<size_t>(i1 - i0), identity<Acc>(op));
      for (int64_t k = 0; k < v.n; ++k) {
        const T* row = src + k * v.inner;
        if (op == ReduceOp::Sum) {
          for (int64_t i = 0; i < i1 - i0; ++i) acc[i] += static_cast<Acc>(row[i]);
        } else {
          for (int64_t i = 0; i < i1 - i0; ++i) acc[i] = combine(op, acc[i], static_cast<Acc>(row[i]));
        }
      }
      T* dst = po + o * v.inner + i0;
      for (int64_t i = 0; i < i1 - i0; ++i) dst[i] = static_cast<T>(acc[i]);
      j += i1 - i0;
    }
  });
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) {
  dispatch(x.dtype(), [&]<typename T>(T) {
    if constexpr (std::is_same_v<T, float>) {
      if (op == ReduceOp::Sum) return reduce_typed<float, double>(op, x, axis, out);
    }
    reduce_typed<T, T>(op, x, axis, out);
  });
}

void CpuBackend::arg_reduce(bool max, const Tensor& x, int64_t axis, Tensor& out) {
  AxisView v = axis_view(x.shape(), axis);
  int64_t* po = out.data<int64_t>();
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    parallel_for(v.outer * v.inner, grain_for(v.n), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        int64_t o = j / v.inner, i = j % v.inner;
        const T* base = px + o * v.n * v.inner + i;
        int64_t best = 0;
        T best_value = base[0];
        for (int64_t k = 1; k < v.n; ++k) {
          T value = base[k * v.inner];
          // The first extreme wins; NaN counts as the extreme, as in NumPy and PyTorch.
          if (std::isnan(static_cast<double>(best_value))) break;
          if (std::isnan(static_cast<double>(value)) || (max ? value > best_value : value < best_value)) {
            best = k;
            best_value = value;
          }
        }
        po[j] = best;
      }
    });
  });
}

}  // namespace candor::cpu
