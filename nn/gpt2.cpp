// GPT-2: config, model and Hugging Face checkpoint loader (generation: gpt2_generate.cpp).
// Shapes in nn/gpt2.h.
#include "nn/gpt2.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "datasets/json_integer.h"
#include "engine/error.h"
#include "engine/files.h"
#include "engine/ops/ops.h"
#include "nn/init.h"

namespace candor::nn {

namespace fs = std::filesystem;

// ---- config ----

void Gpt2Config::validate() const {
  auto positive = [](int64_t v, const char* name) {
    if (v <= 0) throw ValueError(fmt::format("Gpt2Config: {} must be positive, got {}", name, v));
  };
  positive(vocab_size, "vocab_size");
  positive(n_positions, "n_positions");
  positive(n_embd, "n_embd");
  positive(n_layer, "n_layer");
  positive(n_head, "n_head");
  if (n_embd % n_head != 0) {
    throw ValueError(fmt::format("Gpt2Config: n_embd ({}) must be a multiple of n_head ({})", n_embd, n_head));
  }
  if (!(layer_norm_epsilon > 0) || !std::isfinite(layer_norm_epsilon)) {
    throw ValueError(fmt::format("Gpt2Config: layer_norm_epsilon must be positive, got {}", layer_norm_epsilon));
  }
  for (auto [p, name] : {std::pair{embd_pdrop, "embd_pdrop"}, {attn_pdrop, "attn_pdrop"}, {resid_pdrop, "resid_pdrop"}}) {
    if (!(p >= 0 && p < 1)) throw ValueError(fmt::format("Gpt2Config: {} must be in [0, 1), got {}", name, p));
  }
}

Gpt2Config from_config_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(fmt::format("{}: cannot open the GPT-2 config (no such file?)", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
  if (!j.is_object()) throw CheckpointError(fmt::format("{}: expected a JSON object", path));
  auto fail = [&](const std::string& key, const std::string& why) {
    throw CheckpointError(fmt::format("{}: key \"{}\" {}", path, key, why));
  };
  Gpt2Config c;
  auto read_int = [&](const char* key, int64_t& out) {
    if (!j.contains(key)) return;
    try {
      out = datasets::json_integer<int64_t>(j[key]);  // never wraps 2^64 - 1 to -1
    } catch (const nlohmann::json::exception&) {
      fail(key, fmt::format("must be an integer that fits 64 bits, got {}", j[key].dump()));
    }
  };
  auto read_double = [&](const char* key, double& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_number()) fail(key, fmt::format("must be a number, got {}", j[key].dump()));
    out = j[key].get<double>();
  };
  read_int("vocab_size", c.vocab_size);
  read_int("n_positions", c.n_positions);
  read_int("n_embd", c.n_embd);
  read_int("n_layer", c.n_layer);
  read_int("n_head", c.n_head);
  read_double("layer_norm_epsilon", c.layer_norm_epsilon);
  read_double("embd_pdrop", c.embd_pdrop);
  read_double("attn_pdrop", c.attn_pdrop);
  read_double("resid_pdrop", c.resid_pdrop);
  // Variants candor does not implement are refused rather than silently computed wrong.
  if (j.contains("model_type") && j["model_type"] != "gpt2") {
    fail("model_type", fmt::format("is {}, expected \"gpt2\"", j["model_type"].dump()));
  }
  if (j.contains("activation_function") && j["activation_function"] != "gelu_new" &&
      j["activation_function"] != "gelu_pytorch_tanh") {
    fail("activation_function", fmt::format("is {}; only \"gelu_new\" (the tanh approximation) is supported",
                                            j["activation_function"].dump()));
  }
  if (j.contains("n_inner") && !j["n_inner"].is_null() &&
      !(j["n_inner"].is_number_integer() && j["n_inner"].get<int64_t>() == 4 * c.n_embd)) {
    fail("n_inner", fmt::format("is {}; only null or 4 * n_embd is supported", j["n_inner"].dump()));
  }
  if (j.contains("scale_attn_weights") && j["scale_attn_weights"] != true) {
    fail("scale_attn_weights", "must be true (unscaled attention is not supported)");
  }
  if (j.contains("scale_attn_by_inverse_layer_idx") && j["scale_attn_by_inverse_layer_idx"] == true) {
    fail("scale_attn_by_inverse_layer_idx", "is true, which is not supported");
  }
  try {
    c.validate();
  } catch (const ValueError& e) {
    throw CheckpointError(fmt::format("{}: {}", path, e.what()));
  }
  return c;
}

// ---- model ----

Gpt2Mlp::Gpt2Mlp(const Gpt2Config& c, Generator& gen) {
  c_fc = register_module("c_fc", std::make_shared<Conv1D>(c.n_embd, 4 * c.n_embd, gen));
  c_proj = register_module("c_proj", std::make_shared<Conv1D>(4 * c.n_embd, c.n_embd, gen,
                                                              0.02 / std::sqrt(2.0 * static_cast<double>(c.n_layer))));
  dropout = register_module("dropout", std::make_shared<Dropout>(c.resid_pdrop, gen));
}

Tensor Gpt2Mlp::forward(const Tensor& x) {
  Tensor hidden = gelu((*c_fc)(x), "tanh");  // [B, T, 4C], gelu_new
  return (*dropout)((*c_proj)(hidden));      // [B, T, C]
}

Gpt2Block::Gpt2Block(const Gpt2Config& c, Generator& gen) {
  ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(Shape{c.n_embd}, c.layer_norm_epsilon));
  attn = register_module("attn", std::make_shared<MultiHeadAttention>(c.n_embd, c.n_head, true, c.attn_pdrop,
                                                                      c.resid_pdrop, gen, c.n_layer));
  ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(Shape{c.n_embd}, c.layer_norm_epsilon));
  mlp = register_module("mlp", std::make_shared<Gpt2Mlp>(c, gen));
}

