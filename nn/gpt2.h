// GPT-2 (Radford et al., 2019) with the parameter names and layouts of Hugging Face's
// GPT2LMHeadModel, so the public checkpoints (gpt2, distilgpt2, ...) load as they are.
//
// Legend: B batch, T tokens, C = n_embd channels, V vocabulary, L = n_layer blocks.
//
//   h = drop(wte[ids] + wpe[0..T))                        [B, T, C]
//   for each block i (pre-LayerNorm):
//     h = h + attn(ln_1(h))        causal, fused QKV      [B, T, C]
//     h = h + mlp(ln_2(h))         c_fc [C, 4C], gelu_new, c_proj [4C, C]
//   logits = ln_f(h) @ wte^T       tied lm_head           [B, T, V]
//
// Parameter names: transformer.wte.weight [V, C], transformer.wpe.weight [n_positions, C],
// transformer.h.{i}.ln_1.{weight,bias}, .attn.c_attn.{weight [C, 3C], bias}, .attn.c_proj.*,
// .ln_2.*, .mlp.c_fc.*, .mlp.c_proj.* (Conv1D layout [in, out]), transformer.ln_f.*. The lm_head
// is wte itself, not a parameter of its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "nn/attention.h"
#include "nn/kv_cache.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/safetensors.h"

