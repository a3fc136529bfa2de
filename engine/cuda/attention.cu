// Attention weights on the GPU: the score GEMMs through cuBLAS (batched over (b, h)), the
// scale / mask / softmax of each score row and the backward's dS in row kernels. Same math as
// engine/cpu/nn.cpp; row sums in double by a fixed tree (block_reduce.h).
//
// Legend: B batch, H heads, T queries, S keys, D channels per head; E = B * H entries.
#include "engine/cuda/block_reduce.h"
#include "engine/cuda/cublas.h"
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"

namespace candor::cuda {

namespace {

// Whether key j is hidden from query i: beyond the causal limit (visible = i + 1 when causal, S
// otherwise) or padded (pad, [S] of this batch entry, may be null).
template <typename V>
__device__ bool hidden(int64_t j, int64_t visible, const V* pad) {
  return j >= visible || (pad != nullptr && pad[j] != V(0));
}

// One block per score row (e, i) of scores [E, T, S], in place: scale, mask, softmax. Hidden keys
// get weight 0 and stay out of the sum, as on the CPU (where their score exp(lowest - max) is 0).
// A row with every key hidden (possible with padding only) has all scores equal to the lowest
// value, hence uniform weights 1/S.
template <typename V>
__global__ void attention_rows(V* scores, int64_t rows, int64_t T, int64_t S, int64_t H,
                               bool causal, const V* padding, V scale) {
  __shared__ V scratch_max[kThreads];
  __shared__ double scratch_sum[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    V* row = scores + r * S;
    const int64_t i = r % T, e = r / T;
    const int64_t visible = causal ? (i + 1 < S ? i + 1 : S) : S;
    const V* pad = padding ? padding + e / H * S : nullptr;
    bool any_visible = false;
    V local_max = -INFINITY;
    for (int64_t j = threadIdx.x; j < S; j += kThreads) {
      if (hidden(j, visible, pad)) continue;
      any_visible = true;
      row[j] *= scale;
      local_max = Max{}(local_max, row[j]);
    }
    any_visible = __syncthreads_or(any_visible);
    if (!any_visible) {
      for (int64_t j = threadIdx.x; j < S; j += kThreads) row[j] = static_cast<V>(1.0 / S);
      continue;
    }
    V max = block_reduce(local_max, scratch_max, Max{});
    if (isinf(max) && max < 0) max = 0;
    double partial = 0;
    for (int64_t j = threadIdx.x; j < S; j += kThreads) {
      const V p = hidden(j, visible, pad) ? V(0) : exp(row[j] - max);
      partial += p;
      row[j] = p;
    }
    const V inverse = static_cast<V>(1.0 / block_reduce(partial, scratch_sum, Add{}));
    for (int64_t j = threadIdx.x; j < S; j += kThreads) row[j] *= inverse;
  }
}

// dS row (e, i) = P * (G - sum(G * P)) * scale, 0 at hidden keys (masked scores depend on
// neither q nor k). One block per row; the dot product in double.
template <typename V>
__global__ void attention_rows_backward(const V* grad, const V* weights, V* ds, int64_t rows,
                                        int64_t T, int64_t S, int64_t H, bool causal,
                                        const V* padding, V scale) {
  __shared__ double scratch[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const V* g = grad + r * S;
    const V* p = weights + r * S;
    V* d = ds + r * S;
    const int64_t i = r % T, e = r / T;
    const int64_t visible = causal ? (i + 1 < S ? i + 1 : S) : S;
    const V* pad = padding ? padding + e / H * S : nullptr;
    double partial = 0;
    for (int64_t j = threadIdx.x; j < S; j += kThreads) {
      partial += static_cast<double>(g[j]) * static_cast<double>(p[j]);
    }
    const V dot = static_cast<V>(block_reduce(partial, scratch, Add{}));
    for (int64_t j = threadIdx.x; j < S; j += kThreads) {
      d[j] = hidden(j, visible, pad) ? V(0) : p[j] * (g[j] - dot) * scale;
    }
  }
}

// C[e] = op(A[e]) op(B[e]) for e < E, each operand's entries packed one after another.
Backend::Gemm batched(int64_t E, int64_t m, int64_t n, int64_t k, bool trans_a, bool trans_b) {
  Backend::Gemm g;
  g.batch = E;
  g.m = m;
  g.n = n;
  g.k = k;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.stride_a = m * k;
  g.stride_b = k * n;
  g.stride_c = m * n;
  return g;
}

template <typename V>
const V* optional_ptr(const Tensor& t) {
  return t.defined() ? device_ptr<V>(t) : nullptr;
}

}  // namespace

// scores [E, T, S] = q [E, T, D] k [E, S, D]^T in one batched GEMM, then the row kernel.
void CudaBackend::attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                                    const Tensor& key_padding_mask, Tensor& out) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  const int64_t E = B * H;
  if (E * T * S == 0) return;
  dispatch_floating(q.dtype(), [&](auto tag) {
    using V = decltype(tag);
    if (D == 0) {
      check(cudaMemsetAsync(out.raw_data(), 0, out.numel() * sizeof(V)),
            "attention_weights (D = 0)");
    } else {
      cublas_gemm<V>(batched(E, T, S, D, false, true), device_ptr<V>(q), device_ptr<V>(k),
                     device_ptr<V>(out));
    }
    attention_rows<V><<<row_blocks(E * T), kThreads>>>(device_ptr<V>(out), E * T, T, S, H, causal,
                                                       optional_ptr<V>(key_padding_mask),
                                                       static_cast<V>(scale));
    check_launch("attention_rows");
  });
}

// dS [E, T, S] by the row kernel, then dq [E, T, D] = dS k and dk [E, S, D] = dS^T q as two
// batched GEMMs.
void CudaBackend::attention_weights_backward(const Tensor& grad, const Tensor& weights,
                                             const Tensor& q, const Tensor& k, double scale,
                                             bool causal, const Tensor& key_padding_mask,
                                             Tensor& dq, Tensor& dk) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2), D = q.size(3);
  const int64_t E = B * H;
  if (E * D == 0) return;
  if (T == 0 || S == 0) {
    check(cudaMemsetAsync(dq.raw_data(), 0, dq.numel() * dtype_size(dq.dtype())), "attention dq");
    check(cudaMemsetAsync(dk.raw_data(), 0, dk.numel() * dtype_size(dk.dtype())), "attention dk");
    return;
  }
  dispatch_floating(q.dtype(), [&](auto tag) {
    using V = decltype(tag);
    // Freed on return, maybe before the GEMMs below have run: safe, as the caching allocator
    // hands the block on only to work queued after them on the one stream.
    Tensor ds = Tensor::empty({E, T, S}, q.dtype(), Device::CUDA);
    attention_rows_backward<V><<<row_blocks(E * T), kThreads>>>(
        device_ptr<V>(grad), device_ptr<V>(weights), device_ptr<V>(ds), E * T, T, S, H, causal,
        optional_ptr<V>(key_padding_mask), static_cast<V>(scale));
    check_launch("attention_rows_backward");
    cublas_gemm<V>(batched(E, T, D, S, false, false), device_ptr<V>(ds), device_ptr<V>(k),
                   device_ptr<V>(dq));  // [E, T, D]
    cublas_gemm<V>(batched(E, S, D, T, true, false), device_ptr<V>(ds), device_ptr<V>(q),
                   device_ptr<V>(dk));  // [E, S, D]
  });
}

}  // namespace candor::cuda