Tensor Gpt2Block::forward(const Tensor& x, const Tensor& key_padding_mask) {
  return forward(x, key_padding_mask, nullptr);
}

Tensor Gpt2Block::forward(const Tensor& x, const Tensor& key_padding_mask, LayerKv* cache) {
  Tensor h = x + attn->forward((*ln_1)(x), key_padding_mask, cache);  // [B, T, C]
  return h + (*mlp)((*ln_2)(h));                               // [B, T, C]
}

Gpt2Transformer::Gpt2Transformer(const Gpt2Config& c, Generator& gen) : config(c) {
  config.validate();
  wte = register_module("wte", std::make_shared<Embedding>(c.vocab_size, c.n_embd, gen));
  wpe = register_module("wpe", std::make_shared<Embedding>(c.n_positions, c.n_embd, gen));
  normal_(wte->weight, 0.0, 0.02, gen);
  normal_(wpe->weight, 0.0, 0.02, gen);
  drop = register_module("drop", std::make_shared<Dropout>(c.embd_pdrop, gen));
  auto blocks = register_module("h", std::make_shared<Sequential>());  // names h.0, h.1, ...
  for (int64_t i = 0; i < c.n_layer; ++i) {
    h.push_back(std::make_shared<Gpt2Block>(c, gen));
    blocks->append(h.back());
  }
  ln_f = register_module("ln_f", std::make_shared<LayerNorm>(Shape{c.n_embd}, c.layer_norm_epsilon));
}

Tensor Gpt2Transformer::forward(const Tensor& ids, const Tensor& key_padding_mask) {
  return forward(ids, key_padding_mask, nullptr);
}

