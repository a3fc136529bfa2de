// Fused kernels for neural-network layers on the GPU: softmax / log-softmax, layer normalisation
// and GELU (tanh form). Same math as engine/cpu/nn.cpp, step for step: float32 sums of
// exponentials and row statistics are accumulated in double, and every reduction has a fixed
// order (block_reduce.h), so results are identical from run to run. They match the CPU's to
// rounding: exp/tanh are CUDA's, nvcc fuses multiply-adds, and the tree sums in another order.
#include <cmath>

#include "engine/cuda/block_reduce.h"
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"

namespace candor::cuda {

namespace {

// Softmax over contiguous rows of n (the axis is the last one): one block per row. The maximum
// is subtracted so exp never overflows; a row of -inf keeps 0 as its maximum, as on the CPU.
template <typename T>
__global__ void softmax_rows(const T* x, T* y, int64_t rows, int64_t n, bool log) {
  __shared__ T scratch_max[kThreads];
  __shared__ double scratch_sum[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    T local_max = -INFINITY;
    for (int64_t k = threadIdx.x; k < n; k += kThreads) local_max = Max{}(local_max, xr[k]);
    T max = block_reduce(local_max, scratch_max, Max{});
    if (isinf(max) && max < 0) max = 0;
    double partial = 0;
    for (int64_t k = threadIdx.x; k < n; k += kThreads) {
      const T e = exp(xr[k] - max);
      partial += e;
      if (!log) yr[k] = e;
    }
    const double total = block_reduce(partial, scratch_sum, Add{});
    // Each thread rescales the elements it wrote itself: no barrier needed.
    if (log) {
      const double log_total = ::log(total);
      for (int64_t k = threadIdx.x; k < n; k += kThreads) {
        yr[k] = static_cast<T>(static_cast<double>(xr[k]) - max - log_total);
      }
    } else {
      const T scale = static_cast<T>(1.0 / total);
      for (int64_t k = threadIdx.x; k < n; k += kThreads) yr[k] *= scale;
    }
  }
}

// Softmax along a middle or first axis of x viewed as [outer, n, inner]: one thread per
// (outer, inner) line, walking its n values `inner` apart in order (neighbouring threads read
// neighbouring addresses).
template <typename T>
__global__ void softmax_lines(const T* x, T* y, AxisView v, bool log) {
  const int64_t lines = v.outer * v.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < lines;
       j += int64_t{gridDim.x} * blockDim.x) {
    const int64_t base = j / v.inner * v.n * v.inner + j % v.inner;
    const T* xl = x + base;
    T* yl = y + base;
    T max = xl[0];
    for (int64_t k = 1; k < v.n; ++k) max = Max{}(max, xl[k * v.inner]);
    if (isinf(max) && max < 0) max = 0;
    double total = 0;
    for (int64_t k = 0; k < v.n; ++k) {
      const T e = exp(xl[k * v.inner] - max);
      total += e;
      if (!log) yl[k * v.inner] = e;
    }
    if (log) {
      const double log_total = ::log(total);
      for (int64_t k = 0; k < v.n; ++k) {
        yl[k * v.inner] = static_cast<T>(static_cast<double>(xl[k * v.inner]) - max - log_total);
      }
    } else {
      const T scale = static_cast<T>(1.0 / total);
      for (int64_t k = 0; k < v.n; ++k) yl[k * v.inner] *= scale;
    }
  }
}

// One block per row of x [rows, cols]: mean, then the biased variance around it, both in double.
template <typename T>
__global__ void layer_norm_rows(const T* x, const T* weight, const T* bias, double eps, T* y,
                                T* mean, T* rstd, int64_t rows, int64_t cols) {
  __shared__ double scratch[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    double partial = 0;
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) partial += xr[c];
    const double m = block_reduce(partial, scratch, Add{}) / static_cast<double>(cols);
    partial = 0;
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) {
      const double d = xr[c] - m;
      partial += d * d;
    }
    const double var = block_reduce(partial, scratch, Add{}) / static_cast<double>(cols);
    const T mu = static_cast<T>(m);
    const T rs = static_cast<T>(1.0 / ::sqrt(var + eps));
    if (threadIdx.x == 0) {
      mean[r] = mu;
      rstd[r] = rs;
    }
    T* yr = y + r * cols;
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) {
      T out = (xr[c] - mu) * rs;
      if (weight) out *= weight[c];
      if (bias) out += bias[c];
      yr[c] = out;
    }
  }
}

