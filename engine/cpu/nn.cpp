// Fused kernels for neural-network layers: softmax / log-softmax and layer normalisation.
#include <cmath>
#include <vector>

#include <Eigen/Core>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"

namespace candor::cpu {

namespace {

// Softmax of n values spaced `stride` apart: subtract the maximum so exp never overflows.
template <typename T>
void softmax_line(const T* x, T* y, int64_t n, int64_t stride, bool log) {
  T max = x[0];
  for (int64_t k = 1; k < n; ++k) max = std::max(max, x[k * stride]);
  if (std::isinf(max) && max < 0) max = 0;  // every entry -inf: keep the result NaN-free where possible
  double total = 0;
  for (int64_t k = 0; k < n; ++k) {
    T e = std::exp(x[k * stride] - max);
    total += e;
    if (!log) y[k * stride] = e;
  }
  if (log) {
    T log_total = static_cast<T>(std::log(total));
    for (int64_t k = 0; k < n; ++k) y[k * stride] = x[k * stride] - max - log_total;
  } else {
    T scale = static_cast<T>(1.0 / total);
    for (int64_t k = 0; k < n; ++k) y[k * stride] *= scale;
  }
}

// Contiguous rows: the exponentials through Eigen's vectorised exp.
template <typename T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  using Map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  using OutMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  Map in(x, n);
  OutMap out(y, n);
  T max = in.maxCoeff();
  if (std::isinf(max) && max < 0) max = 0;
  out = (in - max).exp();
  T total = out.sum();
  if (log) {
    out = in - max - std::log(total);
  } else {
    out *= T(1) / total;
  }
}

}  // namespace

void CpuBackend::softmax(const Tensor& x, int64_t axis, bool log, Tensor& out) {
  AxisView v = axis_view(x.shape(), axis);
  if (v.n == 0) return;
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    parallel_for(v.outer * v.inner, grain_for(v.n * 8), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        int64_t o = j / v.inner, i = j % v.inner;
        int64_t base = o * v.n * v.inner + i;
        if (v.inner == 1) {
          softmax_row(px + base, po + base, v.n, log);
        } else {
          softmax_line(px + base, po + base, v.n, v.inner, log);
        }
      }
    });
  });
}

void CpuBackend::layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps,
                            Tensor& out, Tensor& mean, Tensor& rstd) {
  int64_t rows = mean.numel();
  int64_t cols = rows == 0 ? 0 : x.numel() / rows;
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    const T* pb = bias.defined() ? bias.data<T>() : nullptr;
    T* po = out.data<T>();
    T* pm = mean.data<T>();
    T* pr = rstd.data<T>();
    parallel_for(rows, grain_for(cols * 4), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* row = px + r * cols;
        // Two passes in double: the mean, then the biased variance around it.
        double m = 0;
        for (int64_t c = 0; c < cols; ++c) m += row[c];
        m /= static_cast<double>(cols);
        double v = 0;
        for (int64_t c = 0; c < cols; ++c) v += (row[c] - m) * (row[c] - m);
        v /= static_cast<double>(cols);
        T mu = static_cast<T>(m);
        T rs = static_cast<T>(1.0 / std::sqrt(v + eps));
        pm[r] = mu;
        pr[r] = rs;
        T* o = po + r * cols;
        for (int64_t c = 0; c < cols; ++c) {
          T y = (row[c] - mu) * rs;
          if (pw) y *= pw[c];
          if (pb) y += pb[c];
          o[c] = y;
        }
      }
    });
  });
}

// With xhat = (x - mean) * rstd and gy = grad * weight, the row-wise backward is
//   dx = rstd * (gy - mean(gy) - xhat * mean(gy * xhat)),
//   dweight = sum over rows of grad * xhat,  dbias = sum over rows of grad.
// dweight and dbias are summed per fixed block of rows, then the blocks in order.
void CpuBackend::layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                     const Tensor& mean, const Tensor& rstd, Tensor& dx,
                                     Tensor& dweight, Tensor& dbias) {
  int64_t rows = mean.numel();
  int64_t cols = rows == 0 ? 0 : x.numel() / rows;
  constexpr int64_t kBlockRows = 64;
  int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* pg = grad.data<T>();
    const T* px = x.data<T>();
    const T* pw = weight.defined() ? weight.data<T>() : nullptr;
    const T* pm = mean.data<T>();
    const T* pr = rstd.data<T>();
    T* pdx = dx.data<T>();
    bool want_params = dweight.defined() || dbias.defined();
    std::vector<T> partial_w(want_params ? blocks * cols : 0, T(0));
    std::vector<T> partial_b(want_params ? blocks * cols : 0, T(0));
    parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> xhat(cols), gy(cols);
      for (int64_t blk = begin; blk < end; ++blk) {
        for (int64_t r = blk * kBlockRows; r < std::min(rows, (blk + 1) * kBlockRows); ++r) {
          const T* g = pg + r * cols;
          const T* xr = px + r * cols;
          double sum_gy = 0, sum_gy_xhat = 0;
          for (int64_t c = 0; c < cols; ++c) {
            xhat[c] = (xr[c] - pm[r]) * pr[r];
            gy[c] = pw ? g[c] * pw[c] : g[c];
            sum_gy += gy[c];
            sum_gy_xhat += gy[c] * xhat[c];
          }
          T mean_gy = static_cast<T>(sum_gy / cols);
          T mean_gy_xhat = static_cast<T>(sum_gy_xhat / cols);
          T* d = pdx + r * cols;
          for (int64_t c = 0; c < cols; ++c) d[c] = pr[r] * (gy[c] - mean_gy - xhat[c] * mean_gy_xhat);
          if (want_params) {
            T* w = partial_w.data() + blk * cols;
            T* b = partial_b.data() + blk * cols;
            for (int64_t c = 0; c < cols; ++c) {
              w[c] += g[c] * xhat[c];
              b[c] += g[c];
            }
          }
        }
      }
    });
    auto total = [&](const std::vector<T>& partial, Tensor& result) {
      if (!result.defined()) return;
      T* out = result.data<T>();
      std::fill(out, out + cols, T(0));
      for (int64_t blk = 0; blk < blocks; ++blk) {
        for (int64_t c = 0; c < cols; ++c) out[c] += partial[blk * cols + c];
      }
    };
    total(partial_w, dweight);
    total(partial_b, dbias);
  });
}

}  // namespace candor::cpu
