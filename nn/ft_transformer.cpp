// FT-Transformer from engine ops and nn layers; the math, shapes and names are in
// nn/ft_transformer.h.
#include "nn/ft_transformer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.h"
#include "engine/ops/ops.h"
#include "nn/init.h"

namespace candor::nn {

namespace {

const char* kind_name(TabularToken::Kind kind) {
  return kind == TabularToken::Kind::Numeric ? "numeric" : "categorical";
}

std::string describe(size_t i, const TabularToken& t) {
  return fmt::format("{} token {} \"{}\"", kind_name(t.kind), i, t.name);
}

// ValueError naming the first bad token (its index in the caller's list and its name).
void check_tokens(const std::vector<TabularToken>& tokens, int64_t num_columns) {
  if (num_columns <= 0) {
    throw ValueError(fmt::format("FeatureTokenizer: num_columns must be positive, got {}", num_columns));
  }
  if (tokens.empty()) throw ValueError("FeatureTokenizer: the token list is empty; give at least one feature");
  for (size_t i = 0; i < tokens.size(); ++i) {
    const TabularToken& t = tokens[i];
    if (t.kind != TabularToken::Kind::Numeric && t.kind != TabularToken::Kind::Categorical) {
      throw ValueError(fmt::format("FeatureTokenizer: token {} \"{}\" has an unknown kind", i, t.name));
    }
    if (t.count <= 0) {
      throw ValueError(fmt::format("FeatureTokenizer: {} has count {}; it must be positive", describe(i, t), t.count));
    }
    if (t.kind == TabularToken::Kind::Numeric && t.count != 1) {
      throw ValueError(fmt::format("FeatureTokenizer: {} has count {}; a numeric token is one column",
                                   describe(i, t), t.count));
    }
    if (t.first < 0 || t.first >= num_columns || t.count > num_columns - t.first) {
      throw ValueError(fmt::format("FeatureTokenizer: {} covers columns [{}, {}), outside [0, {}) "
                                   "(num_columns = {})",
                                   describe(i, t), t.first, t.first + t.count, num_columns, num_columns));
    }
  }
  // Overlaps: sort the column ranges by their first column and compare neighbours.
  std::vector<size_t> order(tokens.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tokens[a].first < tokens[b].first; });
  for (size_t k = 1; k < order.size(); ++k) {
    const TabularToken &a = tokens[order[k - 1]], &b = tokens[order[k]];
    if (b.first < a.first + a.count) {
      throw ValueError(fmt::format("FeatureTokenizer: {} and {} share column {} (tokens must not overlap)",
                                   describe(order[k - 1], a), describe(order[k], b), b.first));
    }
  }
}

void check_features(const Tensor& x, int64_t num_columns, const char* who) {
  if (!x.defined()) throw ValueError(fmt::format("{}: x is undefined", who));
  if (x.dim() != 2 || x.size(1) != num_columns) {
    throw ShapeError(fmt::format("{}: expected x [B, {}] (the encoded feature matrix), got {}", who,
                                 num_columns, format_shape(x.shape())));
  }
  if (!x.is_floating_point()) {
    throw DTypeError(fmt::format("{}: x must be floating point, got {}", who, dtype_name(x.dtype())));
  }
}

// PyTorch's nn.Linear default for a weight of any layout with the given fan-in.
void linear_default_(Tensor& weight, Tensor& bias, int64_t fan_in, Generator& gen) {
  kaiming_uniform_(weight, fan_in, gen);  // U(+-1/sqrt(fan_in))
  linear_bias_uniform_(bias, fan_in, gen);
}

}  // namespace

// ---- config ----

int64_t FtTransformerConfig::d_ffn() const {
  return static_cast<int64_t>(std::llround(static_cast<double>(d_token) * ffn_factor));
}

void FtTransformerConfig::validate() const {
  auto positive = [](int64_t v, const char* name) {
    if (v <= 0) throw ValueError(fmt::format("FtTransformerConfig: {} must be positive, got {}", name, v));
  };
  positive(d_token, "d_token");
  positive(n_blocks, "n_blocks");
  positive(n_heads, "n_heads");
  positive(outputs, "outputs");
  if (d_token % n_heads != 0) {
    throw ValueError(fmt::format("FtTransformerConfig: d_token ({}) must be a multiple of n_heads ({})",
                                 d_token, n_heads));
  }
  if (!std::isfinite(ffn_factor) || !(ffn_factor > 0) || d_ffn() < 1) {
    throw ValueError(fmt::format("FtTransformerConfig: ffn_factor ({}) must give d_ffn = round(d_token * "
                                 "ffn_factor) >= 1 (d_token = {})", ffn_factor, d_token));
  }
  for (auto [p, name] : {std::pair{attention_dropout, "attention_dropout"}, {ffn_dropout, "ffn_dropout"},
                         {residual_dropout, "residual_dropout"}}) {
    if (!(p >= 0 && p < 1)) throw ValueError(fmt::format("FtTransformerConfig: {} must be in [0, 1), got {}", name, p));
  }
}