// dx of one row per block. With xhat = (x - mean) * rstd and gy = grad * weight:
//   dx = rstd * (gy - mean(gy) - xhat * mean(gy * xhat)), the two means summed in double.
template <typename T>
__global__ void layer_norm_dx(const T* grad, const T* x, const T* weight, const T* mean,
                              const T* rstd, T* dx, int64_t rows, int64_t cols) {
  __shared__ double scratch[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* g = grad + r * cols;
    const T* xr = x + r * cols;
    const T mu = mean[r], rs = rstd[r];
    double partial_gy = 0, partial_gy_xhat = 0;
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) {
      const T xhat = (xr[c] - mu) * rs;
      const T gy = weight ? g[c] * weight[c] : g[c];
      partial_gy += gy;
      partial_gy_xhat += gy * xhat;
    }
    const T mean_gy = static_cast<T>(block_reduce(partial_gy, scratch, Add{}) / cols);
    const T mean_gy_xhat = static_cast<T>(block_reduce(partial_gy_xhat, scratch, Add{}) / cols);
    T* d = dx + r * cols;
    for (int64_t c = threadIdx.x; c < cols; c += kThreads) {
      const T xhat = (xr[c] - mu) * rs;
      const T gy = weight ? g[c] * weight[c] : g[c];
      d[c] = rs * (gy - mean_gy - xhat * mean_gy_xhat);
    }
  }
}

// Rows per partial sum of dweight and dbias, as on the CPU.
constexpr int64_t kBlockRows = 64;

// dweight = sum over rows of grad * xhat, dbias = sum over rows of grad, in two passes as on the
// CPU: each block of kBlockRows rows is summed in T, then the blocks in order. Pass one: one
// thread per (block, column), neighbouring threads on neighbouring columns; partial [2, blocks,
// cols] holds the dweight partials, then the dbias ones.
template <typename T>
__global__ void layer_norm_param_partials(const T* grad, const T* x, const T* mean, const T* rstd,
                                          T* partial, int64_t rows, int64_t cols) {
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  for (int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; e < blocks * cols;
       e += int64_t{gridDim.x} * blockDim.x) {
    const int64_t start = e / cols * kBlockRows, c = e % cols;
    T sum_w = 0, sum_b = 0;
    for (int64_t r = start; r < rows && r < start + kBlockRows; ++r) {
      const T g = grad[r * cols + c];
      sum_w += g * ((x[r * cols + c] - mean[r]) * rstd[r]);
      sum_b += g;
    }
    partial[e] = sum_w;
    partial[blocks * cols + e] = sum_b;
  }
}

// Pass two: one thread per column adds its blocks' partials in block order. Either output may be
// null.
template <typename T>
__global__ void layer_norm_param_totals(const T* partial, T* dweight, T* dbias, int64_t blocks,
                                        int64_t cols) {
  for (int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; c < cols;
       c += int64_t{gridDim.x} * blockDim.x) {
    T total_w = 0, total_b = 0;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      total_w += partial[blk * cols + c];
      total_b += partial[(blocks + blk) * cols + c];
    }
    if (dweight) dweight[c] = total_w;
    if (dbias) dbias[c] = total_b;
  }
}