Tensor Gpt2Transformer::forward(const Tensor& ids, const Tensor& key_padding_mask, KvCache* cache,
                                const Tensor& position_ids) {
  if (!ids.defined() || ids.dtype() != kInt64 || ids.dim() != 2) {
    throw ValueError(fmt::format("Gpt2Model: expected ids [B, T] int64, got {}",
                                 ids.defined() ? format_shape(ids.shape()) + " " + dtype_name(ids.dtype())
                                               : std::string("an undefined tensor")));
  }
  const int64_t T = ids.size(1);
  if (T == 0 || T > config.n_positions) {
    throw ValueError(fmt::format("Gpt2Model: sequence length {} must be in [1, n_positions = {}]", T,
                                 config.n_positions));
  }
  if (cache != nullptr && cache->n_layer() != config.n_layer) {
    throw ValueError(fmt::format("Gpt2Model: the KV cache has {} layers, the model {}", cache->n_layer(),
                                 config.n_layer));
  }
  const int64_t past = cache != nullptr ? cache->length() : 0;  // positions already cached
  if (past + T > config.n_positions) {
    throw ValueError(fmt::format("Gpt2Model: {} cached positions and {} new tokens exceed n_positions = {}",
                                 past, T, config.n_positions));
  }
  for (int64_t id : ids.to_vector<int64_t>()) {
    if (id < 0 || id >= config.vocab_size) {
      throw ValueError(fmt::format("Gpt2Model: token id {} is outside the vocabulary [0, {})", id, config.vocab_size));
    }
  }
  Tensor positions = arange(static_cast<double>(past), static_cast<double>(past + T), 1, kInt64, ids.device());  // [T]
  if (position_ids.defined()) {
    if (position_ids.dtype() != kInt64 || position_ids.shape() != ids.shape()) {
      throw ValueError(fmt::format("Gpt2Model: position_ids must be int64 of the ids' shape {}, got {}",
                                   format_shape(ids.shape()), format_shape(position_ids.shape())));
    }
    for (int64_t p : position_ids.to_vector<int64_t>()) {
      if (p < 0 || p >= config.n_positions) {
        throw ValueError(fmt::format("Gpt2Model: position {} is outside [0, n_positions = {})", p, config.n_positions));
      }
    }
    positions = position_ids;  // [B, T]
  }
  Tensor x = (*wte)(ids) + (*wpe)(positions);  // [B, T, C] + [T, C] or [B, T, C]
  x = (*drop)(x);
  for (size_t i = 0; i < h.size(); ++i) {  // [B, T, C]
    x = h[i]->forward(x, key_padding_mask, cache ? &cache->layer(static_cast<int64_t>(i)) : nullptr);
  }
  return (*ln_f)(x);                                                 // [B, T, C]
}

Tensor Gpt2Transformer::forward_embeddings(const Tensor& token_embeddings, const Tensor& key_padding_mask) {
  if (!token_embeddings.defined() || token_embeddings.dim() != 3 || token_embeddings.size(2) != config.n_embd) {
    throw ValueError(fmt::format("Gpt2Model: expected token embeddings [B, T, n_embd = {}], got {}", config.n_embd,
                                 token_embeddings.defined() ? format_shape(token_embeddings.shape())
                                                            : std::string("an undefined tensor")));
  }
  const int64_t T = token_embeddings.size(1);
  if (T == 0 || T > config.n_positions) {
    throw ValueError(fmt::format("Gpt2Model: sequence length {} must be in [1, n_positions = {}]", T,
                                 config.n_positions));
  }
  Tensor x = (*drop)(token_embeddings + (*wpe)(arange(T, kInt64, token_embeddings.device())));  // [B, T, C] + [T, C]
  for (auto& block : h) x = block->forward(x, key_padding_mask);
  return (*ln_f)(x);  // [B, T, C]
}

Gpt2Model::Gpt2Model(const Gpt2Config& c, Generator& gen) {
  transformer = register_module("transformer", std::make_shared<Gpt2Transformer>(c, gen));
}

Tensor Gpt2Model::hidden_states(const Tensor& ids, const Tensor& key_padding_mask) {
  return transformer->forward(ids, key_padding_mask);
}

Tensor Gpt2Model::next_token_logits(const Tensor& ids, KvCache& cache, const Tensor& key_padding_mask,
                                    const Tensor& position_ids) {
  Tensor h = transformer->forward(ids, key_padding_mask, &cache, position_ids);  // [B, T, C]
  const int64_t T = h.size(1);
  return linear(reshape(slice(h, 1, T - 1, T), {h.size(0), h.size(2)}), transformer->wte->weight);  // [B, V]
}

Tensor Gpt2Model::forward(const Tensor& ids, const Tensor& key_padding_mask) {
  // logits = h @ wte^T: linear's weight is [out, in] = [V, C], exactly wte's layout
  return linear(hidden_states(ids, key_padding_mask), transformer->wte->weight);  // [B, T, V]
}

