// The parts of a binary classifier that the fine-tuning modes act on, whatever its kind:
//
//   kind             backbone -> head input            head (its parameters)
//   MLP              every layer but the last          the last Linear ("N.*")
//   FT-Transformer   the [CLS] token after the blocks  LayerNorm, ReLU, Linear ("head.*")
//   GPT-2            the last non-padding token        score Linear ("score.*")
//
// full: every parameter trains. head: only the head trains (the backbone is frozen; with
// cache_features its outputs are computed once, in eval mode). lora: low-rank adapters on the
// target layers train, every base weight is frozen; a freshly initialised head (a language model
// turned classifier) trains too, since a random head cannot be left as it is.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "nn/module.h"

namespace candor::nn {

struct Tunable {
  std::shared_ptr<Module> model;                // forward(x) -> logits [B, 1]
  std::string head;                                 // pattern naming the head's parameters
  std::function<Tensor(const Tensor&)> features;    // x -> the head's input
  std::function<Tensor(const Tensor&)> head_forward;
  std::vector<std::string> lora_targets;            // the layers LoRA adapts by default
  bool fresh_head = false;
};

// Recognises an MLP (Sequential), an FtTransformer or an Gpt2ForSequenceClassification;
// ValueError for any other module.
Tunable tunable(std::shared_ptr<Module> model, bool fresh_head = false);

}  // namespace candor::nn
