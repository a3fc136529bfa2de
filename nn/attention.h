// Multi-head scaled dot-product attention, as GPT-2 computes it, written with engine ops (the
// scores, mask and softmax are one fused op, attention_weights, with its own backward).
//
// Legend: B batch, T query tokens, S key tokens (S = T in self-attention), C channels,
// H heads, D = C / H channels per head.
//
//   qkv = x @ W_attn + b_attn                 [B, T, 3C]   (one fused projection, Conv1D layout)
//   q, k, v = split(qkv) -> heads             [B, H, T, D]
//   scores = q @ k^T / sqrt(D)                [B, H, T, S]   the three lines: one op,
//   scores[masked] = lowest                   causal: key j > query i; padding: key j is pad
//   P = softmax(scores)                       [B, H, T, S]   attention_weights(q, k, ...)
//   y = dropout(P) @ v                        [B, H, T, D] -> [B, T, C]
//   out = dropout(y @ W_proj + b_proj)        [B, T, C]
//
// Masked scores are filled with the dtype's lowest finite value, as transformers' GPT-2 does
// (torch.finfo(dtype).min), not -inf: a query whose every key is masked (a left-padded position)
// then gets uniform weights instead of NaN, and the other rows are unchanged (exp underflows to 0).
#pragma once

#include <cstdint>
#include <memory>

#include "engine/generator.h"
#include "nn/kv_cache.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace candor::nn {

// GPT-2's Conv1D: y = x @ weight + bias with weight [in, out] (the transpose of Linear's layout,
// as in the Hugging Face checkpoints); x [..., in] -> y [..., out]. weight ~ N(0, std^2), bias 0.
// With a LoRA adapter (nn/lora.h): y = x @ weight + bias + lora(x), unless it is merged.
class Conv1D : public Module {
 public:
  Conv1D(int64_t in, int64_t out, Generator& gen, double std = 0.02);
  Tensor forward(const Tensor& x) override;
  // As Linear::add_lora: registers `adapter` as the child "lora" (ValueError: null, sizes other
  // than [in] -> [out], or already adapted) and converts it to the weight's dtype.
  void add_lora(std::shared_ptr<LoraAdapter> adapter);
  Tensor weight, bias;  // [in, out], [out]
  std::shared_ptr<LoraAdapter> lora;  // null without an adapter
};

// softmax(q k^T / sqrt(D) + mask) v for q [B, H, T, D], k and v [B, H, S, D] -> [B, H, T, D].
// causal: query i attends to keys j <= i (requires S == T). key_padding_mask [B, S] (any dtype):
// nonzero marks a padding key that no query attends to (PyTorch's key_padding_mask convention;
// Hugging Face's attention_mask is its complement). attn_dropout is applied to the weights when
// given (a Dropout module; identity in eval mode).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                    const Tensor& key_padding_mask = Tensor(),
                                    Dropout* attn_dropout = nullptr);

// Self-attention with a fused QKV projection; parameters c_attn.{weight,bias} ([C, 3C], [3C]) and
// c_proj.{weight,bias} ([C, C], [C]), as GPT-2's GPT2Attention. c_proj's weight is drawn with
// std 0.02 / sqrt(2 * n_layer), as GPT-2 does for residual projections.
class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t n_embd, int64_t n_head, bool causal, double attn_pdrop,
                     double resid_pdrop, Generator& gen, int64_t n_layer = 1);
  // x [B, T, C] -> [B, T, C]
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& key_padding_mask);
  // With a cache (nn/kv_cache.h; inference only, ValueError under grad mode): x's keys and values
  // are appended to cache's, and x's queries attend to all of them. An empty cache is filled by a
  // whole (causal) context; once filled, x must be one token [B, 1, C], which sees every cached
  // position and itself. key_padding_mask, if given, covers all the keys [B, S + T].
  Tensor forward(const Tensor& x, const Tensor& key_padding_mask, LayerKv* cache);

  int64_t n_embd, n_head;
  bool causal;
  std::shared_ptr<Conv1D> c_attn, c_proj;
  std::shared_ptr<Dropout> attn_dropout, resid_dropout;
};

}  // namespace candor::nn