Gpt2ForSequenceClassification::Gpt2ForSequenceClassification(std::shared_ptr<Gpt2Transformer> backbone,
                                                             int64_t num_labels, int64_t pad_id, Generator& gen)
    : pad_token_id(pad_id) {
  if (!backbone) throw ValueError("Gpt2ForSequenceClassification: the transformer is null");
  if (num_labels <= 0) {
    throw ValueError(fmt::format("Gpt2ForSequenceClassification: num_labels must be positive, got {}", num_labels));
  }
  transformer = register_module("transformer", std::move(backbone));
  score = register_module("score", std::make_shared<Linear>(transformer->config.n_embd, num_labels, gen, false));
  normal_(score->weight, 0.0, 0.02, gen);
}

namespace {

// Per row of ids [B, T]: which tokens are padding ([B, T], 1 for a pad) and the flat index b * T + t
// of its last non-padding token ([B]). ValueError for ids that are not [B, T] int64 or a row of
// padding only.
std::pair<Tensor, Tensor> padding_and_last(const Tensor& ids, int64_t pad_token_id) {
  if (!ids.defined() || ids.dtype() != kInt64 || ids.dim() != 2) {
    throw ValueError(fmt::format("Gpt2ForSequenceClassification: expected ids [B, T] int64, got {}",
                                 ids.defined() ? format_shape(ids.shape()) + " " + dtype_name(ids.dtype())
                                               : std::string("an undefined tensor")));
  }
  const int64_t B = ids.size(0), T = ids.size(1);
  const std::vector<int64_t> values = ids.to_vector<int64_t>();
  std::vector<double> pad(values.size());
  std::vector<int64_t> last(static_cast<size_t>(B));  // flat row of [B * T] to read, per sequence
  for (int64_t b = 0; b < B; ++b) {
    int64_t found = -1;
    for (int64_t t = 0; t < T; ++t) {
      const auto at = static_cast<size_t>(b * T + t);
      pad[at] = values[at] == pad_token_id ? 1.0 : 0.0;
      if (values[at] != pad_token_id) found = t;
    }
    if (found < 0) {
      throw ValueError(fmt::format("Gpt2ForSequenceClassification: row {} is all padding (pad_token_id {})", b,
                                   pad_token_id));
    }
    last[static_cast<size_t>(b)] = b * T + found;
  }
  return {from_vector(pad, {B, T}, ids.device()), from_vector(last, {B}, ids.device())};
}

}  // namespace

Tensor Gpt2ForSequenceClassification::features(const Tensor& ids) {
  const auto [pad, last] = padding_and_last(ids, pad_token_id);
  Tensor hidden = transformer->forward(ids, pad);                        // [B, T, C]
  return index_select(reshape(hidden, {ids.size(0) * ids.size(1), -1}), 0, last);  // [B, C]
}

Tensor Gpt2ForSequenceClassification::forward_embeddings(const Tensor& ids, const Tensor& token_embeddings) {
  const auto [pad, last] = padding_and_last(ids, pad_token_id);
  if (!token_embeddings.defined() || token_embeddings.dim() != 3 || token_embeddings.size(0) != ids.size(0) ||
      token_embeddings.size(1) != ids.size(1)) {
    throw ValueError(fmt::format("Gpt2ForSequenceClassification: token embeddings {} do not match ids {}",
                                 token_embeddings.defined() ? format_shape(token_embeddings.shape()) : "(undefined)",
                                 format_shape(ids.shape())));
  }
  Tensor hidden = transformer->forward_embeddings(token_embeddings, pad);  // [B, T, C]
  return head_forward(index_select(reshape(hidden, {ids.size(0) * ids.size(1), -1}), 0, last));
}

Tensor Gpt2ForSequenceClassification::head_forward(const Tensor& features) { return (*score)(features); }

