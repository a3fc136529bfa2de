#include "nn/tunable.h"

#include <fmt/format.h>

#include "engine/error.h"
#include "nn/ft_transformer.h"
#include "nn/gpt2.h"
#include "nn/layers.h"

namespace candor::nn {

Tunable tunable(std::shared_ptr<Module> model, bool fresh_head) {
  Tunable t;
  t.model = model;
  t.fresh_head = fresh_head;
  if (auto mlp = std::dynamic_pointer_cast<Sequential>(model)) {
    const size_t last = mlp->size() - 1;
    t.head = fmt::format("{}.*", last);
    t.features = [mlp, last](const Tensor& x) {
      Tensor h = x;
      for (size_t i = 0; i < last; ++i) h = (*(*mlp)[i])(h);
      return h;
    };
    t.head_forward = [mlp, last](const Tensor& h) { return (*(*mlp)[last])(h); };
    t.lora_targets = {"*"};  // every Linear
  } else if (auto ft = std::dynamic_pointer_cast<FtTransformer>(model)) {
    t.head = "head.*";
    t.features = [ft](const Tensor& x) { return ft->cls_features(x); };
    t.head_forward = [ft](const Tensor& h) { return ft->head_forward(h); };
    t.lora_targets = {"*c_attn"};
  } else if (auto gpt = std::dynamic_pointer_cast<Gpt2ForSequenceClassification>(model)) {
    t.head = "score.*";
    t.features = [gpt](const Tensor& ids) { return gpt->features(ids); };
    t.head_forward = [gpt](const Tensor& h) { return gpt->head_forward(h); };
    t.lora_targets = {"*c_attn"};
  } else {
    throw ValueError("fine-tuning supports MLP, FT-Transformer and GPT-2 classifiers only");
  }
  return t;
}

}  // namespace candor::nn
