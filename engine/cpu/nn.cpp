// Fused kernels for neural-network layers: softmax / log-softmax, layer normalisation, GELU
// (tanh form) and attention weights.
//
// Attention legend: B batch, H heads, T queries, S keys, D channels per head.
#include <omp.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <Eigen/Core>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"

namespace candor::cpu {

namespace {

// Both kernels sum the exponentials in double, whatever T: with one dominant class in a 50257
// vocabulary the float32 sum of the small terms loses digits of the loss. The log-softmax
// x - max - log(total) is then formed in double and rounded to T once.

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
    const double log_total = std::log(total);
    for (int64_t k = 0; k < n; ++k) {
      y[k * stride] = static_cast<T>(static_cast<double>(x[k * stride]) - max - log_total);
    }
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
  const double total = out.template cast<double>().sum();
  if (log) {
    out = (in.template cast<double>() - static_cast<double>(max) - std::log(total)).template cast<T>();
  } else {
    out *= static_cast<T>(1.0 / total);
  }
}

// The backward along n values spaced `stride` apart: the row sum in double, rounded to T, then
// each element in T (the operations of the composite rule in engine/ops/softmax.cpp).
template <typename T>
void softmax_backward_line(const T* g, const T* y, T* dx, int64_t n, int64_t stride, bool log) {
  double total = 0;
  for (int64_t k = 0; k < n; ++k) {
    total += log ? static_cast<double>(g[k * stride])
                 : static_cast<double>(g[k * stride]) * static_cast<double>(y[k * stride]);
  }
  const T s = static_cast<T>(total);
  for (int64_t k = 0; k < n; ++k) {
    const T gk = g[k * stride], yk = y[k * stride];
    dx[k * stride] = log ? gk - std::exp(yk) * s : yk * (gk - s);
  }
}

// Contiguous rows: Eigen's vectorised exp, as the forward.
template <typename T>
void softmax_backward_row(const T* g, const T* y, T* dx, int64_t n, bool log) {
  using Map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  using OutMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  Map gm(g, n), ym(y, n);
  OutMap out(dx, n);
  if (log) {
    const T s = static_cast<T>(gm.template cast<double>().sum());
    out = gm - ym.exp() * s;
  } else {
    const T s = static_cast<T>((gm.template cast<double>() * ym.template cast<double>()).sum());
    out = ym * (gm - s);
  }
}

// Calls line(base) for every line of v (base: the offset of its first element), in parallel.
template <class F>
void for_each_line(const AxisView& v, F&& line) {
  parallel_for(v.outer * v.inner, grain_for(v.n * 8), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) line(j / v.inner * v.n * v.inner + j % v.inner);
  });
}

}  // namespace

void CpuBackend::softmax_backward(const Tensor& grad, const Tensor& y, int64_t axis, bool log,
                                  Tensor& dx) {
  AxisView v = axis_view(y.shape(), axis);
  if (v.n == 0) return;
  dispatch_floating(y.dtype(), [&]<typename T>(T) {
    const T* pg = grad.data<T>();
    const T* py = y.data<T>();
    T* pd = dx.data<T>();
    for_each_line(v, [&](int64_t base) {
      if (v.inner == 1) {
        softmax_backward_row(pg + base, py + base, pd + base, v.n, log);
      } else {
        softmax_backward_line(pg + base, py + base, pd + base, v.n, v.inner, log);
      }
    });
  });
}

void CpuBackend::softmax(const Tensor& x, int64_t axis, bool log, Tensor& out) {
  AxisView v = axis_view(x.shape(), axis);
  if (v.n == 0) return;
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for_each_line(v, [&](int64_t base) {
      if (v.inner == 1) {
        softmax_row(px + base, po + base, v.n, log);
      } else {
        softmax_line(px + base, po + base, v.n, v.inner, log);
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
        // (omp simd: vectorised sums whose order is fixed at compile time, not by the threads)
        double m = 0;
#pragma omp simd reduction(+ : m)
        for (int64_t c = 0; c < cols; ++c) m += row[c];
        m /= static_cast<double>(cols);
        double v = 0;
#pragma omp simd reduction(+ : v)
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
      std::fill(out, out + result.numel(), T(0));  // all of it: no rows means a zero gradient
      for (int64_t blk = 0; blk < blocks; ++blk) {
        for (int64_t c = 0; c < cols; ++c) out[c] += partial[blk * cols + c];
      }
    };
    total(partial_w, dweight);
    total(partial_b, dbias);
  });
}

