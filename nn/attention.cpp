// Multi-head attention from engine ops (matmul, attention_weights); shapes in nn/attention.h.
#include "nn/attention.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/init.h"
#include "nn/lora.h"

namespace candor::nn {

Conv1D::Conv1D(int64_t in, int64_t out, Generator& gen, double std) {
  if (in <= 0 || out <= 0) {
    throw ValueError(fmt::format("Conv1D: sizes must be positive, got in {} and out {}", in, out));
  }
  weight = register_parameter("weight", Tensor::empty({in, out}));  // [in, out]
  normal_(weight, 0.0, std, gen);
  bias = register_parameter("bias", zeros({out}));  // [out]
}

Tensor Conv1D::forward(const Tensor& x) {
  const int64_t in = weight.size(0);
  if (x.dim() == 0 || x.shape().back() != in) {
    throw ShapeError(fmt::format("Conv1D: input {} does not end in the layer's {} inputs",
                                 format_shape(x.shape()), in));
  }
  // y = x W + b, the GEMM starting from the bias (addmm, as Hugging Face's Conv1D computes it)
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(1);
  Tensor y = reshape(addmm(bias, reshape(x, {-1, in}), weight), out_shape);  // [..., out]
  // LoRA (lora.h): h = W0 x + (alpha / r) B A x, unless the update is merged into W already
  if (lora && !lora->merged) y = y + (*lora)(x);
  return y;
}

void Conv1D::add_lora(std::shared_ptr<LoraAdapter> adapter) {
  detail::prepare_lora(adapter, lora != nullptr, weight.size(0), weight.size(1), weight.dtype(), "Conv1D");
  lora = register_module("lora", std::move(adapter));
  lora->train(is_training());
}

namespace {

std::string shape_str(const Tensor& t) { return format_shape(t.shape()); }

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                    const Tensor& key_padding_mask, Dropout* attn_dropout) {
  if (!q.defined() || !k.defined() || !v.defined()) {
    throw ValueError("scaled_dot_product_attention: q, k and v must be defined");
  }
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || k.shape() != v.shape() ||
      q.size(0) != k.size(0) || q.size(1) != k.size(1) || q.size(3) != k.size(3)) {
    throw ShapeError(fmt::format("scaled_dot_product_attention: expected q [B, H, T, D] and k, v "
                                 "[B, H, S, D], got q {}, k {}, v {}",
                                 shape_str(q), shape_str(k), shape_str(v)));
  }
  const int64_t B = q.size(0), T = q.size(2), S = k.size(2), D = q.size(3);
  if (causal && S != T) {
    throw ShapeError(fmt::format("scaled_dot_product_attention: causal attention needs as many keys "
                                 "as queries, got T = {} and S = {}", T, S));
  }
  if (key_padding_mask.defined() && key_padding_mask.shape() != Shape{B, S}) {
    throw ShapeError(fmt::format("scaled_dot_product_attention: key_padding_mask must be [B, S] = "
                                 "[{}, {}], got {}", B, S, shape_str(key_padding_mask)));
  }
  // softmax(q k^T / sqrt(D)) with masked scores at the dtype's lowest value: one fused op.
  Tensor weights = attention_weights(q, k, 1.0 / std::sqrt(static_cast<double>(D)), causal,
                                     key_padding_mask);  // [B, H, T, S]
  if (attn_dropout != nullptr) weights = (*attn_dropout)(weights);
  return matmul(weights, v);  // [B, H, T, D]
}

MultiHeadAttention::MultiHeadAttention(int64_t embd, int64_t heads, bool is_causal, double attn_pdrop,
                                       double resid_pdrop, Generator& gen, int64_t n_layer)
    : n_embd(embd), n_head(heads), causal(is_causal) {
  if (embd <= 0 || heads <= 0 || embd % heads != 0) {
    throw ValueError(fmt::format("MultiHeadAttention: n_embd ({}) must be a positive multiple of "
                                 "n_head ({})", embd, heads));
  }
  if (n_layer <= 0) throw ValueError(fmt::format("MultiHeadAttention: n_layer must be positive, got {}", n_layer));
  c_attn = register_module("c_attn", std::make_shared<Conv1D>(embd, 3 * embd, gen));
  c_proj = register_module("c_proj", std::make_shared<Conv1D>(embd, embd, gen,
                                                              0.02 / std::sqrt(2.0 * static_cast<double>(n_layer))));
  attn_dropout = register_module("attn_dropout", std::make_shared<Dropout>(attn_pdrop, gen));
  resid_dropout = register_module("resid_dropout", std::make_shared<Dropout>(resid_pdrop, gen));
}

Tensor MultiHeadAttention::forward(const Tensor& x, const Tensor& key_padding_mask) {
  return forward(x, key_padding_mask, nullptr);
}

Tensor MultiHeadAttention::forward(const Tensor& x, const Tensor& key_padding_mask, LayerKv* cache) {
  if (x.dim() != 3 || x.size(2) != n_embd) {
    throw ShapeError(fmt::format("MultiHeadAttention: expected x [B, T, {}], got {}", n_embd, shape_str(x)));
  }
  const int64_t B = x.size(0), T = x.size(1), C = n_embd, H = n_head, D = C / H;
  const bool cached = cache != nullptr && cache->k.defined();
  if (cache != nullptr && grad_mode_enabled()) {
    throw ValueError("MultiHeadAttention: the KV cache is for inference; run it under NoGradGuard");
  }
  if (cached && (T != 1 || cache->k.size(0) != B)) {
    throw ShapeError(fmt::format("MultiHeadAttention: after the cache is filled, x must be one token "
                                 "[{}, 1, {}], got {}", cache->k.size(0), C, shape_str(x)));
  }
  Tensor qkv = (*c_attn)(x);  // [B, T, 3C]
  auto heads = [&](int64_t part) {  // [B, T, C] slice -> [B, H, T, D]
    return permute(reshape(slice(qkv, -1, part * C, (part + 1) * C), {B, T, H, D}), {0, 2, 1, 3});
  };
  Tensor k = heads(1), v = heads(2);  // [B, H, T, D]
  if (cached) {
    k = concat({cache->k, k}, 2);  // [B, H, S + 1, D]
    v = concat({cache->v, v}, 2);
  }
  if (cache != nullptr) *cache = LayerKv{k, v};
  // The one new token is the last position: the causal mask hides nothing from it.
  Tensor y = scaled_dot_product_attention(heads(0), k, v, causal && !cached, key_padding_mask,
                                          attn_dropout.get());  // [B, H, T, D]
  y = reshape(permute(y, {0, 2, 1, 3}), {B, T, C});                // [B, T, C]
  return (*resid_dropout)((*c_proj)(y));
}

}  // namespace candor::nn
