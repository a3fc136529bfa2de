// LoRA: low-rank adaptation (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language
// Models", https://arxiv.org/abs/2106.09685). The pretrained weight W0 [out, in] stays frozen and
// each adapted layer learns a low-rank update beside it (the paper's eq. 3, with section 4.1's
// scaling):
//
//   h = W0 x + (alpha / r) B A x        A [r, in], B [out, r], r << min(in, out)
//
// A is drawn at random and B starts at zero, so a fresh adapter adds nothing and training starts
// from the pretrained model exactly. Only A and B (r (in + out) numbers per layer) are trained,
// and they can be saved alone, a few kilobytes beside a checkpoint of hundreds of megabytes.
// For inference the update can be folded into the weight (merge_lora: W = W0 + (alpha/r) B A),
// so an adapted model costs nothing extra at run time; unmerge_lora takes it out again.
//
//   nn::LoraOptions lo{.rank = 8, .alpha = 16, .targets = {"*c_attn", "*c_proj"}};
//   nn::apply_lora(model, lo);             // adapters on those layers; everything else frozen
//   nn::AdamW opt(model.parameters());     // only the adapters (and also_train) are trainable
//   ... train ...
//   nn::save_lora("adapter.safetensors", model, lo);
//   nn::load_lora("adapter.safetensors", fresh_base_model);   // same outputs as `model`
//
// Legend: r rank, in / out the adapted layer's input and output features.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace candor::nn {

struct LoraOptions {
  int64_t rank = 8;
  double alpha = 16;  // scale = alpha / rank
  double dropout = 0;  // on the adapter's input, training mode only
  // Glob patterns (glob_match, '*' spans dots) on the dotted names of the Linear and Conv1D layers
  // to adapt, e.g. "*c_attn" (every GPT-2 block's QKV projection) or "transformer.h.11.*".
  std::vector<std::string> targets = {"*c_attn"};
  // Parameter-name patterns that stay trainable besides the adapters (e.g. a new head "score.*").
  std::vector<std::string> also_train;
  uint64_t seed = 0;  // draws every A and seeds the adapters' dropout masks
};

// The options as JSON: {"rank", "alpha", "dropout", "targets", "also_train", "seed"}.
nlohmann::json to_json(const LoraOptions& options);
// The inverse. A missing key keeps LoraOptions' default; an unknown key, a value of the wrong JSON
// type or options that fail the checks of apply_lora (rank > 0, alpha > 0, dropout in [0, 1),
// at least one target) throw ValueError naming the key.
LoraOptions lora_options_from_json(const nlohmann::json& j);

// The update beside one layer, registered as that layer's child "lora":
//   delta = (alpha / r) * dropout(x) A^T B^T      x [..., in] -> delta [..., out]
// A [r, in] is drawn as PyTorch's Linear default (kaiming uniform with a = sqrt(5), i.e.
// U(+-1/sqrt(in))), B [out, r] is zeros: the adapter starts as a no-op, as in the paper.
// Its dropout (p = 0: the identity) is a child module "dropout", active in training mode only.
class LoraAdapter : public Module {
 public:
  LoraAdapter(int64_t in, int64_t out, int64_t rank, double alpha, double dropout, Generator& gen);
  Tensor forward(const Tensor& x) override;  // delta [..., out]
  // W's update, scale * B A, as a tensor [out, in] (Linear's layout; Conv1D's is its transpose).
  Tensor delta_weight() const;

  Tensor A, B;  // [r, in], [out, r]
  int64_t in_features, out_features, rank;
  double alpha;
  double scale;  // alpha / rank
  // True while the update is folded into the layer's weight (merge_lora): the layer then skips
  // the adapter in forward, and A and B get no gradient.
  bool merged = false;
  std::shared_ptr<Dropout> dropout;
};

// Adds an adapter to every Linear and Conv1D whose dotted module name (Module::named_modules;
// the root itself is never a candidate) matches any of options.targets, in named_modules order,
// drawing each A from one Generator seeded with options.seed. Then sets requires_grad on every
// parameter of `root`: on for every adapter's A and B (earlier adapters included) and for the
// names matching an also_train pattern, off (gradient dropped) for all the rest. Returns the
// adapted layers' names. ValueError, before anything is changed: rank <= 0, alpha <= 0, dropout
// outside [0, 1), no target, a target pattern that matches no Linear/Conv1D (the message names
// the pattern and lists the candidates), an also_train pattern that matches no parameter, or a
// matched layer that already has an adapter.
std::vector<std::string> apply_lora(Module& root, const LoraOptions& options);

// Folds every unmerged adapter into its layer's weight, in place (the weight tensor stays the
// same handle): W += scale * B A (Linear, [out, in]) or W += (scale * B A)^T (Conv1D, [in, out]),
// and marks it merged. Adapters already merged are left alone; a model without adapters is left
// as it is (a no-op, not an error), so the call is safe on any model.
void merge_lora(Module& root);
// The inverse: W -= the same update for every merged adapter (equal to the weight before the merge
// up to float rounding). A no-op where nothing is merged.
void unmerge_lora(Module& root);

// Only the adapters' tensors, by dotted name ("transformer.h.0.attn.c_attn.lora.A"), detached
// but sharing data with the model.
std::map<std::string, Tensor> lora_state_dict(const Module& root);

// Saves lora_state_dict(root) and the parameters options.also_train names (as PEFT's
// modules_to_save: a new classification head trains beside the adapters) as safetensors, with
// to_json(options) under the metadata key "candor.lora", so the file holds everything the
// fine-tune changed over the base model and how to rebuild it.
// ValueError: the model has no adapter; an adapter is merged (unmerge_lora first, so the file
// never holds a base weight's worth of update twice); or `options` do not describe the model's
// adapters (another rank or alpha, a layer the targets miss, a target layer without an adapter).
void save_lora(const std::string& path, const Module& root, const LoraOptions& options);

// Reads a file written by save_lora, checks that its tensors are exactly the adapters that
// apply_lora(root, stored options) would add and the parameters also_train names, with their
// shapes, then applies the adapters and loads every value (cast to the model's dtype). CheckpointError naming the file and the problem: not a
// safetensors file, no "candor.lora" metadata (not a LoRA file), bad options JSON, targets that do
// not fit this model, a missing, unexpected or wrong-shape adapter tensor; the model is unchanged
// then. A layer of `root` that already has an adapter: ValueError, from apply_lora. Returns the
// stored options.
LoraOptions load_lora(const std::string& path, Module& root);

namespace detail {
// The checks behind Linear::add_lora and Conv1D::add_lora (ValueError naming `layer`), then the
// adapter's conversion to `dtype`.
void prepare_lora(const std::shared_ptr<LoraAdapter>& adapter, bool already_adapted, int64_t in,
                  int64_t out, DType dtype, const char* layer);
}  // namespace detail

}  // namespace candor::nn