namespace {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

constexpr double kGeluCubic = 0.044715;

}  // namespace

// y = x/2 (1 + t), t = tanh(u), u = sqrt(2/pi) x (1 + 0.044715 x^2); vectorised through Eigen.
void CpuBackend::gelu_tanh(const Tensor& x, Tensor& out) {
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* py = out.data<T>();
    const T k = static_cast<T>(std::sqrt(2.0 / std::numbers::pi)), c = static_cast<T>(kGeluCubic);
    parallel_for(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      ConstArrayMap<T> in(px + begin, end - begin);
      ArrayMap<T> y(py + begin, end - begin);
      y = in * T(0.5) * (T(1) + (in * (T(1) + in.square() * c) * k).tanh());
    });
  });
}

// dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
void CpuBackend::gelu_tanh_backward(const Tensor& grad, const Tensor& x, Tensor& dx) {
  dispatch_floating(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    const T* pg = grad.data<T>();
    T* pd = dx.data<T>();
    const T k = static_cast<T>(std::sqrt(2.0 / std::numbers::pi)), c = static_cast<T>(kGeluCubic);
    parallel_for(x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      ConstArrayMap<T> in(px + begin, end - begin), g(pg + begin, end - begin);
      ArrayMap<T> d(pd + begin, end - begin);
      d = (in * (T(1) + in.square() * c) * k).tanh();  // t, then the derivative in place
      d = g * (T(0.5) * (T(1) + d) +
               T(0.5) * in * (T(1) - d.square()) * k * (T(1) + in.square() * (T(3) * c)));
    });
  });
}

namespace {

// Runs body(e) for every (batch, head) entry e < count, one entry per task in a static OpenMP
// loop: each entry is computed whole by one thread, in the same order whatever the thread count.
// Inside, BLAS calls see one thread. Small problems stay on the calling thread.
template <typename F>
void for_each_head(int64_t count, int64_t work_per_entry, F&& body) {
  bool parallel = count > 1 && count * work_per_entry >= (int64_t{1} << 20);
#pragma omp parallel for schedule(static) num_threads(parallel ? omp_get_max_threads() : 1)
  for (int64_t e = 0; e < count; ++e) {
    omp_set_num_threads(1);
    body(e);
  }
}

// Row i of the scores of one (b, h) entry, in place: scale, mask, softmax. Keys j >= visible are
// hidden by the causal mask (visible = S without it), and keys with pad[j] != 0 (pad may be
// null) by padding. Without padding a row always keeps key 0, so its hidden keys would get
// exp(lowest - max) = 0 exactly: they are set to 0 and the softmax runs over the visible prefix.
template <typename V>
void attention_row(V* row, int64_t S, int64_t visible, const V* pad, V scale) {
  if (pad == nullptr) {
    for (int64_t j = 0; j < visible; ++j) row[j] *= scale;
    softmax_row(row, row, visible, false);
    std::fill(row + visible, row + S, V(0));
    return;
  }
  const V lowest = std::numeric_limits<V>::lowest();
  bool any_visible = false;
  for (int64_t j = 0; j < S; ++j) {
    const bool hidden = j >= visible || pad[j] != V(0);
    row[j] = hidden ? lowest : row[j] * scale;
    any_visible = any_visible || !hidden;
  }
  softmax_row(row, row, S, false);
  // The vectorised exp clamps its argument (Eigen's double exp stops near -709), so a hidden key
  // can keep a denormal weight instead of 0: set it to 0. A row with every key hidden stays uniform.
  if (!any_visible) return;
  for (int64_t j = 0; j < S; ++j) {
    if (j >= visible || pad[j] != V(0)) row[j] = V(0);
  }
}

// dS row i = P * (G - sum(G * P)) * scale, 0 at hidden keys (masked scores do not depend on q, k).
template <typename V>
void attention_row_backward(const V* g, const V* p, V* ds, int64_t S, int64_t visible, const V* pad,
                            V scale) {
  double dot = 0;
#pragma omp simd reduction(+ : dot)
  for (int64_t j = 0; j < S; ++j) dot += static_cast<double>(g[j]) * static_cast<double>(p[j]);
  const V row_dot = static_cast<V>(dot);
  for (int64_t j = 0; j < S; ++j) ds[j] = p[j] * (g[j] - row_dot) * scale;
  if (pad == nullptr) {
    std::fill(ds + visible, ds + S, V(0));
  } else {
    for (int64_t j = 0; j < S; ++j) ds[j] = (j >= visible || pad[j] != V(0)) ? V(0) : ds[j];
  }
}

}  // namespace