// ---- loading ----

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::shared_ptr<Gpt2Model> from_pretrained(const std::string& dir) {
  const fs::path root(dir);
  if (!fs::is_directory(root)) throw CheckpointError(fmt::format("from_pretrained: {} is not a directory", dir));
  const fs::path weights_path = root / "model.safetensors";
  if (!fs::exists(weights_path)) {
    throw CheckpointError(fmt::format("from_pretrained: {} has no model.safetensors (only the safetensors "
                                      "format is read; pytorch_model.bin is not)", dir));
  }
  const Gpt2Config config = from_config_json((root / "config.json").string());
  const std::string file = weights_path.string();
  SafetensorsFile loaded = load_safetensors(file);

  Generator gen(0);
  auto model = std::make_shared<Gpt2Model>(config, gen);
  const std::map<std::string, Tensor> wanted = model->state_dict();  // "transformer.*" names

  std::map<std::string, Tensor> state;
  std::map<std::string, std::string> file_name_of;  // model name -> the name in the file
  Tensor lm_head;
  auto check_dtype = [&](const std::string& name) {
    const std::string& stored = loaded.stored_dtype.at(name);
    if (stored != "F32" && stored != "F16" && stored != "BF16") {
      throw CheckpointError(fmt::format("{}: tensor \"{}\" is stored as {}; expected F32, F16 or BF16",
                                        file, name, stored));
    }
  };
  auto check_shape = [&](const std::string& name, const Tensor& t, const Shape& shape) {
    if (t.shape() != shape) {
      throw CheckpointError(fmt::format("{}: tensor \"{}\" has shape {} but the model of config.json needs {}",
                                        file, name, format_shape(t.shape()), format_shape(shape)));
    }
  };
  for (const auto& [name, t] : loaded.tensors) {
    if (name == "lm_head.weight") {
      lm_head = t;
      continue;
    }
    const std::string key = name.rfind("transformer.", 0) == 0 ? name : "transformer." + name;
    // The causal-mask buffers older transformers versions save: candor builds its own mask.
    if (key.rfind("transformer.h.", 0) == 0 && (ends_with(key, ".attn.bias") || ends_with(key, ".attn.masked_bias"))) {
      continue;
    }
    auto it = wanted.find(key);
    if (it == wanted.end()) {
      throw CheckpointError(fmt::format("{}: unexpected tensor \"{}\": GPT-2 has no parameter of that name", file, name));
    }
    if (auto seen = file_name_of.find(key); seen != file_name_of.end()) {
      throw CheckpointError(fmt::format("{}: tensor \"{}\" appears twice, as \"{}\" and \"{}\"", file, key,
                                        seen->second, name));
    }
    check_dtype(name);
    check_shape(name, t, it->second.shape());
    state[key] = t;
    file_name_of[key] = name;
  }
  std::vector<std::string> missing;
  for (const auto& [key, t] : wanted) {
    if (!state.count(key)) missing.push_back(key);
  }
  if (!missing.empty()) {
    std::string names;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) names += (i ? ", \"" : "\"") + missing[i] + "\"";
    if (missing.size() > 5) names += fmt::format(" and {} more", missing.size() - 5);
    throw CheckpointError(fmt::format("{}: missing tensor{} {}", file, missing.size() > 1 ? "s" : "", names));
  }
  if (lm_head.defined()) {  // tied to wte: a different lm_head is a model candor cannot represent
    check_dtype("lm_head.weight");
    const Tensor& wte = state.at("transformer.wte.weight");
    check_shape("lm_head.weight", lm_head, wte.shape());
    const float* a = lm_head.data<float>();
    const float* b = wte.data<float>();
    if (!std::equal(a, a + lm_head.numel(), b)) {
      throw CheckpointError(fmt::format("{}: tensor \"lm_head.weight\" differs from \"{}\"; GPT-2's lm_head is "
                                        "tied to the token embedding", file, file_name_of.at("transformer.wte.weight")));
    }
  }
  model->load_state_dict(state, true);
  model->eval();
  return model;
}

void save_pretrained(const Gpt2Model& model, const std::string& dir) {
  const Gpt2Config& c = model.config();
  const nlohmann::json config = {
      {"model_type", "gpt2"}, {"architectures", {"GPT2LMHeadModel"}}, {"activation_function", "gelu_new"},
      {"vocab_size", c.vocab_size}, {"n_positions", c.n_positions}, {"n_ctx", c.n_positions},
      {"n_embd", c.n_embd}, {"n_layer", c.n_layer}, {"n_head", c.n_head},
      {"layer_norm_epsilon", c.layer_norm_epsilon}, {"embd_pdrop", c.embd_pdrop},
      {"attn_pdrop", c.attn_pdrop}, {"resid_pdrop", c.resid_pdrop}};
  fs::create_directories(dir);
  write_file_atomically(fs::path(dir) / "config.json", config.dump(2) + "\n");
  const std::map<std::string, Tensor> state = model.state_dict();
  save_safetensors((fs::path(dir) / "model.safetensors").string(), state, with_data_checksum(state, {{"format", "pt"}}));
}

}  // namespace candor::nn
