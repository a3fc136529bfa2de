// Elementwise kernels: fill, cast, unary math, broadcasting binary ops, where, clamp, expand.
// One thread per output element in a grid-stride loop; inputs are read through StridedIndex
// (engine/cuda/index.h), so broadcasting costs one mixed-radix decomposition per element. Each
// function computes what engine/cpu/elementwise.cpp computes, NaN rules included.
#include <type_traits>

#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/index.h"
#include "engine/cuda/launch.h"
#include "engine/integer_pow.h"

namespace candor::cuda {

namespace {

template <typename T>
__global__ void fill_kernel(T* out, T value, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = value;
  }
}

template <typename S, typename D>
__global__ void cast_kernel(const S* x, D* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = static_cast<D>(x[j]);
  }
}

template <typename T>
__device__ T unary_floating(UnaryOp op, T x) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return exp(x);
    case UnaryOp::Log: return log(x);
    case UnaryOp::Sqrt: return sqrt(x);
    case UnaryOp::Abs: return fabs(x);
    // NaN stays NaN (as Eigen's sign).
    case UnaryOp::Sign: return isnan(x) ? x : T((x > T(0)) - (x < T(0)));
    case UnaryOp::Tanh: return tanh(x);
    // 1 / (1 + e^-x): exp overflows to inf for very negative x, giving the right limit 0.
    case UnaryOp::Sigmoid: return T(1) / (T(1) + exp(-x));
    case UnaryOp::Relu: return x < T(0) ? T(0) : x;
    case UnaryOp::Erf: return erf(x);
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, full precision for large |x|.
    case UnaryOp::Softplus: return (x > T(0) ? x : T(0)) + log1p(exp(-fabs(x)));
    case UnaryOp::Not: return T(x == T(0));
  }
  return x;
}

__device__ int64_t unary_int(UnaryOp op, int64_t v) {
  switch (op) {
    case UnaryOp::Neg: return -v;
    case UnaryOp::Abs: return v < 0 ? -v : v;
    case UnaryOp::Sign: return (v > 0) - (v < 0);
    case UnaryOp::Relu: return v > 0 ? v : 0;
    case UnaryOp::Not: return v == 0;
    default: return v;  // ops.cpp only sends the ops above for int64
  }
}

template <typename T>
__global__ void unary_kernel(UnaryOp op, const T* x, T* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    if constexpr (std::is_floating_point_v<T>) {
      out[j] = unary_floating(op, x[j]);
    } else {
      out[j] = unary_int(op, x[j]);
    }
  }
}

// Max and Min return y when either side is NaN, as the CPU's x >= y ? x : y.
template <typename T>
__device__ T binary_value(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point_v<T>) {
        return pow(x, y);
      } else {
        return integer_pow(x, y);
      }
    case BinaryOp::Max: return x >= y ? x : y;
    case BinaryOp::Min: return x <= y ? x : y;
    case BinaryOp::Eq: return T(x == y);
    case BinaryOp::Ne: return T(x != y);
    case BinaryOp::Lt: return T(x < y);
    case BinaryOp::Le: return T(x <= y);
    case BinaryOp::Gt: return T(x > y);
    case BinaryOp::Ge: return T(x >= y);
    case BinaryOp::And: return T((x != T(0)) & (y != T(0)));
  }
  return x;
}

template <typename T>
__global__ void binary_kernel(BinaryOp op, const T* a, StridedIndex ia, const T* b,
                              StridedIndex ib, T* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = binary_value(op, a[ia.offset(j)], b[ib.offset(j)]);
  }
}

template <typename C, typename T>
__global__ void where_kernel(const C* cond, StridedIndex ic, const T* a, StridedIndex ia,
                             const T* b, StridedIndex ib, T* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = cond[ic.offset(j)] != C(0) ? a[ia.offset(j)] : b[ib.offset(j)];
  }
}

// NaN passes through (both comparisons are false), as on the CPU.
template <typename T>
__global__ void clamp_kernel(const T* x, bool has_lo, T lo, bool has_hi, T hi, T* out,
                             int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    T v = x[j];
    if (has_lo && v < lo) v = lo;
    if (has_hi && v > hi) v = hi;
    out[j] = v;
  }
}

template <typename T>
__global__ void expand_kernel(const T* x, StridedIndex ix, T* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = x[ix.offset(j)];
  }
}

}  // namespace

void CudaBackend::fill(Tensor& out, double value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    fill_kernel<T><<<blocks_for(n), kThreads>>>(device_ptr<T>(out), static_cast<T>(value), n);
    check_launch("fill_kernel");
  });
}

void CudaBackend::cast(const Tensor& x, Tensor& out) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch(x.dtype(), [&](auto src_tag) {
    using S = decltype(src_tag);
    dispatch(out.dtype(), [&](auto dst_tag) {
      using D = decltype(dst_tag);
      cast_kernel<S, D><<<blocks_for(n), kThreads>>>(device_ptr<S>(x), device_ptr<D>(out), n);
      check_launch("cast_kernel");
    });
  });
}

void CudaBackend::unary(UnaryOp op, const Tensor& x, Tensor& out) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    unary_kernel<T><<<blocks_for(n), kThreads>>>(op, device_ptr<T>(x), device_ptr<T>(out), n);
    check_launch("unary_kernel");
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  StridedIndex ia = broadcast_index(a.shape(), out.shape(), "binary");
  StridedIndex ib = broadcast_index(b.shape(), out.shape(), "binary");
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    binary_kernel<T><<<blocks_for(n), kThreads>>>(op, device_ptr<T>(a), ia, device_ptr<T>(b), ib,
                                                  device_ptr<T>(out), n);
    check_launch("binary_kernel");
  });
}

void CudaBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  StridedIndex ic = broadcast_index(cond.shape(), out.shape(), "where");
  StridedIndex ia = broadcast_index(a.shape(), out.shape(), "where");
  StridedIndex ib = broadcast_index(b.shape(), out.shape(), "where");
  dispatch(cond.dtype(), [&](auto cond_tag) {
    using C = decltype(cond_tag);
    dispatch(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      where_kernel<C, T><<<blocks_for(n), kThreads>>>(device_ptr<C>(cond), ic, device_ptr<T>(a),
                                                      ia, device_ptr<T>(b), ib,
                                                      device_ptr<T>(out), n);
      check_launch("where_kernel");
    });
  });
}

void CudaBackend::clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi,
                        Tensor& out) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    clamp_kernel<T><<<blocks_for(n), kThreads>>>(
        device_ptr<T>(x), lo.has_value(), static_cast<T>(lo.value_or(0)), hi.has_value(),
        static_cast<T>(hi.value_or(0)), device_ptr<T>(out), n);
    check_launch("clamp_kernel");
  });
}

void CudaBackend::expand(const Tensor& x, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  StridedIndex ix = broadcast_index(x.shape(), out.shape(), "expand");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    expand_kernel<T><<<blocks_for(n), kThreads>>>(device_ptr<T>(x), ix, device_ptr<T>(out), n);
    check_launch("expand_kernel");
  });
}

}  // namespace candor::cuda