// Per (b, h): scores = q k^T (one GEMM with k transposed by flag), then each row is scaled,
// masked and softmaxed in place.
void CpuBackend::attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                                   const Tensor& key_padding_mask, Tensor& out) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  if (B * H * T * S == 0) return;
  dispatch_floating(q.dtype(), [&]<typename V>(V) {
    const V* pq = q.data<V>();
    const V* pk = k.data<V>();
    const V* pad = key_padding_mask.defined() ? key_padding_mask.data<V>() : nullptr;  // [B, S]
    V* po = out.data<V>();
    for_each_head(B * H, T * S * (D + 8), [&](int64_t e) {
      V* scores = po + e * T * S;  // [T, S]
      if (D == 0) {
        std::fill(scores, scores + T * S, V(0));
      } else {
        gemm_serial(false, true, T, S, D, pq + e * T * D, D, pk + e * S * D, D, scores, S);
      }
      for (int64_t i = 0; i < T; ++i) {
        attention_row(scores + i * S, S, causal ? std::min(i + 1, S) : S,
                      pad ? pad + (e / H) * S : nullptr, static_cast<V>(scale));
      }
    });
  });
}

// Per (b, h): dS [T, S] row by row, then dq = dS k and dk = dS^T q as two GEMMs.
void CpuBackend::attention_weights_backward(const Tensor& grad, const Tensor& weights,
                                            const Tensor& q, const Tensor& k, double scale,
                                            bool causal, const Tensor& key_padding_mask,
                                            Tensor& dq, Tensor& dk) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  if (B * H * D == 0) return;
  if (T == 0 || S == 0) {
    fill(dq, 0.0);
    fill(dk, 0.0);
    return;
  }
  dispatch_floating(q.dtype(), [&]<typename V>(V) {
    const V* pg = grad.data<V>();
    const V* pp = weights.data<V>();
    const V* pq = q.data<V>();
    const V* pk = k.data<V>();
    const V* pad = key_padding_mask.defined() ? key_padding_mask.data<V>() : nullptr;  // [B, S]
    V* pdq = dq.data<V>();
    V* pdk = dk.data<V>();
    for_each_head(B * H, T * S * (2 * D + 8), [&](int64_t e) {
      std::vector<V> ds(static_cast<size_t>(T * S));  // [T, S]
      for (int64_t i = 0; i < T; ++i) {
        attention_row_backward(pg + (e * T + i) * S, pp + (e * T + i) * S, ds.data() + i * S, S,
                               causal ? std::min(i + 1, S) : S, pad ? pad + (e / H) * S : nullptr,
                               static_cast<V>(scale));
      }
      gemm_serial(false, false, T, D, S, ds.data(), S, pk + e * S * D, D, pdq + e * T * D, D);  // [T, D]
      gemm_serial(true, false, S, D, T, ds.data(), S, pq + e * T * D, D, pdk + e * S * D, D);   // [S, D]
    });
  });
}

}  // namespace candor::cpu
