// Attention weights: P = softmax(scale * q k^T) with masked scores at the dtype's lowest value.
// Legend: B batch, H heads, T queries, S keys, D channels per head.
//
// Written with primitives this is a transpose copy of k, a batched matmul, a scaling, one
// masked_fill per mask and a softmax, each a pass over [B, H, T, S] forward and more backward;
// the fused kernel does one GEMM per (b, h) and the row work in place. The backward is fused too,
// and evaluated with tensor ops when it must itself be differentiable (create_graph).
#include <fmt/format.h>

#include <vector>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {

// The combined mask as 0/1 in `dtype`, broadcastable to [B, H, T, S], or undefined for no mask.
// `padding` is [B, S], already 0/1 in `dtype`.
Tensor mask_tensor(int64_t B, int64_t T, int64_t S, bool causal, const Tensor& padding, DType dtype,
                   Device device) {
  Tensor mask;
  if (causal) {
    std::vector<double> future(static_cast<size_t>(T * S), 0.0);  // 1 where key j > query i
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = i + 1; j < S; ++j) future[static_cast<size_t>(i * S + j)] = 1.0;
    mask = cast(from_vector(future, {T, S}).to(device), dtype);  // [T, S]
  }
  if (padding.defined()) {
    Tensor pad = reshape(padding, {B, 1, 1, S});
    mask = mask.defined() ? maximum(mask, pad) : pad;  // [B, 1, T, S]
  }
  return mask;
}

}  // namespace

// P = softmax(scale * q k^T, masked);  with G the gradient of P:
//   dS = P * (G - rowsum(G * P)) * scale  (0 where masked),  dq = dS k,  dk = dS^T q
Tensor attention_weights(const Tensor& q, const Tensor& k, double scale, bool causal,
                         const Tensor& key_padding_mask) {
  check_floating(q, "attention_weights");
  check_floating(k, "attention_weights");
  check_same_device({q, k, key_padding_mask}, "attention_weights");
  if (q.dim() != 4 || k.dim() != 4 || q.size(0) != k.size(0) || q.size(1) != k.size(1) ||
      q.size(3) != k.size(3)) {
    throw ShapeError(fmt::format("attention_weights: expected q [B, H, T, D] and k [B, H, S, D], "
                                 "got q {} and k {}", format_shape(q.shape()), format_shape(k.shape())));
  }
  if (q.dtype() != k.dtype()) {
    throw DTypeError(fmt::format("attention_weights: q and k must have one dtype, got {} and {}",
                                 dtype_name(q.dtype()), dtype_name(k.dtype())));
  }
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), S = k.size(2);
  if (causal && S != T) {
    throw ShapeError(fmt::format("attention_weights: causal attention needs as many keys as queries, "
                                 "got T = {} and S = {}", T, S));
  }
  Tensor padding;  // [B, S] in q's dtype, nonzero at padding keys
  if (key_padding_mask.defined()) {
    if (key_padding_mask.shape() != Shape{B, S}) {
      throw ShapeError(fmt::format("attention_weights: key_padding_mask must be [B, S] = [{}, {}], got {}",
                                   B, S, format_shape(key_padding_mask.shape())));
    }
    // 0/1 first, so that a fractional or huge mask value stays nonzero in any dtype.
    Tensor nonzero = ne(key_padding_mask.detach(), zeros({}, key_padding_mask.dtype(), key_padding_mask.device()));
    padding = nonzero.dtype() == q.dtype() ? nonzero : cast(nonzero, q.dtype()).detach();
  }
  Tensor out = Tensor::empty({B, H, T, S}, q.dtype(), q.device());  // [B, H, T, S]
  backend(q).attention_weights(q, k, scale, causal, padding, out);

  record(out, "attention_weights", {q, k},
         [q, k, scale, causal, padding](const Tensor& g, const Tensor& p) {
           if (!grad_mode_enabled()) {
             Tensor dq = Tensor::empty(q.shape(), q.dtype(), q.device()),
                    dk = Tensor::empty(k.shape(), k.dtype(), k.device());
             backend(q).attention_weights_backward(g, p, q, k, scale, causal, padding, dq, dk);
             return grads{dq, dk};
           }
           Tensor ds = p * (g - sum(g * p, {-1}, true)) * scale;  // [B, H, T, S]
           Tensor mask = mask_tensor(q.size(0), q.size(2), k.size(2), causal, padding, q.dtype(), q.device());
           if (mask.defined()) ds = where(mask, zeros({}, ds.dtype(), ds.device()), ds);
           return grads{matmul(ds, k), matmul(transpose(ds, -1, -2), q)};  // [B, H, T, D], [B, H, S, D]
         },
         true);
  return out;
}

}  // namespace candor