// ---- tokenizer ----

CategoricalEmbedding::CategoricalEmbedding(int64_t count, int64_t d_token, Generator& gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(d_token));
  weight = register_parameter("weight", Tensor::empty({count, d_token}));  // [k, d]
  bias = register_parameter("bias", Tensor::empty({d_token}));            // [d]
  uniform_(weight, -bound, bound, gen);
  uniform_(bias, -bound, bound, gen);
}

Tensor CategoricalEmbedding::forward(const Tensor& onehot) {
  return matmul(onehot, weight) + bias;  // [B, k] @ [k, d] + [d] -> [B, d]
}

FeatureTokenizer::FeatureTokenizer(std::vector<TabularToken> tokens, int64_t num_columns, int64_t d_token,
                                   Generator& gen)
    : num_columns_(num_columns), d_token_(d_token) {
  if (d_token <= 0) throw ValueError(fmt::format("FeatureTokenizer: d_token must be positive, got {}", d_token));
  check_tokens(tokens, num_columns);
  std::vector<int64_t> numeric_columns;
  for (const TabularToken& t : tokens) {
    if (t.kind == TabularToken::Kind::Numeric) {
      ordered_.push_back(t);
      numeric_columns.push_back(t.first);
    }
  }
  n_numeric_ = static_cast<int64_t>(numeric_columns.size());
  for (const TabularToken& t : tokens) {
    if (t.kind == TabularToken::Kind::Categorical) ordered_.push_back(t);
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(d_token));
  if (n_numeric_ > 0) {
    numeric_columns_ = from_vector(numeric_columns, {n_numeric_});
    numeric_weight = register_parameter("numeric_weight", Tensor::empty({n_numeric_, d_token}));  // [n_num, d]
    numeric_bias = register_parameter("numeric_bias", Tensor::empty({n_numeric_, d_token}));      // [n_num, d]
    uniform_(numeric_weight, -bound, bound, gen);
    uniform_(numeric_bias, -bound, bound, gen);
  }
  if (ordered_.size() > static_cast<size_t>(n_numeric_)) {
    auto list = register_module("categorical", std::make_shared<Sequential>());  // names categorical.0, ...
    for (size_t i = static_cast<size_t>(n_numeric_); i < ordered_.size(); ++i) {
      categorical.push_back(std::make_shared<CategoricalEmbedding>(ordered_[i].count, d_token, gen));
      list->append(categorical.back());
    }
  }
}

Tensor FeatureTokenizer::forward(const Tensor& x) {
  check_features(x, num_columns_, "FeatureTokenizer");
  std::vector<Tensor> parts;
  if (n_numeric_ > 0) {
    Tensor values = unsqueeze(index_select(x, 1, numeric_columns_.to(x.device())), -1);  // [B, n_num, 1]
    parts.push_back(values * numeric_weight + numeric_bias);              // [B, n_num, d]
  }
  for (size_t j = 0; j < categorical.size(); ++j) {
    const TabularToken& t = ordered_[static_cast<size_t>(n_numeric_) + j];
    Tensor onehot = slice(x, 1, t.first, t.first + t.count);       // [B, k_j]
    parts.push_back(unsqueeze((*categorical[j])(onehot), 1));      // [B, 1, d]
  }
  return parts.size() == 1 ? parts[0] : concat(parts, 1);  // [B, n_num + n_cat, d]
}

// ---- blocks ----

FtFeedForward::FtFeedForward(int64_t d_token, int64_t d_ffn, double p, Generator& gen) {
  linear_first = register_module("linear_first", std::make_shared<Linear>(d_token, 2 * d_ffn, gen));
  dropout = register_module("dropout", std::make_shared<Dropout>(p, gen));
  linear_second = register_module("linear_second", std::make_shared<Linear>(d_ffn, d_token, gen));
}

Tensor FtFeedForward::forward(const Tensor& x) {
  Tensor z = (*linear_first)(x);                // [B, N, 2f]
  const int64_t f = z.size(-1) / 2;
  Tensor value = slice(z, -1, 0, f);            // [B, N, f]
  Tensor gate = slice(z, -1, f, 2 * f);         // [B, N, f]
  Tensor h = (*dropout)(value * relu(gate));    // ReGLU [B, N, f]
  return (*linear_second)(h);                   // [B, N, d]
}