// y = x/2 (1 + t), t = tanh(u), u = sqrt(2/pi) x (1 + 0.044715 x^2).
template <typename T>
__global__ void gelu_tanh_kernel(const T* x, T* y, int64_t n, T k, T c) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const T v = x[i];
    y[i] = v * T(0.5) * (T(1) + tanh(v * (T(1) + v * v * c) * k));
  }
}

// dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2), times grad.
template <typename T>
__global__ void gelu_tanh_backward_kernel(const T* grad, const T* x, T* dx, int64_t n, T k, T c) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const T v = x[i];
    const T t = tanh(v * (T(1) + v * v * c) * k);
    dx[i] = grad[i] * (T(0.5) * (T(1) + t) +
                       T(0.5) * v * (T(1) - t * t) * k * (T(1) + v * v * (T(3) * c)));
  }
}

// The backward of softmax_rows from y and g: one block per row, the row sum in double (a fixed
// tree), rounded to T, then each element as on the CPU.
template <typename T>
__global__ void softmax_backward_rows(const T* g, const T* y, T* dx, int64_t rows, int64_t n,
                                      bool log) {
  __shared__ double scratch_sum[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* gr = g + r * n;
    const T* yr = y + r * n;
    T* dr = dx + r * n;
    double partial = 0;
    for (int64_t k = threadIdx.x; k < n; k += kThreads) {
      partial += log ? static_cast<double>(gr[k])
                     : static_cast<double>(gr[k]) * static_cast<double>(yr[k]);
    }
    const T s = static_cast<T>(block_reduce(partial, scratch_sum, Add{}));
    for (int64_t k = threadIdx.x; k < n; k += kThreads) {
      dr[k] = log ? gr[k] - exp(yr[k]) * s : yr[k] * (gr[k] - s);
    }
  }
}

// The backward of softmax_lines: one thread per (outer, inner) line.
template <typename T>
__global__ void softmax_backward_lines(const T* g, const T* y, T* dx, AxisView v, bool log) {
  const int64_t lines = v.outer * v.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < lines;
       j += int64_t{gridDim.x} * blockDim.x) {
    const int64_t base = j / v.inner * v.n * v.inner + j % v.inner;
    double total = 0;
    for (int64_t k = 0; k < v.n; ++k) {
      const int64_t at = base + k * v.inner;
      total += log ? static_cast<double>(g[at]) : static_cast<double>(g[at]) * static_cast<double>(y[at]);
    }
    const T s = static_cast<T>(total);
    for (int64_t k = 0; k < v.n; ++k) {
      const int64_t at = base + k * v.inner;
      dx[at] = log ? g[at] - exp(y[at]) * s : y[at] * (g[at] - s);
    }
  }
}

constexpr double kGeluCubic = 0.044715;
constexpr double kPi = 3.141592653589793;  // kPi is C++20

template <typename T>
const T* optional_ptr(const Tensor& t) {
  return t.defined() ? device_ptr<T>(t) : nullptr;
}

}  // namespace

void CudaBackend::softmax(const Tensor& x, int64_t axis, bool log, Tensor& out) {
  const AxisView v = axis_view(x.shape(), axis);
  if (v.n == 0 || v.outer * v.inner == 0) return;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (v.inner == 1) {
      softmax_rows<T><<<row_blocks(v.outer), kThreads>>>(device_ptr<T>(x), device_ptr<T>(out),
                                                         v.outer, v.n, log);
      check_launch("softmax_rows");
    } else {
      softmax_lines<T><<<blocks_for(v.outer * v.inner), kThreads>>>(device_ptr<T>(x),
                                                                    device_ptr<T>(out), v, log);
      check_launch("softmax_lines");
    }
  });
}