namespace candor::nn {

struct Gpt2Config {
  int64_t vocab_size = 50257;
  int64_t n_positions = 1024;
  int64_t n_embd = 768;
  int64_t n_layer = 12;
  int64_t n_head = 12;
  double layer_norm_epsilon = 1e-5;
  double embd_pdrop = 0.1;
  double attn_pdrop = 0.1;
  double resid_pdrop = 0.1;
  // ValueError naming the field unless every size is positive, n_embd % n_head == 0, eps > 0 and
  // every dropout probability is in [0, 1).
  void validate() const;
};

// Reads a Hugging Face config.json. Keys read: vocab_size, n_positions, n_embd, n_layer, n_head,
// layer_norm_epsilon, embd_pdrop, attn_pdrop, resid_pdrop; a missing key keeps GPT2Config's
// default (as transformers' GPT2Config). A model_type other than "gpt2", an activation_function
// other than "gelu_new" / "gelu_pytorch_tanh", a key of the wrong JSON type or a value that fails
// validate() throws CheckpointError naming the file and the key.
Gpt2Config from_config_json(const std::string& path);

// One pre-LayerNorm transformer block: h + attn(ln_1(h)), then + mlp(ln_2(h)).
class Gpt2Mlp : public Module {
 public:
  Gpt2Mlp(const Gpt2Config& config, Generator& gen);
  Tensor forward(const Tensor& x) override;  // [B, T, C] -> [B, T, C]
  std::shared_ptr<Conv1D> c_fc, c_proj;
  std::shared_ptr<Dropout> dropout;
};

class Gpt2Block : public Module {
 public:
  Gpt2Block(const Gpt2Config& config, Generator& gen);
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  Tensor forward(const Tensor& x, const Tensor& key_padding_mask);  // [B, T, C] -> [B, T, C]
  // With the block's attention cache (MultiHeadAttention::forward with a cache).
  Tensor forward(const Tensor& x, const Tensor& key_padding_mask, LayerKv* cache);
  std::shared_ptr<LayerNorm> ln_1, ln_2;
  std::shared_ptr<MultiHeadAttention> attn;
  std::shared_ptr<Gpt2Mlp> mlp;
};

// The "transformer." subtree: embeddings, blocks and the final LayerNorm.
class Gpt2Transformer : public Module {
 public:
  Gpt2Transformer(const Gpt2Config& config, Generator& gen);
  Tensor forward(const Tensor& ids) override { return forward(ids, Tensor()); }
  // ids [B, T] int64 -> hidden states after ln_f [B, T, C]
  Tensor forward(const Tensor& ids, const Tensor& key_padding_mask);
  // With a KV cache holding S positions (inference only): ids are positions S..S+T-1, their keys
  // and values are appended to the cache, and S + T must not exceed n_positions. Once the cache
  // is filled, T must be 1; key_padding_mask, if given, is then [B, S + T]. cache may be null (no
  // cache). position_ids [B, T] int64 in [0, n_positions), if given, replace S..S+T-1 (left-padded
  // rows count their positions from their first real token).
  Tensor forward(const Tensor& ids, const Tensor& key_padding_mask, KvCache* cache,
                 const Tensor& position_ids = Tensor());
  // The same from token embeddings [B, T, C] in place of wte(ids), positions 0..T-1, no cache:
  // attributions (integrated gradients) are taken with respect to these.
  Tensor forward_embeddings(const Tensor& token_embeddings, const Tensor& key_padding_mask = Tensor());
  Gpt2Config config;
  std::shared_ptr<Embedding> wte, wpe;
  std::shared_ptr<Dropout> drop;
  std::vector<std::shared_ptr<Gpt2Block>> h;  // registered as "h.0", "h.1", ...
  std::shared_ptr<LayerNorm> ln_f;
};

// GPT2LMHeadModel. Built with GPT-2's initialisation (weights N(0, 0.02^2), residual projections
// N(0, (0.02 / sqrt(2L))^2), biases 0, LayerNorms 1 and 0), or loaded with from_pretrained.
class Gpt2Model : public Module {
 public:
  Gpt2Model(const Gpt2Config& config, Generator& gen);
  // ids [B, T] int64 (T <= n_positions, ids in [0, V)) -> logits [B, T, V]
  Tensor forward(const Tensor& ids) override { return forward(ids, Tensor()); }
  // key_padding_mask [B, T]: nonzero marks padding tokens no position attends to (the complement
  // of Hugging Face's attention_mask). Positions are 0..T-1 whatever the padding.
  Tensor forward(const Tensor& ids, const Tensor& key_padding_mask);
  // The hidden states after ln_f [B, T, C] (features for a classification head).
  Tensor hidden_states(const Tensor& ids, const Tensor& key_padding_mask = Tensor());
  // Runs ids [B, T] through the model with a KV cache (Gpt2Transformer::forward's rules; under
  // NoGradGuard) and returns the logits after the last token only [B, V]: a prompt fills the
  // empty cache, then each generated token is one call with T = 1.
  Tensor next_token_logits(const Tensor& ids, KvCache& cache, const Tensor& key_padding_mask = Tensor(),
                           const Tensor& position_ids = Tensor());
  const Gpt2Config& config() const { return transformer->config; }
  std::shared_ptr<Gpt2Transformer> transformer;
};

// GPT2ForSequenceClassification: the transformer and a bias-free linear `score` ([num_labels, C],
// N(0, 0.02^2) as Hugging Face initialises it) applied to each row's last non-padding token:
//
//   h = transformer(ids, pad mask)            [B, T, C]
//   last_b = the last t with ids[b, t] != pad_token_id
//   logits[b] = score(h[b, last_b])           [B, num_labels]
//
// Padding is recognised by pad_token_id, as transformers does (GPT-2 has no pad token of its own;
// <|endoftext|> = 50256 is the usual choice, so a text that ends with it reads as padded). Pads
// are masked as keys, so a right-padded row gives the same logits as the row alone. Parameter
// names: transformer.* as Gpt2Model, score.weight.
class Gpt2ForSequenceClassification : public Module {
 public:
  Gpt2ForSequenceClassification(std::shared_ptr<Gpt2Transformer> transformer, int64_t num_labels,
                                int64_t pad_token_id, Generator& gen);
  // ids [B, T] int64 -> logits [B, num_labels]. ValueError for a row of padding only.
  Tensor forward(const Tensor& ids) override { return head_forward(features(ids)); }
  // The hidden state at each row's last non-padding token [B, C]: what the head reads.
  Tensor features(const Tensor& ids);
  // The head alone: features [B, C] -> [B, num_labels].
  Tensor head_forward(const Tensor& features);
  // Logits from token embeddings [B, T, C] (wte(ids), or a point on a path to them) instead of
  // wte(ids); `ids` [B, T] still say which tokens are padding and which one each row ends on.
  Tensor forward_embeddings(const Tensor& ids, const Tensor& token_embeddings);
  std::shared_ptr<Gpt2Transformer> transformer;
  std::shared_ptr<Linear> score;
  int64_t pad_token_id;
};

// Loads dir/config.json and dir/model.safetensors. Tensor names are accepted with or without the
// "transformer." prefix; the attention mask buffers (attn.bias, attn.masked_bias) are ignored;
// lm_head.weight may be absent (save_pretrained omits tied weights) or present, and then must
// equal wte. F32, F16 and BF16 tensors load (as float32). Every problem throws CheckpointError
// naming the tensor: a missing, unexpected or duplicated tensor, a wrong shape, a wrong stored
// dtype, an lm_head that differs from wte; a bad file or config likewise.
std::shared_ptr<Gpt2Model> from_pretrained(const std::string& dir);

// Writes dir/config.json (the Hugging Face keys from_config_json reads, model_type "gpt2",
// activation "gelu_new") and dir/model.safetensors (F32, "transformer." names, no lm_head):
// what from_pretrained reads back, and what transformers' GPT2LMHeadModel.from_pretrained reads.
void save_pretrained(const Gpt2Model& model, const std::string& dir);

// Token generation. greedy picks the argmax at each step. Otherwise the last position's logits
// are divided by temperature, cut to the top_k largest (0: no cut; ties at the k-th value are
// kept), then to the smallest set of most likely tokens whose probability reaches top_p (1: no
// cut; the most likely token always stays), as transformers' TopK/TopP logits warpers; one token
// is drawn from the rest with a uniform number from a Generator seeded with `seed`.
//
// use_cache (the default) runs the prompt once into a KV cache, then each new token alone,
// attending to the cached keys and values; false reruns the whole context at every step. Both
// choose the same tokens (up to float rounding in near-ties).
struct GenerateOptions {
  bool greedy = true;
  int64_t top_k = 0;
  double top_p = 1.0;
  double temperature = 1.0;
  uint64_t seed = 0;
  bool use_cache = true;
};

// What a generate call cost: forwards of a whole context (the prompt, or a cropped window: see
// generate), and the most memory its KV cache held (0 without one).
struct GenerateStats {
  int64_t context_runs = 0;
  int64_t peak_cache_bytes = 0;
};

// Appends max_new_tokens tokens to prompt_ids and returns prompt + new tokens. The model runs in
// eval mode without grad (its training flag is restored afterwards); the context fed to it is
// the last n_positions tokens. With the cache, once the sequence is longer than n_positions
// every step reruns the cropped window (its positions all shift by one), as without it. stats,
// when given, is filled in. ValueError on an empty prompt, an id outside [0, V), a negative
// max_new_tokens or bad sampling options.
std::vector<int64_t> generate(Gpt2Model& model, const std::vector<int64_t>& prompt_ids,
                              int64_t max_new_tokens, const GenerateOptions& options = {},
                              GenerateStats* stats = nullptr);

// generate for several prompts at once: row b is what generate(prompts[b], ...) returns (each
// row samples from its own Generator seeded with options.seed). With the cache the prompts run
// as one batch, left-padded to the longest: pads are masked keys, and each row's positions count
// from its first token; each step then runs one token per row. Past n_positions every row's
// window is rerun. Without the cache each row runs alone, as generate does. ValueError as
// generate's, naming the prompt, or for no prompts.
std::vector<std::vector<int64_t>> generate_batch(Gpt2Model& model, const std::vector<std::vector<int64_t>>& prompts,
                                                 int64_t max_new_tokens, const GenerateOptions& options = {},
                                                 GenerateStats* stats = nullptr);

}  // namespace candor::nn
