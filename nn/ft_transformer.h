// FT-Transformer (Gorishniy, Rubachev, Khrulkov & Babenko, "Revisiting Deep Learning Models for
// Tabular Data", NeurIPS 2021, section 3.3 and appendix): every feature becomes a d-dimensional
// token, a [CLS] token is appended, a stack of transformer blocks mixes the tokens, and a small
// head reads the [CLS] token.
//
// Legend: B batch, F columns of the encoded feature matrix, N = n_num + n_cat + 1 tokens
// (numeric features, categorical features, [CLS]), d = d_token width, H heads, f = d_ffn.
//
// Input: x [B, F], the datasets::Encoder output (numeric columns standardised, each categorical
// column one-hot over its training categories, contiguous; an unseen category is all zeros). A
// TabularToken says which columns form a feature; columns no token names are not read (a
// sensitive attribute kept in x for a fairness penalty, say).
//
//   Feature tokenizer                                                  [B, N-1, d]
//     numeric j:      T_j = x[:, c_j] * W_j + b_j      W, b [n_num, d]: one broadcast multiply
//     categorical j:  T_j = x[:, c_j : c_j + k_j] @ E_j + b_j          E_j [k_j, d], b_j [d]
//                     (a one-hot row picks row E_j[k], the paper's embedding lookup; an all-zero
//                      row, an unseen category, gives b_j alone)
//   h = concat(numeric tokens, categorical tokens, cls)                 [B, N, d]
//   for each block i (pre-norm residual; block 0 has no attention LayerNorm, as in the paper):
//     h = h + drop_r(MHSA(LN_a(h)))     non-causal MultiHeadAttention   [B, N, d]
//     h = h + drop_r(FFN(LN_f(h)))                                      [B, N, d]
//     FFN(z) = drop_f(a * relu(g)) @ W_2^T + b_2,  [a | g] = z @ W_1^T + b_1   [B, N, 2f] -> [B, N, d]
//              (ReGLU: the first half a is the value, the second half g is gated through relu)
//   features = h[:, N-1, :]            the [CLS] token after the last block   [B, d]
//   logits = Linear(relu(LN_h(features)))                               [B, outputs]
//
// The paper appends [CLS] after the feature tokens; without positional encodings the position is
// irrelevant (attention is permutation-equivariant), and the output does not depend on the token
// order either.
//
// Parameter names (d = d_token, f = d_ffn):
//   tokenizer.numeric_weight [n_num, d], tokenizer.numeric_bias [n_num, d]   (absent if n_num = 0)
//   tokenizer.categorical.{j}.weight [k_j, d], .bias [d]   j counts the categorical tokens only,
//                                                         in the order the caller listed them
//   cls [d]
//   blocks.{i}.attention_norm.{weight,bias}               (absent in block 0)
//   blocks.{i}.attention.c_attn.{weight [d, 3d], bias}, .c_proj.{weight [d, d], bias}
//   blocks.{i}.ffn_norm.*, blocks.{i}.ffn.linear_first.{weight [2f, d], bias},
//   blocks.{i}.ffn.linear_second.{weight [d, f], bias}
//   head.norm.*, head.linear.{weight [outputs, d], bias}
//
// Initialisation: tokenizer weights and biases and cls ~ U(-1/sqrt(d), 1/sqrt(d)) (rtdl's
// kaiming-uniform style); every linear map, the attention projections included, as PyTorch's
// nn.Linear default (U(+-1/sqrt(fan_in)) for weight and bias, not GPT-2's N(0, 0.02^2));
// LayerNorms 1 and 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "nn/attention.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace candor::nn {

// Which columns of x form one feature token.
struct TabularToken {
  enum class Kind { Numeric, Categorical } kind;
  int64_t first;     // first column of x
  int64_t count;     // 1 for numeric; the one-hot width for categorical
  std::string name;  // feature name, for errors and explanations
};

struct FtTransformerConfig {
  int64_t d_token = 32;
  int64_t n_blocks = 2;
  int64_t n_heads = 4;
  double ffn_factor = 4.0 / 3.0;  // d_ffn = round(d_token * ffn_factor), the ReGLU hidden width
  double attention_dropout = 0.1;  // on the attention weights
  double ffn_dropout = 0.1;        // on the ReGLU output
  double residual_dropout = 0.0;   // on each branch before it is added to the residual stream
  int64_t outputs = 1;             // logits
  // ValueError naming the field unless d_token, n_blocks, n_heads and outputs are positive,
  // d_token % n_heads == 0, d_ffn >= 1 and every dropout probability is in [0, 1).
  void validate() const;
  int64_t d_ffn() const;
};