void CudaBackend::softmax_backward(const Tensor& grad, const Tensor& y, int64_t axis, bool log,
                                   Tensor& dx) {
  const AxisView v = axis_view(y.shape(), axis);
  if (v.n == 0 || v.outer * v.inner == 0) return;
  dispatch_floating(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (v.inner == 1) {
      softmax_backward_rows<T><<<row_blocks(v.outer), kThreads>>>(
          device_ptr<T>(grad), device_ptr<T>(y), device_ptr<T>(dx), v.outer, v.n, log);
      check_launch("softmax_backward_rows");
    } else {
      softmax_backward_lines<T><<<blocks_for(v.outer * v.inner), kThreads>>>(
          device_ptr<T>(grad), device_ptr<T>(y), device_ptr<T>(dx), v, log);
      check_launch("softmax_backward_lines");
    }
  });
}

void CudaBackend::layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                             Tensor& out, Tensor& mean, Tensor& rstd) {
  const int64_t rows = mean.numel();
  if (rows == 0) return;
  const int64_t cols = x.numel() / rows;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    layer_norm_rows<T><<<row_blocks(rows), kThreads>>>(
        device_ptr<T>(x), optional_ptr<T>(weight), optional_ptr<T>(bias), eps, device_ptr<T>(out),
        device_ptr<T>(mean), device_ptr<T>(rstd), rows, cols);
    check_launch("layer_norm_rows");
  });
}

void CudaBackend::layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                      const Tensor& mean, const Tensor& rstd, Tensor& dx,
                                      Tensor& dweight, Tensor& dbias) {
  const int64_t rows = mean.numel();
  if (rows == 0) {  // no rows: the weight and bias gradients are zero
    for (Tensor* g : {&dweight, &dbias}) {
      if (g->defined() && g->numel() > 0) {
        check(cudaMemset(g->raw_data(), 0, static_cast<std::size_t>(g->numel()) * dtype_size(g->dtype())),
              "layer_norm_backward");
      }
    }
    return;
  }
  const int64_t cols = x.numel() / rows;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    layer_norm_dx<T><<<row_blocks(rows), kThreads>>>(
        device_ptr<T>(grad), device_ptr<T>(x), optional_ptr<T>(weight), device_ptr<T>(mean),
        device_ptr<T>(rstd), device_ptr<T>(dx), rows, cols);
    check_launch("layer_norm_dx");
    if ((dweight.defined() || dbias.defined()) && cols > 0) {
      T* dw = dweight.defined() ? device_ptr<T>(dweight) : nullptr;
      T* db = dbias.defined() ? device_ptr<T>(dbias) : nullptr;
      const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
      // Freed on return, before the kernels may have run: safe on the one stream (see
      // caching_allocator.h).
      Tensor partial = Tensor::empty({2, blocks, cols}, x.dtype(), Device::CUDA);
      layer_norm_param_partials<T><<<blocks_for(blocks * cols), kThreads>>>(
          device_ptr<T>(grad), device_ptr<T>(x), device_ptr<T>(mean), device_ptr<T>(rstd),
          device_ptr<T>(partial), rows, cols);
      check_launch("layer_norm_param_partials");
      layer_norm_param_totals<T><<<blocks_for(cols), kThreads>>>(device_ptr<T>(partial), dw, db,
                                                                 blocks, cols);
      check_launch("layer_norm_param_totals");
    }
  });
}

void CudaBackend::gelu_tanh(const Tensor& x, Tensor& out) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gelu_tanh_kernel<T><<<blocks_for(n), kThreads>>>(
        device_ptr<T>(x), device_ptr<T>(out), n, static_cast<T>(std::sqrt(2.0 / kPi)),
        static_cast<T>(kGeluCubic));
    check_launch("gelu_tanh");
  });
}

void CudaBackend::gelu_tanh_backward(const Tensor& grad, const Tensor& x, Tensor& dx) {
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gelu_tanh_backward_kernel<T><<<blocks_for(n), kThreads>>>(
        device_ptr<T>(grad), device_ptr<T>(x), device_ptr<T>(dx), n,
        static_cast<T>(std::sqrt(2.0 / kPi)), static_cast<T>(kGeluCubic));
    check_launch("gelu_tanh_backward");
  });
}

}  // namespace candor::cuda