FtBlock::FtBlock(const FtTransformerConfig& c, bool with_attention_norm, Generator& gen) {
  if (with_attention_norm) {
    attention_norm = register_module("attention_norm", std::make_shared<LayerNorm>(Shape{c.d_token}));
  }
  // Non-causal; its resid_dropout is the residual dropout of the attention branch.
  attention = register_module("attention", std::make_shared<MultiHeadAttention>(
                                               c.d_token, c.n_heads, false, c.attention_dropout,
                                               c.residual_dropout, gen));
  // PyTorch's nn.Linear default instead of GPT-2's N(0, 0.02^2) (see the header).
  linear_default_(attention->c_attn->weight, attention->c_attn->bias, c.d_token, gen);
  linear_default_(attention->c_proj->weight, attention->c_proj->bias, c.d_token, gen);
  ffn_norm = register_module("ffn_norm", std::make_shared<LayerNorm>(Shape{c.d_token}));
  ffn = register_module("ffn", std::make_shared<FtFeedForward>(c.d_token, c.d_ffn(), c.ffn_dropout, gen));
  residual_dropout = register_module("residual_dropout", std::make_shared<Dropout>(c.residual_dropout, gen));
}

Tensor FtBlock::forward(const Tensor& x) {
  Tensor a = attention_norm ? (*attention_norm)(x) : x;           // block 0 reads x itself
  Tensor h = x + (*attention)(a);                                 // [B, N, d]
  return h + (*residual_dropout)((*ffn)((*ffn_norm)(h)));         // [B, N, d]
}

FtHead::FtHead(int64_t d_token, int64_t outputs, Generator& gen) {
  norm = register_module("norm", std::make_shared<LayerNorm>(Shape{d_token}));
  linear = register_module("linear", std::make_shared<Linear>(d_token, outputs, gen));
}

Tensor FtHead::forward(const Tensor& features) {
  return (*linear)(relu((*norm)(features)));  // [B, d] -> [B, outputs]
}

// ---- the model ----

FtTransformer::FtTransformer(std::vector<TabularToken> tokens, int64_t num_columns,
                             const FtTransformerConfig& config, Generator& gen)
    : config_(config) {
  config_.validate();
  const int64_t d = config_.d_token;
  tokenizer = register_module("tokenizer", std::make_shared<FeatureTokenizer>(std::move(tokens), num_columns, d, gen));
  cls = register_parameter("cls", Tensor::empty({d}));  // [d]
  const double bound = 1.0 / std::sqrt(static_cast<double>(d));
  uniform_(cls, -bound, bound, gen);
  auto list = register_module("blocks", std::make_shared<Sequential>());  // names blocks.0, blocks.1, ...
  for (int64_t i = 0; i < config_.n_blocks; ++i) {
    blocks.push_back(std::make_shared<FtBlock>(config_, i > 0, gen));
    list->append(blocks.back());
  }
  head = register_module("head", std::make_shared<FtHead>(d, config_.outputs, gen));
}

Tensor FtTransformer::cls_features(const Tensor& x) {
  check_features(x, tokenizer->num_columns(), "FtTransformer");
  const int64_t B = x.size(0), d = config_.d_token;
  Tensor features = (*tokenizer)(x);                                   // [B, N-1, d]
  Tensor c = expand(reshape(cls, {1, 1, d}), {B, 1, d});               // [B, 1, d]
  Tensor h = concat({features, c}, 1);                                 // [B, N, d]
  for (auto& block : blocks) h = (*block)(h);                          // [B, N, d]
  const int64_t N = h.size(1);
  return squeeze(slice(h, 1, N - 1, N), 1);                            // [B, d]
}

Tensor FtTransformer::head_forward(const Tensor& features) {
  if (!features.defined() || features.dim() != 2 || features.size(1) != config_.d_token) {
    throw ShapeError(fmt::format("FtTransformer: head_forward expects features [B, d_token = {}], got {}",
                                 config_.d_token,
                                 features.defined() ? format_shape(features.shape()) : std::string("undefined")));
  }
  return (*head)(features);  // [B, outputs]
}

Tensor FtTransformer::forward(const Tensor& x) { return head_forward(cls_features(x)); }

std::vector<std::string> FtTransformer::token_names() const {
  std::vector<std::string> names;
  for (const TabularToken& t : tokenizer->tokens()) names.push_back(t.name);
  names.push_back("[CLS]");
  return names;
}

}  // namespace candor::nn
