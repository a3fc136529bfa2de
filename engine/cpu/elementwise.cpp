// Elementwise kernels: fill, cast, unary math, broadcasting binary ops, where, clamp, expand.
#include <cmath>
#include <type_traits>

#include <Eigen/Core>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"
#include "engine/integer_pow.h"

namespace candor::cpu {

namespace {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// Walks the broadcast index space of `out` row by row (a row is the last dimension), giving
// the offsets of the row's first element in each input. Inputs' strides are 0 where broadcast.
struct BroadcastRows {
  Shape out_shape;
  std::vector<std::vector<int64_t>> strides;  // per input, in out's index space
  int64_t row_length;

  BroadcastRows(const Shape& out, const std::vector<Shape>& inputs) : out_shape(out) {
    for (const Shape& s : inputs) strides.push_back(broadcast_strides(s, out));
    row_length = out.empty() ? 1 : out.back();
  }
  int64_t rows() const { return row_length == 0 ? 0 : numel(out_shape) / row_length; }
  int64_t inner_stride(size_t input) const {
    return out_shape.empty() ? 0 : strides[input].back();
  }
  // Offset of row r's first element in input `input`.
  int64_t row_offset(size_t input, int64_t r) const {
    int64_t offset = 0;
    if (out_shape.empty()) return 0;
    for (size_t d = out_shape.size() - 1; d-- > 0;) {
      int64_t idx = r % out_shape[d];
      r /= out_shape[d];
      offset += idx * strides[input][d];
    }
    return offset;
  }
};

// y[i] = f(a[i * sa], b[i * sb]) for i < n, with strides 0 (broadcast) or 1. The restrict
// pointers and the scalar copies let GCC vectorise every case, comparisons included (as
// branches, a random mask such as relu's would mispredict half the time).
template <typename T, typename F>
void apply_strided(F f, const T* __restrict a, int64_t sa, const T* __restrict b, int64_t sb,
                   T* __restrict y, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (sa == 1) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else if (sb == 1) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else {
    const T v = f(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <typename T, typename F>
void binary_loop(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  int64_t n = out.numel();
  if (po == pa && a.numel() == n && b.numel() == n) {  // in place: out is a, so no restrict
    parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(po[i], pb[i]);
    });
    return;
  }
  if ((a.numel() == n || a.numel() == 1) && (b.numel() == n || b.numel() == 1)) {
    // Same shape, or a single value on either side: one flat loop.
    int64_t sa = a.numel() == n && n > 1 ? 1 : 0, sb = b.numel() == n && n > 1 ? 1 : 0;
    parallel_for(n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
      apply_strided(f, pa + begin * sa, sa, pb + begin * sb, sb, po + begin, end - begin);
    });
    return;
  }
  BroadcastRows walk(out.shape(), {a.shape(), b.shape()});
  int64_t len = walk.row_length;
  int64_t sa = walk.inner_stride(0), sb = walk.inner_stride(1);
  parallel_for(walk.rows(), grain_for(len), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      apply_strided(f, pa + walk.row_offset(0, r), sa, pb + walk.row_offset(1, r), sb, po + r * len, len);
    }
  });
}

template <typename T>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  // Comparisons convert the bool directly (no branch: masks are often random, e.g. relu's).
  switch (op) {
    case BinaryOp::Add: return binary_loop<T>(a, b, out, [](T x, T y) { return x + y; });
    case BinaryOp::Sub: return binary_loop<T>(a, b, out, [](T x, T y) { return x - y; });
    case BinaryOp::Mul: return binary_loop<T>(a, b, out, [](T x, T y) { return x * y; });
    case BinaryOp::Div: return binary_loop<T>(a, b, out, [](T x, T y) { return x / y; });
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point_v<T>) {
        return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(std::pow(x, y)); });
      } else {
        return binary_loop<T>(a, b, out, [](T x, T y) { return integer_pow(x, y); });
      }
    case BinaryOp::Max: return binary_loop<T>(a, b, out, [](T x, T y) { return x >= y ? x : y; });
    case BinaryOp::Min: return binary_loop<T>(a, b, out, [](T x, T y) { return x <= y ? x : y; });
    case BinaryOp::Eq: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x == y); });
    case BinaryOp::Ne: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x != y); });
    case BinaryOp::Lt: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x < y); });
    case BinaryOp::Le: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x <= y); });
    case BinaryOp::Gt: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x > y); });
    case BinaryOp::Ge: return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>(x >= y); });
    case BinaryOp::And:
      return binary_loop<T>(a, b, out, [](T x, T y) { return static_cast<T>((x != T(0)) & (y != T(0))); });
  }
}