// E_j [k, d] and b_j [d] of one categorical feature: onehot [B, k] -> onehot @ E_j + b_j [B, d].
class CategoricalEmbedding : public Module {
 public:
  CategoricalEmbedding(int64_t count, int64_t d_token, Generator& gen);
  Tensor forward(const Tensor& onehot) override;
  Tensor weight, bias;  // [k, d], [d]
};

// x [B, F] -> tokens [B, n_num + n_cat, d] (numeric tokens first, then categorical, each group in
// the order given). Checks the tokens: ValueError naming the token for an empty list, count <= 0,
// a numeric token with count != 1, columns outside [0, num_columns) or two tokens sharing a column.
class FeatureTokenizer : public Module {
 public:
  FeatureTokenizer(std::vector<TabularToken> tokens, int64_t num_columns, int64_t d_token, Generator& gen);
  Tensor forward(const Tensor& x) override;
  // The tokens in the order of the token axis (numeric, then categorical).
  const std::vector<TabularToken>& tokens() const { return ordered_; }
  int64_t num_columns() const { return num_columns_; }
  int64_t d_token() const { return d_token_; }

  Tensor numeric_weight, numeric_bias;            // [n_num, d] each; undefined when n_num = 0
  std::vector<std::shared_ptr<CategoricalEmbedding>> categorical;  // registered as "categorical.{j}"

 private:
  std::vector<TabularToken> ordered_;
  Tensor numeric_columns_;  // int64 [n_num]: the column of each numeric token
  int64_t num_columns_, d_token_, n_numeric_ = 0;
};

// Linear(d, 2f) -> ReGLU -> dropout -> Linear(f, d); [B, N, d] -> [B, N, d].
class FtFeedForward : public Module {
 public:
  FtFeedForward(int64_t d_token, int64_t d_ffn, double dropout, Generator& gen);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<Linear> linear_first, linear_second;
  std::shared_ptr<Dropout> dropout;
};

// One pre-norm block; attention_norm is null in block 0. [B, N, d] -> [B, N, d].
class FtBlock : public Module {
 public:
  FtBlock(const FtTransformerConfig& config, bool attention_norm, Generator& gen);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<LayerNorm> attention_norm, ffn_norm;
  std::shared_ptr<MultiHeadAttention> attention;  // its resid_dropout is drop_r
  std::shared_ptr<FtFeedForward> ffn;
  std::shared_ptr<Dropout> residual_dropout;      // drop_r after the FFN
};

// LayerNorm -> ReLU -> Linear(d, outputs); [B, d] -> [B, outputs].
class FtHead : public Module {
 public:
  FtHead(int64_t d_token, int64_t outputs, Generator& gen);
  Tensor forward(const Tensor& features) override;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Linear> linear;
};

class FtTransformer : public Module {
 public:
  // config.validate() and the tokenizer's checks run here.
  FtTransformer(std::vector<TabularToken> tokens, int64_t num_columns, const FtTransformerConfig& config,
                Generator& gen);
  // x [B, F] -> logits [B, outputs]; ShapeError unless x is [B, num_columns].
  Tensor forward(const Tensor& x) override;
  // x [B, F] -> the [CLS] token after the last block [B, d] (what the head reads; cache it for
  // head-only fine-tuning).
  Tensor cls_features(const Tensor& x);
  // The head alone: features [B, d] -> [B, outputs]. forward(x) == head_forward(cls_features(x)).
  Tensor head_forward(const Tensor& features);
  // Names along the token axis: the features in tokenizer order, then "[CLS]".
  std::vector<std::string> token_names() const;
  const FtTransformerConfig& config() const { return config_; }

  std::shared_ptr<FeatureTokenizer> tokenizer;
  Tensor cls;  // [d]
  std::vector<std::shared_ptr<FtBlock>> blocks;  // registered as "blocks.0", "blocks.1", ...
  std::shared_ptr<FtHead> head;

 private:
  FtTransformerConfig config_;
};

}  // namespace candor::nn