// Math on floating types goes through Eigen's vectorised functions.
template <typename T>
void unary_floating(UnaryOp op, const T* x, T* y, int64_t n) {
  ConstArrayMap<T> in(x, n);
  ArrayMap<T> out(y, n);
  switch (op) {
    case UnaryOp::Neg: out = -in; break;
    case UnaryOp::Exp:
      out = in.exp();
      // Eigen's vectorised exp clamps its argument near the bottom of the range (at about -709 for
      // double, -88 for float, on some instruction sets), returning ~1e-308 for exp(-inf): below
      // that, the exact value (a subnormal, or 0) comes from std::exp.
      for (int64_t i = 0; i < n; ++i) {
        if (x[i] < (sizeof(T) == 8 ? T(-708) : T(-87))) y[i] = std::exp(x[i]);
      }
      break;
    case UnaryOp::Log: out = in.log(); break;
    case UnaryOp::Sqrt: out = in.sqrt(); break;
    case UnaryOp::Abs: out = in.abs(); break;
    case UnaryOp::Sign: out = in.sign(); break;
    case UnaryOp::Tanh: out = in.tanh(); break;
    // 1 / (1 + e^-x): exp overflows to inf for very negative x, giving the right limit 0.
    case UnaryOp::Sigmoid: out = T(1) / (T(1) + (-in).exp()); break;
    case UnaryOp::Relu: out = in.max(T(0)); break;
    case UnaryOp::Erf:
      for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
      break;
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, full precision for large |x|.
    case UnaryOp::Softplus: out = in.max(T(0)) + (-in.abs()).exp().log1p(); break;
    case UnaryOp::Not: out = (in == T(0)).template cast<T>(); break;
  }
}

void unary_int(UnaryOp op, const int64_t* x, int64_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = x[i];
    switch (op) {
      case UnaryOp::Neg: y[i] = -v; break;
      case UnaryOp::Abs: y[i] = v < 0 ? -v : v; break;
      case UnaryOp::Sign: y[i] = (v > 0) - (v < 0); break;
      case UnaryOp::Relu: y[i] = v > 0 ? v : 0; break;
      case UnaryOp::Not: y[i] = v == 0; break;
      default: y[i] = v; break;  // ops.cpp only sends the ops above for int64
    }
  }
}

}  // namespace

void CpuBackend::fill(Tensor& out, double value) {
  dispatch(out.dtype(), [&]<typename T>(T) {
    T* p = out.data<T>();
    T v = static_cast<T>(value);
    parallel_for(out.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      std::fill(p + begin, p + end, v);
    });
  });
}

void CpuBackend::cast(const Tensor& x, Tensor& out) {
  dispatch(x.dtype(), [&]<typename S>(S) {
    dispatch(out.dtype(), [&]<typename D>(D) {
      const S* src = x.data<S>();
      D* dst = out.data<D>();
      parallel_for(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) dst[i] = static_cast<D>(src[i]);
      });
    });
  });
}

void CpuBackend::unary(UnaryOp op, const Tensor& x, Tensor& out) {
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* py = out.data<T>();
    parallel_for(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      if constexpr (std::is_floating_point_v<T>) {
        unary_floating<T>(op, px + begin, py + begin, end - begin);
      } else {
        unary_int(op, px + begin, py + begin, end - begin);
      }
    });
  });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch(out.dtype(), [&]<typename T>(T) { binary_typed<T>(op, a, b, out); });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  BroadcastRows walk(out.shape(), {cond.shape(), a.shape(), b.shape()});
  int64_t len = walk.row_length;
  dispatch(cond.dtype(), [&]<typename C>(C) {
    dispatch(out.dtype(), [&]<typename T>(T) {
      const C* pc = cond.data<C>();
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* po = out.data<T>();
      int64_t sc = walk.inner_stride(0), sa = walk.inner_stride(1), sb = walk.inner_stride(2);
      parallel_for(walk.rows(), grain_for(len), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const C* rc = pc + walk.row_offset(0, r);
          const T* ra = pa + walk.row_offset(1, r);
          const T* rb = pb + walk.row_offset(2, r);
          T* ro = po + r * len;
          for (int64_t i = 0; i < len; ++i) ro[i] = rc[i * sc] != C(0) ? ra[i * sa] : rb[i * sb];
        }
      });
    });
  });
}

void CpuBackend::clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
                       Tensor& out) {
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* py = out.data<T>();
    parallel_for(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T v = px[i];
        if (lo && v < static_cast<T>(*lo)) v = static_cast<T>(*lo);
        if (hi && v > static_cast<T>(*hi)) v = static_cast<T>(*hi);
        py[i] = v;
      }
    });
  });
}

void CpuBackend::expand(const Tensor& x, Tensor& out) {
  BroadcastRows walk(out.shape(), {x.shape()});
  int64_t len = walk.row_length;
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    int64_t s = walk.inner_stride(0);
    parallel_for(walk.rows(), grain_for(len), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* rx = px + walk.row_offset(0, r);
        T* ro = po + r * len;
        for (int64_t i = 0; i < len; ++i) ro[i] = rx[i * s];
      }
    });
  });
}

}  // namespace candor::cpu
